import { Channel } from "../../src/vocabulary/channel";
import { NotificationEvent } from "../../src/events/notification-event";
import { TemplateStore } from "../../src/storage/template-store";
import { BOTH_DATABASES } from "../support/postgres";

for (const backend of BOTH_DATABASES) backend.describe(`TemplateStore on ${backend.name}`, () => {
  let database: Awaited<ReturnType<typeof backend.open>>;
  let store: TemplateStore;

  beforeEach(async () => {
    database = await backend.open();
    store = new TemplateStore(database.db);
  });
  afterEach(() => database.close());

  it("has no templates to start with", async () => {
    expect(await store.list()).toEqual([]);
    expect(await store.find(NotificationEvent.SCAN_ADDED, Channel.SLACK)).toBeNull();
  });

  it("stores one template per event and channel, replacing it on a second set", async () => {
    const text = "Line one\r\nline two: {{product}} 🔥 <!channel> ".repeat(60);
    await expect(store.set(NotificationEvent.SCAN_ADDED, Channel.SLACK, { title: "{{event}}: {{product}}", text })).resolves.toEqual({
      event: NotificationEvent.SCAN_ADDED,
      channel: Channel.SLACK,
      title: "{{event}}: {{product}}",
      text,
    });
    await store.set(NotificationEvent.SCAN_ADDED, Channel.MAIL, { title: null, text: "mail {{url}}" });
    expect(await store.find(NotificationEvent.SCAN_ADDED, Channel.SLACK)).toEqual({ title: "{{event}}: {{product}}", text });
    expect(await store.find(NotificationEvent.SCAN_ADDED, Channel.MAIL)).toEqual({ title: null, text: "mail {{url}}" });
    expect(await store.find(NotificationEvent.SCAN_ADDED, Channel.MSTEAMS)).toBeNull();
    expect(await store.find(NotificationEvent.PRODUCT_ADDED, Channel.SLACK)).toBeNull();

    await store.set(NotificationEvent.SCAN_ADDED, Channel.SLACK, { title: "again", text: null });
    expect(await store.find(NotificationEvent.SCAN_ADDED, Channel.SLACK)).toEqual({ title: "again", text: null });
    const [{ n }] = await database.db.dataSource.query("SELECT count(*) AS n FROM message_template");
    expect(Number(n)).toBe(2);
  });

  it("lists in DefectDojo's event order, then channel order", async () => {
    await store.set(NotificationEvent.OTHER, Channel.SLACK, { title: "o", text: null });
    await store.set(NotificationEvent.SCAN_ADDED, Channel.MAIL, { title: "s-mail", text: null });
    await store.set(NotificationEvent.SCAN_ADDED, Channel.SLACK, { title: "s-slack", text: null });
    await store.set(NotificationEvent.PRODUCT_TYPE_ADDED, Channel.MSTEAMS, { title: null, text: "pt" });
    expect((await store.list()).map(({ event, channel }) => `${event} ${channel}`)).toEqual([
      "PRODUCT_TYPE_ADDED MSTEAMS",
      "SCAN_ADDED SLACK",
      "SCAN_ADDED MAIL",
      "OTHER SLACK",
    ]);
    expect((await store.list())[0]).toEqual({ event: "PRODUCT_TYPE_ADDED", channel: "MSTEAMS", title: null, text: "pt" });
  });

  it("removes a template, saying whether there was one", async () => {
    await store.set(NotificationEvent.SCAN_ADDED, Channel.SLACK, { title: "t", text: null });
    await store.set(NotificationEvent.SCAN_ADDED, Channel.MAIL, { title: "m", text: null });
    expect(await store.remove(NotificationEvent.SCAN_ADDED, Channel.SLACK)).toBe(true);
    expect(await store.remove(NotificationEvent.SCAN_ADDED, Channel.SLACK)).toBe(false);
    expect(await store.remove(NotificationEvent.TEST_ADDED, Channel.MAIL)).toBe(false);
    expect(await store.find(NotificationEvent.SCAN_ADDED, Channel.SLACK)).toBeNull();
    expect(await store.list()).toEqual([{ event: "SCAN_ADDED", channel: "MAIL", title: "m", text: null }]);
  });

  it("caches nothing: a change through another store (another replica) shows at once", async () => {
    const other = new TemplateStore(database.db);
    expect(await store.find(NotificationEvent.OTHER, Channel.MAIL)).toBeNull();
    await other.set(NotificationEvent.OTHER, Channel.MAIL, { title: "from the other", text: null });
    expect(await store.find(NotificationEvent.OTHER, Channel.MAIL)).toEqual({ title: "from the other", text: null });
    await other.remove(NotificationEvent.OTHER, Channel.MAIL);
    expect(await store.find(NotificationEvent.OTHER, Channel.MAIL)).toBeNull();
  });

  it("records when each template was last set, in epoch milliseconds", async () => {
    const before = Date.now();
    await store.set(NotificationEvent.SCAN_ADDED, Channel.SLACK, { title: "t", text: null });
    const [row] = await database.db.dataSource.query("SELECT updated_at FROM message_template");
    expect(Number(row.updated_at)).toBeGreaterThanOrEqual(before);
    expect(Number(row.updated_at)).toBeLessThanOrEqual(Date.now());
  });
});
