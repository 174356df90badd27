import { KeptAsideRequests1764921600000 } from "../../migrations/1764921600000-kept-aside-requests";
import { MIGRATIONS } from "../../src/storage/data-source";
import { KeptAsideRequestEntity } from "../../src/storage/entities/kept-aside-request.entity";
import { createKeepAside } from "../../src/ingest/keep-aside";
import { KeptAsideReason } from "../../src/storage/entities/kept-aside-request.entity";
import { BOTH_DATABASES } from "../support/postgres";

for (const backend of BOTH_DATABASES) backend.describe(`the kept-aside migration on ${backend.name}`, () => {
  let database: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => (database = await backend.open()));
  afterEach(() => database.close());

  const count = async (table: string) =>
    Number((await database.db.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  it("creates the table the entity reads, holds large sizes and any text, and comes down and up again with rows in it", async () => {
    const { dataSource } = database.db;
    expect(MIGRATIONS).toContain(KeptAsideRequests1764921600000);
    // Sizes beyond 32 bits (a drained upload), NUL-free text with every other character (the row builder swaps NUL).
    const body = Buffer.from(`{"x": "\u0001\u007f\u00ff\ud83d\ude00 \uFFFD"}`);
    const id = await createKeepAside({ db: database.db, now: () => 1_764_921_600_123 })({
      reason: KeptAsideReason.TOO_LARGE,
      detail: "over",
      eventName: "scan_added",
      eventLabel: "scan_added",
      contentType: "application/json",
      sizeBytes: 5_000_000_000,
      headers: [{ name: "X-Nul", value: "a\u0000b" }],
      body,
    });
    const row = await dataSource.manager.findOneByOrFail(KeptAsideRequestEntity, { id });
    expect(row).toMatchObject({ receivedAt: 1_764_921_600_123, sizeBytes: 5_000_000_000, body: body.toString("utf8"), bodyTruncated: true, reason: "TOO_LARGE" });
    expect(row.headers).toEqual([{ name: "X-Nul", value: "a\u0000b" }]);
    await dataSource.query("INSERT INTO system_notification (event, channels) VALUES ('SCAN_ADDED', '[]')");

    // Down to just before this migration (later ones first), with a row in the table.
    const position = MIGRATIONS.indexOf(KeptAsideRequests1764921600000);
    for (let i = MIGRATIONS.length - 1; i >= position; i -= 1) await dataSource.undoLastMigration();
    await expect(count("kept_aside_request")).rejects.toThrow();
    expect(await count("system_notification")).toBe(1);

    await dataSource.runMigrations();
    expect(await count("kept_aside_request")).toBe(0);
    expect(await count("system_notification")).toBe(1);
  });
});
