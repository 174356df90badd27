import { Channel } from "../../src/vocabulary/channel";
import { closeDueDigests, nextDigestDue, placeRoutes } from "../../src/delivery/digest-windows";
import { storeEvent } from "../../src/delivery/outbox";
import { DojoEvent } from "../../src/events/dojo-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { digestKey } from "../../src/routing/rule-routes";
import { RouteTarget } from "../../src/routing/system-routes";
import { createDataSource } from "../../src/storage/data-source";
import { Database } from "../../src/storage/database";
import { DeliveryEntity } from "../../src/storage/entities/delivery.entity";
import { DigestEntity, DigestItemEntity } from "../../src/storage/entities/digest.entity";
import { EventEntity, FanoutStatus } from "../../src/storage/entities/event.entity";
import { webhookFixture } from "../support/fixtures";
import { migratedDatabase } from "../support/database";
import { BOTH_DATABASES, secondConnection } from "../support/postgres";

const scan = parseWebhookPayload("scan_added", "http://dd", webhookFixture("scan_added"));
const product = parseWebhookPayload("product_added", "http://dd", webhookFixture("product_added"));
const WINDOW_S = 300;
const T0 = 1_000_000;

/** A Slack route that waits in a rule's 5-minute window, optionally narrowed to some findings. */
function heldRoute(dueAt: number, findingIds?: number[], group = "all"): RouteTarget {
  return {
    channel: Channel.SLACK,
    target: "#digest",
    recipientUserId: null,
    ruleName: "batched",
    presentation: findingIds ? { findingIds } : null,
    digest: { key: digestKey("rule:1", "SLACK|#digest", group), ruleId: 1, windowSeconds: WINDOW_S, dueAt, reason: "window", groupLabel: null, groupUrl: null },
  };
}

async function storeWith(db: Database, event: DojoEvent, key: string, at: number, routes: RouteTarget[]): Promise<number> {
  const stored = await storeEvent(db, { event, source: "webhook", idempotencyKeys: [key], receivedAt: at, fanout: FanoutStatus.NONE }, async () => []);
  if (!stored.stored) throw new Error("not stored");
  await db.write((manager) => placeRoutes(manager, stored.eventId, routes, at));
  return stored.eventId;
}

async function digestDeliveries(db: Database) {
  return db.manager.find(DeliveryEntity, { where: { event: { source: "digest" } }, relations: { event: true }, order: { id: "ASC" } });
}

