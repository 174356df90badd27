import { migratedDatabase } from "../support/database";

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
