import { changedRows, placeholders, sql } from "../../src/storage/sql";
import { BOTH_DATABASES } from "../support/postgres";

for (const backend of BOTH_DATABASES) backend.describe(`plain statements on ${backend.name}`, () => {
  let database: Awaited<ReturnType<typeof backend.open>>;
  beforeAll(async () => {
    database = await backend.open();
    for (const key of ["a", "b", "c"]) {
      await sql(database.db.manager, "INSERT INTO event (idempotency_key, name, title, source, data, received_at, fanout_status, fanout_attempts, fanout_next_at, rules_pending) VALUES (?, 'product_added', '', 'webhook', '{}', 1, 'PENDING', 0, 5, ?)", [key, 0]);
    }
  });
  afterAll(() => database.close());

  // TypeORM answers an UPDATE … RETURNING as [rows, count] on PostgreSQL and as the rows on SQLite.
  it("counts the rows an UPDATE … RETURNING changed, none included", async () => {
    const manager = database.db.manager;
    expect(await changedRows(manager, "UPDATE event SET fanout_next_at = ? WHERE fanout_next_at = ? RETURNING id", [6, 5])).toBe(3);
    expect(await changedRows(manager, "UPDATE event SET rules_pending = ? WHERE idempotency_key = ? AND fanout_next_at = ? RETURNING id", [1, "a", 6])).toBe(1);
    expect(await changedRows(manager, "UPDATE event SET fanout_next_at = ? WHERE fanout_next_at = ? RETURNING id", [7, 5])).toBe(0);
    const keys = ["a", "c"];
    const rows: Array<{ rules_pending: unknown }> = await sql(manager, `SELECT rules_pending FROM event WHERE idempotency_key IN (${placeholders(keys)}) ORDER BY id`, keys);
    expect(rows.map((row) => Boolean(row.rules_pending))).toEqual([true, false]);
  });
});