for (const backend of BOTH_DATABASES) backend.describe(`digest windows on ${backend.name}`, () => {
  let database: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => (database = await backend.open()));
  afterEach(() => database.close());

  it("opens a window with the first event, gathers the rest, and sends once when the window is over", async () => {
    const db = database.db;
    await storeWith(db, scan, "a", T0, [heldRoute(T0 + WINDOW_S * 1000, [232])]);
    // A later event joins the open window: its own due time does not move the window's.
    await storeWith(db, product, "b", T0 + 60_000, [heldRoute(T0 + 60_000 + WINDOW_S * 1000)]);
    expect(await db.manager.count(DeliveryEntity)).toBe(0);
    expect(await nextDigestDue(db)).toBe(T0 + WINDOW_S * 1000);

    expect((await closeDueDigests(db, T0 + WINDOW_S * 1000 - 1)).closed).toBe(0);
    expect((await closeDueDigests(db, T0 + WINDOW_S * 1000)).closed).toBe(1);

    const [delivery] = await digestDeliveries(db);
    expect(delivery).toMatchObject({ channel: Channel.SLACK, target: "#digest", status: "PENDING" });
    const digest = delivery.event!.data.digest!;
    expect(digest.entries.map((entry) => entry.name)).toEqual(["scan_added", "product_added"]);
    // The rule let only the Critical finding of the scan through.
    expect(digest.entries[0].findings.map((finding) => finding.id)).toEqual([232]);
    expect(delivery.event!.data.title).toBe("2 notifications");
    expect(await db.manager.count(DigestEntity)).toBe(0);
    expect(await db.manager.count(DigestItemEntity)).toBe(0);
    // The next event after the window opens a new one.
    await storeWith(db, product, "c", T0 + WINDOW_S * 1000 + 1, [heldRoute(T0 + 2 * WINDOW_S * 1000 + 1)]);
    expect(await db.manager.count(DigestEntity)).toBe(1);
    expect((await closeDueDigests(db, T0 + 2 * WINDOW_S * 1000 + 1)).closed).toBe(1);
    expect(await digestDeliveries(db)).toHaveLength(2);
  });

  it("leaves out findings DefectDojo marked as duplicates by the time the window closes, or sends unchecked when it cannot say", async () => {
    await storeWith(database.db, scan, "a", T0, [heldRoute(T0 + 1000)]);
    const asked: number[][] = [];
    const closing = await closeDueDigests(database.db, T0 + 1000, async (ids) => (asked.push(ids), new Set([232])));
    expect(closing).toEqual({ closed: 1, uncheckedDuplicates: false });
    expect(asked).toEqual([[232, 234]]);
    const [checked] = await digestDeliveries(database.db);
    expect(checked.event!.data.digest!.entries[0].findings.map((finding) => finding.id)).toEqual([234]);

    await storeWith(database.db, scan, "b", T0 + 2000, [heldRoute(T0 + 3000)]);
    const unreachable = await closeDueDigests(database.db, T0 + 3000, async () => {
      throw new Error("DefectDojo down");
    });
    expect(unreachable).toEqual({ closed: 1, uncheckedDuplicates: true });
    const [, unchecked] = await digestDeliveries(database.db);
    expect(unchecked.event!.data.digest!.entries[0].findings.map((finding) => finding.id)).toEqual([232, 234]);
  });

  it("keeps groups apart", async () => {
    await storeWith(database.db, product, "a", T0, [heldRoute(T0 + 1000, undefined, "product:1")]);
    await storeWith(database.db, product, "b", T0, [heldRoute(T0 + 1000, undefined, "product:2")]);
    expect((await closeDueDigests(database.db, T0 + 1000)).closed).toBe(2);
    const entries = (await digestDeliveries(database.db)).map((delivery) => delivery.event!.data.digest!.entries.length);
    expect(entries).toEqual([1, 1]);
  });

  it("sends at once what has no digest plan, in the same transaction as the held ones", async () => {
    const atOnce: RouteTarget = { channel: Channel.MAIL, target: "a@example.com", recipientUserId: null };
    await storeWith(database.db, product, "a", T0, [atOnce, heldRoute(T0 + 1000)]);
    expect(await database.db.manager.count(DeliveryEntity)).toBe(1);
    expect(await database.db.manager.count(DigestItemEntity)).toBe(1);
  });
});

describe("digest windows across a restart", () => {
  it("survive closing and reopening the SQLite file mid-window", async () => {
    const first = await migratedDatabase();
    await storeWith(first.db, scan, "a", T0, [heldRoute(T0 + WINDOW_S * 1000)]);
    const path = first.path;
    await first.db.dataSource.destroy();

    const reopened = createDataSource(path);
    await reopened.initialize();
    const db = new Database(reopened);
    try {
      await storeWith(db, product, "b", T0 + 1000, [heldRoute(T0 + 1000 + WINDOW_S * 1000)]);
      expect(await nextDigestDue(db)).toBe(T0 + WINDOW_S * 1000);
      expect((await closeDueDigests(db, T0 + WINDOW_S * 1000)).closed).toBe(1);
      const [delivery] = await digestDeliveries(db);
      expect(delivery.event!.data.digest!.entries).toHaveLength(2);
    } finally {
      await reopened.destroy();
      await first.close().catch(() => undefined);
    }
  });
});

// Two replicas: one closes windows while the other keeps adding events to them. Every event must
// end up in exactly one digest.
BOTH_DATABASES[1].describe("digest windows with two PostgreSQL replicas", () => {
  it("loses no event that joins a window while another replica closes it", async () => {
    const database = await BOTH_DATABASES[1].open();
    const other = await secondConnection(database.url);
    try {
      let at = T0;
      const stored: number[] = [];
      for (let i = 0; i < 60; i++) {
        at += 10;
        // Each window is due 20 ms after it opens, and every join races a close on the other pool.
        const [eventId] = await Promise.all([
          storeWith(database.db, product, `e${i}`, at, [heldRoute(at + 20)]),
          closeDueDigests(other.db, at),
        ]);
        stored.push(eventId);
      }
      await closeDueDigests(other.db, Number.MAX_SAFE_INTEGER);
      const entries = (await digestDeliveries(database.db)).flatMap((delivery) => delivery.event!.data.digest!.entries);
      expect(entries.map((entry) => entry.eventId).sort((a, b) => a - b)).toEqual(stored);
      expect(await database.db.manager.count(EventEntity, { where: { source: "digest" } })).toBeGreaterThan(1);
    } finally {
      await other.close();
      await database.close();
    }
  });
});
