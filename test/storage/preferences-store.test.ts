import { readFileSync } from "node:fs";
import { Channel } from "../../src/vocabulary/channel";
import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../../src/events/notification-event";
import { Severity } from "../../src/events/severity";
import { UserContactEntity } from "../../src/storage/entities/user-contact.entity";
import { UserNotificationEntity } from "../../src/storage/entities/user-notification.entity";
import { PreferencesStore, publicContact } from "../../src/storage/preferences-store";
import { SecretBox } from "../../src/storage/secret-box";
import { migratedDatabase } from "../support/database";

const TEAMS_URL = "https://prod-07.westeurope.logic.azure.com/workflows/u1/triggers/manual/paths/invoke?sig=PERSONALSIG77";
/** What a user who set no routing preferences has: every finding, at once, no quiet hours. */
const NO_PREFERENCES = { minSeverity: null, digestWindowSeconds: 0, quietHours: null, timeZone: null };

describe("PreferencesStore", () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let store: PreferencesStore;

  beforeEach(async () => {
    database = await migratedDatabase();
    store = new PreferencesStore(database.db, new SecretBox("test key, thirty-two characters or more"));
  });
  afterEach(() => database.close());

  const rows = (sql: string) => database.db.dataSource.query(sql);

  it("starts with no contact and no personal notifications, like DefectDojo's personal default", async () => {
    expect(await store.contact(5)).toEqual({ slackEmail: null, email: null, msteamsUrlSet: false, msteamsUrl: null, ...NO_PREFERENCES });
    const notifications = await store.notifications(5);
    expect(notifications.map((n) => n.event)).toEqual(ALL_NOTIFICATION_EVENTS);
    expect(notifications.every((n) => n.channels.length === 0)).toBe(true);
    expect(await store.subscribers(NotificationEvent.PRODUCT_ADDED)).toEqual([]);
    expect(await rows("SELECT count(*) AS n FROM user_contact")).toEqual([{ n: 0 }]);
  });

  it("sets contact fields one at a time, leaves the others alone and clears one with an empty string", async () => {
    const first = await store.updateContact(5, { slackEmail: "me@slack.example", email: "me@mail.example" });
    expect(first).toEqual({ slackEmail: "me@slack.example", email: "me@mail.example", msteamsUrlSet: false, ...NO_PREFERENCES });

    await store.updateContact(5, { msteamsUrl: TEAMS_URL });
    expect(await store.contact(5)).toEqual({
      slackEmail: "me@slack.example",
      email: "me@mail.example",
      msteamsUrlSet: true,
      msteamsUrl: TEAMS_URL,
      ...NO_PREFERENCES,
    });

    await store.updateContact(5, { slackEmail: "" });
    expect(await store.contact(5)).toMatchObject({ slackEmail: null, email: "me@mail.example", msteamsUrlSet: true });
    await store.updateContact(5, { msteamsUrl: "" });
    expect(await store.contact(5)).toMatchObject({ msteamsUrlSet: false, msteamsUrl: null, email: "me@mail.example" });
    // Another user's record is untouched by all of it.
    expect(await store.contact(6)).toMatchObject({ slackEmail: null, email: null, msteamsUrlSet: false });
  });

  it("stores minimum severity, digest window, quiet hours and time zone, partially updated and cleared", async () => {
    const set = await store.updateContact(5, {
      minSeverity: Severity.HIGH,
      digestWindowSeconds: 900,
      quietHoursStart: "22:00",
      quietHoursEnd: "07:00",
      timeZone: "Europe/Berlin",
    });
    const routing = {
      minSeverity: Severity.HIGH,
      digestWindowSeconds: 900,
      quietHours: { start: "22:00", end: "07:00", timeZone: "Europe/Berlin" },
      timeZone: "Europe/Berlin",
    };
    expect(set).toEqual({ slackEmail: null, email: null, msteamsUrlSet: false, ...routing });
    expect(await rows("SELECT min_severity, digest_window_seconds, quiet_hours_start, quiet_hours_end, time_zone FROM user_contact")).toEqual([
      { min_severity: "HIGH", digest_window_seconds: 900, quiet_hours_start: "22:00", quiet_hours_end: "07:00", time_zone: "Europe/Berlin" },
    ]);

    // Other fields leave them alone; the fan-out reads them too.
    await store.updateContact(5, { email: "me@mail.example" });
    expect(await store.contact(5)).toMatchObject({ email: "me@mail.example", ...routing });
    expect((await store.contacts([5])).get(5)).toMatchObject(routing);

    // Without a time zone of their own, quiet hours are in UTC.
    await store.updateContact(5, { timeZone: "" });
    expect(await store.contact(5)).toMatchObject({ quietHours: { start: "22:00", end: "07:00", timeZone: "UTC" }, timeZone: null });

    // A time zone alone is kept (and shown) without quiet hours; half of a window is none.
    await store.updateContact(5, { quietHoursEnd: "", timeZone: "Asia/Tokyo" });
    expect(await store.contact(5)).toMatchObject({ quietHours: null, timeZone: "Asia/Tokyo" });

    await store.updateContact(5, { minSeverity: null, digestWindowSeconds: 0, quietHoursStart: "", timeZone: "" });
    expect(await store.contact(5)).toEqual({
      slackEmail: null,
      email: "me@mail.example",
      msteamsUrlSet: false,
      msteamsUrl: null,
      ...NO_PREFERENCES,
    });
    expect(await store.contact(6)).toEqual({ slackEmail: null, email: null, msteamsUrlSet: false, msteamsUrl: null, ...NO_PREFERENCES });
  });

  it("keeps the Teams URL sealed at rest and out of the public shape", async () => {
    const updated = await store.updateContact(5, { msteamsUrl: TEAMS_URL, email: "visible@mail.example" });
    expect(JSON.stringify(updated)).not.toContain("PERSONALSIG77");
    expect(JSON.stringify(publicContact(await store.contact(5)))).not.toContain("logic.azure.com");

    const [row] = await rows("SELECT msteams_url_encrypted AS sealed FROM user_contact WHERE user_id = 5");
    expect(row.sealed).toMatch(/^v2:/);
    expect(row.sealed).not.toContain("PERSONALSIG77");

    // The bytes on disk (database and WAL) hold the plain e-mail, never the URL.
    await rows("PRAGMA wal_checkpoint(TRUNCATE)");
    const onDisk = readFileSync(database.path).toString("latin1");
    expect(onDisk).toContain("visible@mail.example");
    expect(onDisk).not.toContain("PERSONALSIG77");
    expect(onDisk).not.toContain("westeurope.logic.azure.com");

    const otherKey = new PreferencesStore(database.db, new SecretBox("another key, thirty-two characters or more"));
    await expect(otherKey.contact(5)).rejects.toThrow(/does not open with this SECRET_KEY|unable to authenticate/);
  });

  it("returns the contacts of many users at once, every id asked for included", async () => {
    await store.updateContact(1, { slackEmail: "one@slack.example" });
    await store.updateContact(3, { msteamsUrl: TEAMS_URL });
    const contacts = await store.contacts([1, 2, 3, 1]);
    expect([...contacts.keys()]).toEqual([1, 2, 3]);
    expect(contacts.get(1)).toMatchObject({ slackEmail: "one@slack.example", msteamsUrl: null });
    expect(contacts.get(2)).toEqual({ slackEmail: null, email: null, msteamsUrlSet: false, msteamsUrl: null, ...NO_PREFERENCES });
    expect(contacts.get(3)).toMatchObject({ msteamsUrlSet: true, msteamsUrl: TEAMS_URL });
    expect((await store.contacts([])).size).toBe(0);
  });

  it("stores each user's channels per event without repeats, in Channel order", async () => {
    const set = await store.setNotification(5, NotificationEvent.SCAN_ADDED, [Channel.MAIL, Channel.SLACK, Channel.MAIL]);
    expect(set).toEqual({ event: NotificationEvent.SCAN_ADDED, channels: [Channel.SLACK, Channel.MAIL] });
    const mine = await store.notifications(5);
    expect(mine.find((n) => n.event === NotificationEvent.SCAN_ADDED)?.channels).toEqual([Channel.SLACK, Channel.MAIL]);
    expect(mine.find((n) => n.event === NotificationEvent.TEST_ADDED)?.channels).toEqual([]);
    expect((await store.notifications(6)).every((n) => n.channels.length === 0)).toBe(true);

    // [] turns the event off and leaves no row behind.
    await store.setNotification(5, NotificationEvent.SCAN_ADDED, []);
    expect((await store.notifications(5)).find((n) => n.event === NotificationEvent.SCAN_ADDED)?.channels).toEqual([]);
    expect(await rows("SELECT count(*) AS n FROM user_notification")).toEqual([{ n: 0 }]);
  });

  it("lists the subscribers of an event with their channels, and only those", async () => {
    await store.setNotification(9, NotificationEvent.PRODUCT_ADDED, [Channel.MSTEAMS]);
    await store.setNotification(4, NotificationEvent.PRODUCT_ADDED, [Channel.MAIL, Channel.SLACK]);
    await store.setNotification(7, NotificationEvent.PRODUCT_ADDED, [Channel.SLACK]);
    await store.setNotification(7, NotificationEvent.PRODUCT_ADDED, []);
    await store.setNotification(8, NotificationEvent.ENGAGEMENT_ADDED, [Channel.SLACK]);

    expect(await store.subscribers(NotificationEvent.PRODUCT_ADDED)).toEqual([
      { userId: 4, channels: [Channel.SLACK, Channel.MAIL] },
      { userId: 9, channels: [Channel.MSTEAMS] },
    ]);
    expect(await store.subscribers(NotificationEvent.ENGAGEMENT_ADDED)).toEqual([{ userId: 8, channels: [Channel.SLACK] }]);
    expect(await store.subscribers(NotificationEvent.OTHER)).toEqual([]);
  });

  it("reads contacts and subscribers of a thousand users in one query each", async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    await database.db.write(async (manager) => {
      await manager.insert(
        UserNotificationEntity,
        ids.map((id) => ({ userId: id, event: NotificationEvent.SCAN_ADDED, channels: [Channel.SLACK] })),
      );
      // updateEntity(false): else TypeORM reads the column defaults back for all 1000 rows in one
      // WHERE … OR … expression, deeper than SQLite's limit of 1000.
      await manager
        .createQueryBuilder()
        .insert()
        .into(UserContactEntity)
        .values(ids.map((id) => ({ userId: id, slackEmail: `u${id}@slack.example`, email: null, msteamsUrlEncrypted: null, updatedAt: 1 })))
        .updateEntity(false)
        .execute();
    });
    const dataSource = database.db.dataSource;
    const original = dataSource.logger;
    const queries: string[] = [];
    // Every statement TypeORM runs passes through its logger.
    dataSource.logger = Object.assign(Object.create(original) as typeof original, {
      logQuery: (query: string) => void queries.push(query),
    });
    try {
      const subscribers = await store.subscribers(NotificationEvent.SCAN_ADDED);
      const contacts = await store.contacts(subscribers.map((s) => s.userId));
      expect(subscribers).toHaveLength(1000);
      expect(contacts.get(1000)?.slackEmail).toBe("u1000@slack.example");
    } finally {
      dataSource.logger = original;
    }
    expect(queries.filter((query) => /^\s*SELECT/i.test(query))).toHaveLength(2);
  });

  it("answers subscribers from the event index", async () => {
    const plan: Array<{ detail: string }> = await rows(
      "EXPLAIN QUERY PLAN SELECT * FROM user_notification WHERE event = 'PRODUCT_ADDED'",
    );
    expect(plan.map((step) => step.detail).join(" ")).toMatch(/user_notification_event/);
  });
});
