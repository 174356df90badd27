import { POSTGRES_CONCURRENT_WRITES } from "../../src/storage/database";
import { migratedDatabase } from "../support/database";
import { BOTH_DATABASES } from "../support/postgres";

describe("Database.write", () => {
  it("syncs every commit, except the ones asked not to, and puts FULL back after those", async () => {
    const database = await migratedDatabase();
    const synchronous = async () => (await database.db.dataSource.query("PRAGMA synchronous"))[0].synchronous;
    try {
      let inside: unknown;
      await database.db.write(async (manager) => {
        inside = (await manager.query("PRAGMA synchronous"))[0].synchronous;
      }, { durable: false });
      expect(inside).toBe(1); // NORMAL: WAL frames are written, not synced
      expect(await synchronous()).toBe(2); // FULL again for whatever comes next
      await database.db.write(async (manager) => {
        inside = (await manager.query("PRAGMA synchronous"))[0].synchronous;
      });
      expect(inside).toBe(2);

      await expect(database.db.write(async () => Promise.reject(new Error("boom")), { durable: false })).rejects.toThrow("boom");
      expect(await synchronous()).toBe(2);
    } finally {
      await database.close();
    }
  });
});

for (const backend of BOTH_DATABASES) backend.describe(`Database.write on ${backend.name}`, () => {
  const atOnce = backend.name === "SQLite" ? 1 : POSTGRES_CONCURRENT_WRITES;

  it(`runs ${backend.name === "SQLite" ? "one transaction at a time" : "a few transactions at once, and queues the rest"}`, async () => {
    const database = await backend.open();
    try {
      let active = 0;
      let most = 0;
      let started = 0;
      let openGate!: () => void;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      // Held open until as many as may run at once have started (or, on SQLite, for 100 ms).
      const timer = setTimeout(openGate, backend.name === "SQLite" ? 100 : 10_000);
      const writes = Array.from({ length: atOnce + 3 }, (_, i) =>
        database.db.write(async (manager) => {
          active += 1;
          started += 1;
          most = Math.max(most, active);
          if (started === atOnce) openGate();
          await manager.query("SELECT 1");
          await gate;
          active -= 1;
          return i;
        }),
      );
      expect(await Promise.all(writes)).toEqual(Array.from({ length: atOnce + 3 }, (_, i) => i));
      clearTimeout(timer);
      expect(most).toBe(atOnce);
      expect(started).toBe(atOnce + 3);
    } finally {
      await database.close();
    }
  });
});
