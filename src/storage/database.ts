import { DataSource, EntityManager } from "typeorm";

/**
 * Transactions one process runs at once on PostgreSQL, each on a connection of its own from the
 * pool (POSTGRES_POOL_SIZE), leaving the rest to reads. More than one: a statement there is a round
 * trip, and the webhooks' batch must not wait behind the sends' bookkeeping.
 */
export const POSTGRES_CONCURRENT_WRITES = 4;

/**
 * The data source plus the one way to write to it. TypeORM's SQLite drivers share a single
 * connection, so two transactions running at once interleave their statements ("cannot start a
 * transaction within a transaction", or one rollback undoing the other's writes). Every write goes
 * through `write`, which on SQLite runs transactions one after another (batches formed by group
 * commit make that cheap). On PostgreSQL, up to POSTGRES_CONCURRENT_WRITES run at once: what they
 * may contend for, they lock as replicas do (`FOR UPDATE SKIP LOCKED`, `ON CONFLICT`).
 */
export class Database {
  private tail: Promise<unknown> = Promise.resolve();
  private writing = 0;
  private readonly waitingWrites: Array<() => void> = [];

  /**
   * PostgreSQL: other replicas may hold leases and locks on the same rows. SQLite: this process
   * owns the database alone, so at start-up nothing anyone holds is live.
   */
  readonly sharedByReplicas: boolean;

  constructor(readonly dataSource: DataSource) {
    this.sharedByReplicas = dataSource.options.type === "postgres";
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Runs `work` in a transaction (on SQLite, after the writes before it). Every commit is synced to disk
   * (synchronous = FULL) unless `durable` is false: for bookkeeping a power cut may undo without
   * harm (leases: a restart frees them all), SQLite then skips the sync, and the next durable
   * commit syncs that write along with its own.
   */
  write<T>(work: (manager: EntityManager) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
    if (this.sharedByReplicas) return this.concurrently(() => this.dataSource.transaction(work));
    const relaxed = options.durable === false && this.dataSource.options.type === "better-sqlite3";
    const run = async () => {
      if (!relaxed) return this.dataSource.transaction(work);
      await this.dataSource.query("PRAGMA synchronous = NORMAL");
      try {
        return await this.dataSource.transaction(work);
      } finally {
        await this.dataSource.query("PRAGMA synchronous = FULL");
      }
    };
    const result = this.tail.then(run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async concurrently<T>(transaction: () => Promise<T>): Promise<T> {
    if (this.writing >= POSTGRES_CONCURRENT_WRITES) await new Promise<void>((resolve) => this.waitingWrites.push(resolve));
    else this.writing += 1;
    try {
      return await transaction();
    } finally {
      // A slot ending goes straight to the next waiting write, or is freed.
      const next = this.waitingWrites.shift();
      if (next) next();
      else this.writing -= 1;
    }
  }
}
