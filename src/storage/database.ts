import { DataSource, EntityManager } from "typeorm";

/**
 * The data source plus the one way to write to it. TypeORM's SQLite drivers share a single
 * connection, so two transactions running at once interleave their statements ("cannot start a
 * transaction within a transaction", or one rollback undoing the other's writes). Every write goes
 * through `write`, which runs transactions one after another.
 */
export class Database {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.dataSource.transaction(work));
    this.tail = result.catch(() => undefined);
    return result;
  }
}
