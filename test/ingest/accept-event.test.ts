import { createEventIntake, LARGE_BODY_BYTES } from "../../src/ingest/accept-event";
import { NotificationEvent } from "../../src/events/notification-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { EventEntity, FanoutStatus } from "../../src/storage/entities/event.entity";
import { PreferencesStore } from "../../src/storage/preferences-store";
import { RoutingRuleStore } from "../../src/storage/routing-rule-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { Channel } from "../../src/vocabulary/channel";
import { migratedDatabase } from "../support/database";
import { webhookFixture } from "../support/fixtures";

describe("event intake: which events the personal fan-out must look at", () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let preferences: PreferencesStore;
  const box = new SecretBox("intake test key, thirty-two characters or more");
  beforeEach(async () => {
    database = await migratedDatabase();
    preferences = new PreferencesStore(database.db, box);
  });
  afterEach(() => database.close());

  const intake = (personal: boolean) =>
    createEventIntake({
      db: database.db,
      settings: new SettingsStore(database.db, box),
      rules: new RoutingRuleStore(database.db, box),
      personalSubscriptions: personal ? preferences : null,
      onStored: () => undefined,
    });
  const accept = async (personal: boolean, name: string, body = webhookFixture(name)) => {
    const event = parseWebhookPayload(name, null, body);
    const { eventId } = await intake(personal).accept(event, Buffer.from(JSON.stringify(body)));
    return (await database.db.manager.findOneByOrFail(EventEntity, { id: eventId })).fanoutStatus;
  };

  it("skips events nobody subscribed to, and takes those someone did", async () => {
    await preferences.setNotification(7, NotificationEvent.SCAN_ADDED, [Channel.SLACK]);
    expect(await accept(true, "product_added")).toBe(FanoutStatus.SKIPPED);
    expect(await accept(true, "scan_added")).toBe(FanoutStatus.PENDING);
  });

  it("skips an event whose only subscriber chose no channel", async () => {
    await preferences.setNotification(7, NotificationEvent.PRODUCT_ADDED, [Channel.MAIL]);
    await preferences.setNotification(7, NotificationEvent.PRODUCT_ADDED, []);
    expect(await accept(true, "product_added")).toBe(FanoutStatus.SKIPPED);
  });

  it("skips every event without DefectDojo's API, subscribed or not", async () => {
    await preferences.setNotification(7, NotificationEvent.SCAN_ADDED, [Channel.SLACK]);
    expect(await accept(false, "scan_added")).toBe(FanoutStatus.SKIPPED);
  });
});

describe("event intake: a large body", () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  beforeEach(async () => {
    database = await migratedDatabase();
  });
  afterEach(() => database.close());

  it("is followed by a full collection before it is stored; smaller ones are not", async () => {
    const box = new SecretBox("intake test key, thirty-two characters or more");
    const collections: number[] = [];
    type Connection = { prepare(sql: string): { get(): unknown } };
    const storedEvents = (database.db.dataSource.driver as unknown as { databaseConnection: Connection }).databaseConnection;
    const intake = createEventIntake({
      db: database.db,
      settings: new SettingsStore(database.db, box),
      rules: new RoutingRuleStore(database.db, box),
      personalSubscriptions: null,
      onStored: () => undefined,
      // How many events are stored when the collection runs, read there and then: not yet the large one.
      beforeLargeBody: () => collections.push((storedEvents.prepare("SELECT count(*) AS n FROM event").get() as { n: number }).n),
    });
    const event = (id: number) => parseWebhookPayload("product_added", null, { ...webhookFixture("product_added"), product: { id, name: `p${id}`, url_ui: null } });

    await intake.accept(event(1), Buffer.alloc(LARGE_BODY_BYTES - 1, 32));
    expect(collections).toEqual([]);
    await intake.accept(event(2), Buffer.alloc(LARGE_BODY_BYTES, 32));
    expect(collections).toEqual([1]);
    expect(await database.db.manager.count(EventEntity)).toBe(2);
  });
});
