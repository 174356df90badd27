import { Channel } from "../../src/vocabulary/channel";
import { RouteTarget } from "../../src/routing/system-routes";
import { attemptRecorder, claimById, claimDue, releaseAllLeases, storeEvent, storeEventsIn } from "../../src/delivery/outbox";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { EventEntity, FanoutStatus } from "../../src/storage/entities/event.entity";
import { webhookFixture } from "../support/fixtures";
import { BOTH_DATABASES, secondConnection } from "../support/postgres";

const event = parseWebhookPayload("product_added", "http://dd", webhookFixture("product_added"));
const targets = [
  { channel: Channel.SLACK, target: "#a", recipientUserId: null },
  { channel: Channel.MAIL, target: "x@example.com", recipientUserId: null },
];

for (const backend of BOTH_DATABASES) backend.describe(`outbox on ${backend.name}`, () => {
  let database: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => (database = await backend.open()));
  afterEach(() => database.close());

  const store = (keys: string[], at = 1000, route: () => Promise<RouteTarget[]> = async () => targets) =>
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

  it("reads an event once for all its rows in a claim, and shares the events the claimer already holds", async () => {
    await store(["a"], 1000);
    const [slack, mail] = await claimDue(database.db, 10, 1000, 30_000);
    // One parsed copy of the event's data, however many rows it has (a re-import's data runs to tens of MB).
    expect(slack.event).toBe(mail.event);
    expect(slack.event).toMatchObject({ id: slack.eventId, name: "product_added", data: { title: "notif prod" } });

    await releaseAllLeases(database.db);
    const held = new Map([[slack.eventId, slack.event!]]);
    const again = await claimDue(database.db, 10, 1001, 30_000, undefined, held);
    expect(again.map((row) => row.event)).toEqual([slack.event, slack.event]);
    expect(again[0].event).toBe(slack.event);
  });

  it("stores a batch of events in order, with duplicates of stored events and of earlier ones in the batch, in a few statements", async () => {
    const stored = await store(["old"]);
    const item = (keys: string[], title: string) => ({
      input: { event: { ...event, title }, source: "webhook" as const, idempotencyKeys: keys, receivedAt: 2000, fanout: FanoutStatus.NONE },
      route: async () => targets,
    });
    const batch = [
      item(["a", "first's other"], "first"),
      item(["new", "old"], "seen before, by its older key"),
      item(["b", "a"], "the first again, by its older key"),
      // Only the key an event is stored under makes a later one its duplicate, as in the database.
      item(["c", "first's other"], "new"),
      ...Array.from({ length: 46 }, (_, i) => item([`many-${i}`], `many ${i}`)),
    ];
    let statements = 0;
    const results = await database.db.write((manager) => {
      // Counts what reaches the database; every statement of the store goes through `query`.
      const counting = Object.create(manager) as typeof manager;
      counting.query = (...args: Parameters<typeof manager.query>) => {
        statements += 1;
        return manager.query(...args);
      };
      return storeEventsIn(counting, batch);
    });

    expect(results[0]).toMatchObject({ stored: true, deliveries: 2 });
    expect(results[1]).toEqual({ stored: false, eventId: stored.eventId });
    expect(results[2]).toEqual({ stored: false, eventId: results[0].eventId });
    const storedIds = results.filter((result) => result.stored).map((result) => result.eventId);
    expect(storedIds).toHaveLength(48);
    // Ids in arrival order: the fan-out and the outbox take the oldest first.
    expect([...storedIds].sort((x, y) => x - y)).toEqual(storedIds);
    const titles = await database.db.manager.find(EventEntity, { order: { id: "ASC" }, select: { title: true } });
    expect(titles.map((row) => row.title)).toEqual(["notif prod", "first", "new", ...Array.from({ length: 46 }, (_, i) => `many ${i}`)]);
    expect(await database.db.manager.count(DeliveryEntity)).toBe(2 + 48 * 2);
    // Keys looked up, events inserted, deliveries inserted: not three statements per event.
    expect(statements).toBe(3);
  });

  it("keeps a held event for its rows when the send holding it ends during the claim", async () => {
    const first = await store(["a"], 1000);
    await store(["b"], 1000);
    const [slack] = await claimDue(database.db, 1, 1000, 30_000);
    await releaseAllLeases(database.db);
    // The claimer's own map: a send of event "a" ends (and lets it go) right after the claim looked
    // it up, while the claim still reads event "b". Its rows once came back with no event and FAILED.
    class ReleasedOnceSeen extends Map<number, EventEntity> {
      override get(id: number) {
        const event = super.get(id);
        this.delete(id);
        return event;
      }
      override has(id: number) {
        const held = super.has(id);
        this.delete(id);
        return held;
      }
    }
    const held = new ReleasedOnceSeen([[first.eventId, slack.event!]]);
    const rows = await claimDue(database.db, 10, 1001, 30_000, undefined, held);
    expect(rows).toHaveLength(4);
    expect(rows.filter((row) => row.eventId === first.eventId).map((row) => row.event)).toEqual([slack.event, slack.event]);
    expect(rows.every((row) => row.event?.id === row.eventId)).toBe(true);
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

  it("stores thousands of rows for one event in one transaction", async () => {
    const many = Array.from({ length: 2500 }, (_, i) => ({ channel: Channel.MAIL, target: `u${i}@example.com`, recipientUserId: i }));
    expect(await store(["big"], 1, async () => many)).toMatchObject({ stored: true, deliveries: 2500 });
    expect(await database.db.manager.count(DeliveryEntity)).toBe(2500);
  });

  it("frees every lease at start-up", async () => {
    await store(["a"], 1000);
    await claimDue(database.db, 10, 1000, 30_000);
    await releaseAllLeases(database.db);
    expect(await claimDue(database.db, 10, 1001, 30_000)).toHaveLength(2);
  });
});

BOTH_DATABASES[1].describe("outbox shared by replicas on PostgreSQL", () => {
  let database: Awaited<ReturnType<(typeof BOTH_DATABASES)[1]["open"]>>;
  let other: Awaited<ReturnType<typeof secondConnection>>;
  beforeEach(async () => {
    database = await BOTH_DATABASES[1].open();
    other = await secondConnection(database.url);
  });
  afterEach(async () => {
    await other.close();
    await database.close();
  });

  it("never hands one row to two replicas claiming at the same time", async () => {
    const many = Array.from({ length: 600 }, (_, i) => ({ channel: Channel.MAIL, target: `u${i % 50}@example.com`, recipientUserId: i }));
    await storeEvent(database.db, { event, source: "webhook", idempotencyKeys: ["e"], receivedAt: 1, fanout: FanoutStatus.NONE }, async () => many);
    const claimedBy = [[], []] as number[][];
    // Two replicas (two pools), each with claims running back to back, until the outbox is empty.
    const replica = async (db: typeof database.db, into: number[]) => {
      for (;;) {
        const rows = await claimDue(db, 7, 2, 30_000, { max: 3, inFlight: new Map() });
        if (rows.length === 0) return;
        into.push(...rows.map((row) => row.id));
      }
    };
    await Promise.all([replica(database.db, claimedBy[0]), replica(other.db, claimedBy[1]), replica(other.db, claimedBy[1])]);
    const all = [...claimedBy[0], ...claimedBy[1]];
    expect(new Set(all).size).toBe(600);
    expect(all).toHaveLength(600);
    // Both took part: the claims ran side by side, not one after the other.
    expect(claimedBy[0].length).toBeGreaterThan(0);
    expect(claimedBy[1].length).toBeGreaterThan(0);
  });

  it("stores an event that two replicas receive at the same moment once, and answers the other as a duplicate", async () => {
    const results = await Promise.all(
      [database.db, other.db, database.db, other.db].map((db) =>
        storeEvent(db, { event, source: "webhook", idempotencyKeys: ["same"], receivedAt: 1, fanout: FanoutStatus.NONE }, async () => targets),
      ),
    );
    expect(results.filter((result) => result.stored)).toHaveLength(1);
    expect(new Set(results.map((result) => result.eventId)).size).toBe(1);
    expect(await database.db.manager.count(DeliveryEntity)).toBe(2);
  });
});
