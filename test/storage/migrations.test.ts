import { join } from "node:path";
import { PersonalNotifications1764403200000 } from "../../migrations/1764403200000-personal-notifications";
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
      await dataSource.query("INSERT INTO user_contact (user_id, email, updated_at) VALUES (7, 'u7@example.com', 1)");
      await dataSource.query("INSERT INTO user_notification (user_id, event, channels) VALUES (7, 'SCAN_ADDED', '[\"MAIL\"]')");

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

  it("add and remove the personal notification tables without touching the rows of the others", async () => {
    const dataSource = createDataSource(join(dir.path, "personal.sqlite"));
    await dataSource.initialize();
    const tables = async () =>
      (await dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map(
        (row: { name: string }) => row.name,
      );
    try {
      await dataSource.runMigrations();
      await dataSource.query(
        "INSERT INTO event (idempotency_key, name, source, data, received_at) VALUES ('k', 'product_added', 'webhook', '{}', 1)",
      );
      await dataSource.query(
        "INSERT INTO user_contact (user_id, slack_email, email, msteams_url_encrypted, updated_at) VALUES (7, 's@example.com', NULL, 'v1:a:b:c', 1764403200000)",
      );
      await dataSource.query("INSERT INTO user_notification (user_id, event, channels) VALUES (7, 'SCAN_ADDED', '[\"SLACK\"]')");
      await dataSource.query("INSERT INTO user_notification (user_id, event, channels) VALUES (8, 'SCAN_ADDED', '[\"MAIL\"]')");
      // One row per user and event.
      await expect(
        dataSource.query("INSERT INTO user_notification (user_id, event, channels) VALUES (7, 'SCAN_ADDED', '[]')"),
      ).rejects.toThrow(/UNIQUE|PRIMARY/);
      const indexes = await dataSource.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'user_notification'");
      expect(indexes.map((row: { name: string }) => row.name)).toContain("user_notification_event");
      const [contact] = await dataSource.query("SELECT updated_at FROM user_contact WHERE user_id = 7");
      expect(Number(contact.updated_at)).toBe(1764403200000);

      // Revert down to (and including) this migration, with rows in its tables.
      const position = MIGRATIONS.indexOf(PersonalNotifications1764403200000);
      expect(position).toBeGreaterThan(0);
      for (let i = MIGRATIONS.length - 1; i >= position; i -= 1) await dataSource.undoLastMigration();
      expect(await tables()).not.toContain("user_contact");
      expect(await tables()).not.toContain("user_notification");
      expect(await dataSource.query("SELECT count(*) AS n FROM event")).toEqual([{ n: 1 }]);

      await dataSource.runMigrations();
      expect(await tables()).toEqual(expect.arrayContaining(["user_contact", "user_notification"]));
      expect(await dataSource.query("SELECT count(*) AS n FROM user_notification")).toEqual([{ n: 0 }]);
      expect(await dataSource.query("SELECT count(*) AS n FROM event")).toEqual([{ n: 1 }]);
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
