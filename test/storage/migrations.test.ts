import { join } from "node:path";
import { createDataSource, MIGRATIONS } from "../../src/storage/data-source";
import { tempDir } from "../support/temp-dir";

describe("migrations on SQLite", () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it("go up, keep rows, come down cleanly and go up again", async () => {
    const dataSource = createDataSource(join(dir.path, "migrate.sqlite"));
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => new m().name));

      await dataSource.query(
        "INSERT INTO event (idempotency_key, name, source, data, received_at) VALUES ('k', 'product_added', 'webhook', '{}', 1)",
      );
      await dataSource.query(
        `INSERT INTO delivery (event_id, channel, target, status, attempts, next_attempt_at, created_at, updated_at)
         VALUES (1, 'SLACK', '#sec', 'PENDING', 0, 1, 1, 1)`,
      );
      expect(await dataSource.query("SELECT count(*) AS n FROM delivery")).toEqual([{ n: 1 }]);
      expect(await dataSource.query("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);

      for (const _ of MIGRATIONS) await dataSource.undoLastMigration();
      const tables = await dataSource.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'migrations'",
      );
      expect(tables).toEqual([]);

      await dataSource.runMigrations();
      expect(await dataSource.query("SELECT count(*) AS n FROM delivery")).toEqual([{ n: 0 }]);
    } finally {
      await dataSource.destroy();
    }
  });

  it("refuse to store a second event under the same idempotency key", async () => {
    const dataSource = createDataSource(join(dir.path, "unique.sqlite"));
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
      const insert = "INSERT INTO event (idempotency_key, name, source, data, received_at) VALUES ('same', 'x', 'webhook', '{}', 1)";
      await dataSource.query(insert);
      await expect(dataSource.query(insert)).rejects.toThrow(/UNIQUE/);
    } finally {
      await dataSource.destroy();
    }
  });
});
