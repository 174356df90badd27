import { Channel } from "../../src/channels/channel-id";
import { attemptRecorder, claimById, claimDue, releaseAllLeases, storeEvent } from "../../src/delivery/outbox";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { EventEntity, FanoutStatus } from "../../src/storage/entities/event.entity";
import { migratedDatabase } from "../support/database";
import { webhookFixture } from "../support/fixtures";

const event = parseWebhookPayload("product_added", "http://dd", webhookFixture("product_added"));
const targets = [
  { channel: Channel.SLACK, target: "#a", recipientUserId: null },
  { channel: Channel.MAIL, target: "x@example.com", recipientUserId: null },
];

describe("outbox", () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  beforeEach(async () => (database = await migratedDatabase()));
  afterEach(() => database.close());

  const store = (keys: string[], at = 1000, route = async () => targets) =>
    storeEvent(database.db, { event, source: "webhook", idempotencyKeys: keys, receivedAt: at, fanout: FanoutStatus.NONE }, route);

  it("stores the event and one row per target together, or nothing when routing fails", async () => {
    await expect(store(["a"])).resolves.toMatchObject({ stored: true, deliveries: 2 });
    await expect(
      store(["b"], 1000, async () => {
        throw new Error("settings unreadable");
      }),
    ).rejects.toThrow("settings unreadable");
    expect(await database.db.manager.count(EventEntity)).toBe(1);
    expect(await database.db.manager.count(DeliveryEntity)).toBe(2);
  });

  it("matches any of the given keys as a duplicate", async () => {
    const first = await store(["now", "before"]);
    expect(await store(["later", "now"])).toEqual({ stored: false, eventId: first.eventId });
  });

  it("hands each due row to one claimer until its lease expires", async () => {
    await store(["a"], 1000);
    const first = await claimDue(database.db, 10, 1000, 30_000);
    expect(first.map((row) => row.target)).toEqual(["#a", "x@example.com"]);
    expect(first[0].event?.data.title).toBe("notif prod");
    expect(await claimDue(database.db, 10, 2000, 30_000)).toEqual([]);
    expect(await claimById(database.db, first[0].id, 2000, 30_000)).toBeNull();
    // A crashed worker's lease runs out and the rows come back.
    expect(await claimDue(database.db, 10, 31_001, 30_000)).toHaveLength(2);
  });

  it("leaves rows whose next attempt is in the future, and finished rows, alone", async () => {
    await store(["a"], 1000);
    const [slack, mail] = await claimDue(database.db, 10, 1000, 30_000);
    const recordAttempt = attemptRecorder(database.db);
    // Submitted together: one transaction records both.
    await Promise.all([
      recordAttempt(slack.id, { status: DeliveryStatus.SENT, attempts: 1, lastError: null, nextAttemptAt: 1000, now: 1000 }),
      recordAttempt(mail.id, { status: DeliveryStatus.RETRYING, attempts: 1, lastError: "x", nextAttemptAt: 5000, now: 1000 }),
    ]);
    expect(await claimDue(database.db, 10, 4999, 30_000)).toEqual([]);
    expect((await claimDue(database.db, 10, 5000, 30_000)).map((row) => row.id)).toEqual([mail.id]);
  });

  it("frees every lease at start-up", async () => {
    await store(["a"], 1000);
    await claimDue(database.db, 10, 1000, 30_000);
    await releaseAllLeases(database.db);
    expect(await claimDue(database.db, 10, 1001, 30_000)).toHaveLength(2);
  });
});

describe("outbox with a large fan-out", () => {
  it("stores thousands of rows for one event in one transaction", async () => {
    const database = await migratedDatabase();
    try {
      const many = Array.from({ length: 2500 }, (_, i) => ({ channel: Channel.MAIL, target: `u${i}@example.com`, recipientUserId: i }));
      const result = await storeEvent(
        database.db,
        { event, source: "webhook", idempotencyKeys: ["big"], receivedAt: 1, fanout: FanoutStatus.NONE },
        async () => many,
      );
      expect(result).toMatchObject({ stored: true, deliveries: 2500 });
      expect(await database.db.manager.count(DeliveryEntity)).toBe(2500);
    } finally {
      await database.close();
    }
  });
});
