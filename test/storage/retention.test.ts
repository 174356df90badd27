import { Channel } from "../../src/vocabulary/channel";
import { createMetrics, Metrics } from "../../src/metrics/metrics";
import { storeEvent } from "../../src/delivery/outbox";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { createEventIntake } from "../../src/ingest/accept-event";
import { Database } from "../../src/storage/database";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { DigestEntity, DigestItemEntity } from "../../src/storage/entities/digest.entity";
import { EventEntity, FanoutStatus } from "../../src/storage/entities/event.entity";
import { KeptAsideReason, KeptAsideRequestEntity } from "../../src/storage/entities/kept-aside-request.entity";
import { DAY_MS, pruneExpired, startRetention } from "../../src/storage/retention";
import { RoutingRuleStore } from "../../src/storage/routing-rule-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { isPostgres, sql } from "../../src/storage/sql";
import { webhookFixture } from "../support/fixtures";
import { BOTH_DATABASES, describePostgres, migratedPostgres, secondConnection } from "../support/postgres";
import { parsePrometheusText } from "../support/prometheus-text";
import { quietLogger } from "../support/quiet-logger";
import { eventually } from "../support/relay-harness";

const RETENTION_DAYS = 90;
/** The clock the tests prune by: day 0 is when the old rows happened, 100 days later is "now". */
const DAY0 = Date.UTC(2026, 0, 1);
const NOW = DAY0 + 100 * DAY_MS;
const OLD = DAY0;
const RECENT = NOW - 10 * DAY_MS;

const productAdded = parseWebhookPayload("product_added", "http://dd", webhookFixture("product_added"));
const slack = (target: string) => ({ channel: Channel.SLACK, target, recipientUserId: null });

async function eventWith(db: Database, key: string, at: number, statuses: string[], fanout = FanoutStatus.NONE) {
  const { eventId } = await storeEvent(db, { event: productAdded, source: "webhook", idempotencyKeys: [key], receivedAt: at, fanout }, async () =>
    statuses.map((_, i) => slack(`#c${i}`)),
  );
  const rows = await db.manager.find(DeliveryEntity, { where: { eventId }, order: { id: "ASC" } });
  // Each delivery as its worker left it, last touched at the event's time.
  for (const [i, row] of rows.entries()) {
    await sql(db.manager, `UPDATE delivery SET status = ?, updated_at = ? WHERE id = ?`, [statuses[i], at, row.id]);
  }
  return eventId;
}

const eventKeys = async (db: Database) => (await db.manager.find(EventEntity, { order: { id: "ASC" } })).map((row) => row.idempotencyKey);
const deliveryStatuses = async (db: Database) =>
  (await db.manager.find(DeliveryEntity, { relations: { event: true }, order: { id: "ASC" } })).map((row) => `${row.event!.idempotencyKey}:${row.status}`);

/** Metrics that also note each pruning batch's size. */
function recordingMetrics(batches: Array<[string, number]>): Metrics {
  const metrics = createMetrics({ defaultMetrics: false });
  return {
    ...metrics,
    rowsPruned(table, count) {
      batches.push([table, count]);
      metrics.rowsPruned(table, count);
    },
  };
}

