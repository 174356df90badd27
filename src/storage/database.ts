import { DataSource, EntityManager } from "typeorm";

/**
 * The data source plus the one way to write to it. TypeORM's SQLite drivers share a single
 * connection, so two transactions running at once interleave their statements ("cannot start a
 * transaction within a transaction", or one rollback undoing the other's writes). Every write goes
 * through `write`, which runs transactions one after another (on PostgreSQL too: batches formed
 * by group commit make that cheap, and each replica then holds one writing connection).
 */
export class Database {
  private tail: Promise<unknown> = Promise.resolve();

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
   * Runs `work` in a transaction after the writes before it. Every commit is synced to disk
   * (synchronous = FULL) unless `durable` is false: for bookkeeping a power cut may undo without
   * harm (leases: a restart frees them all), SQLite then skips the sync, and the next durable
   * commit syncs that write along with its own.
   */
  write<T>(work: (manager: EntityManager) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
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
}
