import { MessageTemplates1764835200000 } from "../../migrations/1764835200000-message-templates";
import { MIGRATIONS } from "../../src/storage/data-source";
import { BOTH_DATABASES } from "../support/postgres";

const INSERT = "INSERT INTO message_template (event, channel, title, text, updated_at) VALUES ";

for (const backend of BOTH_DATABASES) backend.describe(`the message template migration on ${backend.name}`, () => {
  let database: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => (database = await backend.open()));
  afterEach(() => database.close());

  const count = async (table: string) =>
    Number((await database.db.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  it("keys templates by event and channel, and comes down and up again with rows in it", async () => {
    const { dataSource } = database.db;
    expect(MIGRATIONS).toContain(MessageTemplates1764835200000);
    // The migrations after it come down first.
    const later = MIGRATIONS.length - 1 - MIGRATIONS.indexOf(MessageTemplates1764835200000);
    for (let i = 0; i < later; i++) await dataSource.undoLastMigration();
    // Beyond 32 bits, as epoch milliseconds are.
    await dataSource.query(`${INSERT}('SCAN_ADDED', 'SLACK', 'a title', NULL, 1764835200123)`);
    await dataSource.query(`${INSERT}('SCAN_ADDED', 'MAIL', NULL, 'a text', 1)`);
    await expect(dataSource.query(`${INSERT}('SCAN_ADDED', 'SLACK', 'twice', NULL, 1)`)).rejects.toThrow(/UNIQUE|duplicate key/);
    const [row] = await dataSource.query("SELECT * FROM message_template WHERE channel = 'SLACK'");
    expect({ ...row, updated_at: Number(row.updated_at) }).toEqual({
      event: "SCAN_ADDED",
      channel: "SLACK",
      title: "a title",
      text: null,
      updated_at: 1764835200123,
    });
    await dataSource.query("INSERT INTO system_notification (event, channels) VALUES ('SCAN_ADDED', '[]')");

    await dataSource.undoLastMigration();
    await expect(count("message_template")).rejects.toThrow();
    expect(await count("system_notification")).toBe(1);

    await dataSource.runMigrations();
    expect(await count("message_template")).toBe(0);
    expect(await count("system_notification")).toBe(1);
  });
});
