import { EntityManager } from "typeorm";
import { Database } from "./database";

/**
 * Group commit: writes submitted while a transaction is open (or waiting for the database) wait
 * for the next one and share it, so a burst costs one commit, one fsync, per batch instead of one
 * per write. `work` gets the batch in submission order and returns one result per item.
 */
export function groupCommit<T, R>(
  db: Database,
  work: (manager: EntityManager, batch: T[]) => Promise<R[]>,
  /** How long the first write waits for others to join (0: the rest of this turn of the event loop). */
  options: { gatherMs?: number } = {},
): (item: T) => Promise<R> {
  type Waiting = { item: T; resolve(result: R): void; reject(error: unknown): void };
  let waiting: Waiting[] = [];
  let queued = false;

  const take = () => {
    const batch = waiting;
    waiting = [];
    queued = false;
    return batch;
  };

  function commit() {
    let batch: Waiting[] | null = null;
    db.write(async (manager) => {
      // Taken when the transaction starts: whatever arrived while it waited for the database joins it.
      batch = take();
      return work(
        manager,
        batch.map((entry) => entry.item),
      );
    }).then(
      (results) => batch!.forEach((entry, index) => entry.resolve(results[index])),
      // A transaction that could not even begin never took its batch: those writes fail with it.
      (error) => (batch ?? take()).forEach((entry) => entry.reject(error)),
    );
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!queued) {
        queued = true;
        // After the I/O phase: everything that arrived in this turn of the event loop joins.
        if (options.gatherMs) setTimeout(commit, options.gatherMs);
        else setImmediate(commit);
      }
    });
}
