import { groupCommit } from "../../src/storage/group-commit";
import { migratedDatabase } from "../support/database";

describe("groupCommit", () => {
  it("runs writes submitted together in one transaction, answering each in order", async () => {
    const database = await migratedDatabase();
    try {
      const batches: number[][] = [];
      const write = groupCommit<number, number>(database.db, async (manager, batch) => {
        batches.push(batch);
        // Inside the transaction: what it writes is visible to itself.
        for (const n of batch) await manager.query("INSERT INTO poll_cursor (resource, state, cursor) VALUES (?, '{}', '')", [`r${n}`]);
        return batch.map((n) => n * 10);
      });
      expect(await Promise.all([write(1), write(2), write(3)])).toEqual([10, 20, 30]);
      expect(await write(4)).toBe(40);
      expect(batches).toEqual([[1, 2, 3], [4]]);
      expect(await database.db.manager.query("SELECT COUNT(*) AS n FROM poll_cursor")).toEqual([{ n: 4 }]);
    } finally {
      await database.close();
    }
  });

  it("fails every write of a batch whose transaction fails, and stores none of them", async () => {
    const database = await migratedDatabase();
    try {
      const write = groupCommit<string, void>(database.db, async (manager, batch) => {
        for (const name of batch) await manager.query("INSERT INTO poll_cursor (resource, state, cursor) VALUES (?, '{}', '')", [name]);
        return batch.map(() => undefined);
      });
      const results = await Promise.allSettled([write("a"), write("a")]); // the second breaks the primary key
      expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
      expect(await database.db.manager.query("SELECT COUNT(*) AS n FROM poll_cursor")).toEqual([{ n: 0 }]);
      await write("b"); // the next batch is unaffected
      expect(await database.db.manager.query("SELECT resource FROM poll_cursor")).toEqual([{ resource: "b" }]);
    } finally {
      await database.close();
    }
  });

  it("fails the waiting writes when no transaction can begin (database closed)", async () => {
    const database = await migratedDatabase();
    const write = groupCommit<number, number>(database.db, async (_manager, batch) => batch);
    await database.db.dataSource.destroy();
    await expect(Promise.all([write(1), write(2)])).rejects.toThrow("The database connection is not open");
    await database.close().catch(() => undefined);
  });
});