for (const backend of BOTH_DATABASES) backend.describe(`retention on ${backend.name}`, () => {
  let database: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => (database = await backend.open()));
  afterEach(() => database.close());

  it("prunes old finished deliveries and the events they leave; unfinished, recent and still-needed rows stay", async () => {
    const { db } = database;
    await eventWith(db, "old-finished", OLD, [DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]);
    await eventWith(db, "old-retrying", OLD, [DeliveryStatus.SENT, DeliveryStatus.RETRYING]);
    await eventWith(db, "old-pending", OLD, [DeliveryStatus.PENDING]);
    await eventWith(db, "recent", RECENT, [DeliveryStatus.SENT]);
    await eventWith(db, "old-fanout-pending", OLD, [], FanoutStatus.PENDING);
    const inDigest = await eventWith(db, "old-in-open-digest", OLD, []);
    const digest = await db.manager.save(DigestEntity, {
      openKey: "k", ruleId: null, ruleName: null, channel: Channel.SLACK, target: "#d", targetSecret: null,
      recipientUserId: null, linkOnly: false, reason: "window", groupLabel: null, groupUrl: null,
      windowSeconds: 3600, openedAt: OLD, dueAt: NOW + 1000,
    });
    await db.manager.save(DigestItemEntity, { digestId: digest.id, eventId: inDigest, findingIds: null });
    // Just inside the retention: a day short of the cutoff.
    await eventWith(db, "almost-old", NOW - (RETENTION_DAYS - 1) * DAY_MS, [DeliveryStatus.SENT]);

    const pruned = await pruneExpired(db, { retentionDays: RETENTION_DAYS, now: () => NOW });

    expect(pruned).toEqual({ delivery: 4, event: 1, kept_aside_request: 0 });
    expect(await eventKeys(db)).toEqual(["old-retrying", "old-pending", "recent", "old-fanout-pending", "old-in-open-digest", "almost-old"]);
    expect(await deliveryStatuses(db)).toEqual(["old-retrying:RETRYING", "old-pending:PENDING", "recent:SENT", "almost-old:SENT"]);
    // The same run again finds nothing more.
    expect(await pruneExpired(db, { retentionDays: RETENTION_DAYS, now: () => NOW })).toEqual({ delivery: 0, event: 0, kept_aside_request: 0 });
  });

  it("keeps a once-per-object event's key: DefectDojo re-sending the old notice is still a duplicate after pruning", async () => {
    // DefectDojo 3.2.0 (HEAD) dojo/product/signals.py: product_added is sent when a product is created,
    // once per product. Keyed by the product (src/events/idempotency.ts), a duplicate for ever.
    const { db } = database;
    const secretBox = new SecretBox("retention-test-key, thirty-two characters or more");
    const intake = createEventIntake({
      db,
      settings: new SettingsStore(db, secretBox),
      rules: new RoutingRuleStore(db, secretBox),
      personalSubscriptions: null,
      onStored: () => undefined,
    });
    const body = Buffer.from(JSON.stringify(webhookFixture("product_added")));
    const first = await intake.accept(productAdded, body);
    expect(first.stored).toBe(true);
    // scan_added is keyed by what it changed within an hour's window: a day later the same text is a new import.
    const scan = parseWebhookPayload("scan_added", "http://dd", webhookFixture("scan_added"));
    expect((await intake.accept(scan, Buffer.from(JSON.stringify(webhookFixture("scan_added"))))).stored).toBe(true);

    const later = Date.now() + (RETENTION_DAYS + 1) * DAY_MS;
    expect(await pruneExpired(db, { retentionDays: RETENTION_DAYS, now: () => later })).toEqual({ delivery: 0, event: 2, kept_aside_request: 0 });
    expect(await db.manager.count(EventEntity)).toBe(0);
    const kept: Array<{ idempotency_key: string }> = await sql(db.manager, `SELECT idempotency_key FROM pruned_event_key`);
    expect(kept.map((row) => row.idempotency_key)).toEqual([`product_added|${productAdded.product!.id}`]);

    // The same notice again, as DefectDojo (or the poller) would bring it: a duplicate of the pruned event.
    expect(await intake.accept(productAdded, body)).toEqual({ stored: false, eventId: first.eventId });
    expect(await db.manager.count(EventEntity)).toBe(0);
  });

  it("prunes in batches of at most the batch size", async () => {
    const { db } = database;
    for (let i = 0; i < 7; i += 1) await eventWith(db, `e${i}`, OLD, [DeliveryStatus.SENT]);
    const batches: Array<[string, number]> = [];
    const pruned = await pruneExpired(db, { retentionDays: RETENTION_DAYS, now: () => NOW, batchRows: 3, metrics: recordingMetrics(batches) });
    expect(pruned).toEqual({ delivery: 7, event: 7, kept_aside_request: 0 });
    expect(batches).toEqual([
      ["delivery", 3], ["delivery", 3], ["delivery", 1],
      ["event", 3], ["event", 3], ["event", 1],
    ]);
  });

  it("prunes kept-aside requests by received_at", async () => {
    const { db } = database;
    const keptAside = (body: string, receivedAt: number) =>
      db.manager.insert(KeptAsideRequestEntity, {
        receivedAt,
        reason: KeptAsideReason.INVALID_JSON,
        detail: "the body is not valid JSON",
        eventName: "product_added",
        contentType: "application/json",
        sizeBytes: body.length,
        headers: [],
        body,
        bodyTruncated: false,
      });
    await keptAside("old", OLD);
    await keptAside("recent", RECENT);
    const pruned = await pruneExpired(db, { retentionDays: RETENTION_DAYS, now: () => NOW });
    expect(pruned).toEqual({ delivery: 0, event: 0, kept_aside_request: 1 });
    expect(await sql(db.manager, `SELECT body FROM kept_aside_request`)).toEqual([{ body: "recent" }]);
  });

  it("runs on its own schedule and counts what it pruned in dojo_relay_retention_pruned_rows_total", async () => {
    const { db } = database;
    await eventWith(db, "old", OLD, [DeliveryStatus.SENT, DeliveryStatus.FAILED]);
    const metrics = createMetrics({ defaultMetrics: false });
    const job = startRetention({ db, retentionDays: RETENTION_DAYS, logger: quietLogger(), metrics, now: () => NOW, firstRunMs: 0 });
    try {
      const scrape = await eventually(async () => {
        const parsed = parsePrometheusText(await metrics.registry.metrics());
        return parsed.value("dojo_relay_retention_pruned_rows_total", { table: "event" }) === 1 ? parsed : undefined;
      });
      expect(scrape.value("dojo_relay_retention_pruned_rows_total", { table: "delivery" })).toBe(2);
      expect(await db.manager.count(EventEntity)).toBe(0);
    } finally {
      await job.stop();
    }
  });
});

describePostgres("retention with replicas on PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof migratedPostgres>>;
  let other: Awaited<ReturnType<typeof secondConnection>>;
  beforeEach(async () => {
    database = await migratedPostgres();
    other = await secondConnection(database.url);
  });
  afterEach(async () => {
    await other.close();
    await database.close();
  });

  it("two replicas pruning at once delete each old row once, and leave the rest", async () => {
    expect(isPostgres(database.db.manager)).toBe(true);
    for (let i = 0; i < 40; i += 1) await eventWith(database.db, `old${i}`, OLD, [DeliveryStatus.SENT, DeliveryStatus.FAILED]);
    await eventWith(database.db, "pending", OLD, [DeliveryStatus.PENDING]);
    const options = { retentionDays: RETENTION_DAYS, now: () => NOW, batchRows: 7 };
    const [a, b] = await Promise.all([pruneExpired(database.db, options), pruneExpired(other.db, options)]);
    // A replica stops when the other holds every row of its batch; a later run finishes the rest.
    const rest = await pruneExpired(database.db, options);
    expect(a.delivery + b.delivery + rest.delivery).toBe(80);
    expect(a.event + b.event + rest.event).toBe(40);
    expect(await eventKeys(database.db)).toEqual(["pending"]);
    expect(await deliveryStatuses(database.db)).toEqual(["pending:PENDING"]);
  });
});
