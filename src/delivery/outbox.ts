import { EntityManager } from "typeorm";
import { DojoEvent } from "../events/dojo-event";
import { RouteTarget } from "../routing/system-routes";
import { Database } from "../storage/database";
import { groupCommit } from "../storage/group-commit";
import { plainFind } from "../storage/plain-find";
import { isPostgres, placeholders, sql } from "../storage/sql";
import { DeliveryEntity, DeliveryStatus } from "../storage/entities/delivery.entity";
import { EventEntity, EventSource, FanoutStatus } from "../storage/entities/event.entity";

export type StoreResult = { stored: true; eventId: number; deliveries: number } | { stored: false; eventId: number };

/**
 * Stores an event and its outbox rows in one transaction, unless one of `idempotencyKeys` is
 * already taken (then nothing is written). `route` runs inside the transaction, so the rows match
 * the settings at the moment the event was accepted.
 */
export interface EventToStore {
  event: DojoEvent;
  source: EventSource;
  idempotencyKeys: string[];
  receivedAt: number;
  /** When the worker may first pick the rows up; later than now keeps them for `claimById`. */
  firstAttemptAt?: number;
  /** Whether personal notifications are still to be resolved for this event. */
  fanout: FanoutStatus;
  /** Routing rules are applied later, by the fan-out worker (`route` then gives no rows). */
  rulesPending?: boolean;
}

/**
 * Stores an event and its outbox rows in one transaction, unless one of `idempotencyKeys` is
 * already taken (then nothing is written). `route` runs inside the transaction, so the rows match
 * the settings at the moment the event was accepted.
 */
export function storeEvent(db: Database, input: EventToStore, route: () => Promise<RouteTarget[]>): Promise<StoreResult> {
  return db.write((manager) => storeEventIn(manager, input, route));
}

/** `storeEvent` inside a transaction the caller holds, for events that must commit with other writes. */
export async function storeEventIn(
  manager: EntityManager,
  input: EventToStore,
  route: () => Promise<RouteTarget[]>,
): Promise<StoreResult> {
  const [result] = await storeEventsIn(manager, [{ input, route }]);
  return result;
}

/** Events whose keys one statement looks up, and rows one INSERT takes: far below SQLite's 32,766 bound parameters. */
const STATEMENT_BATCH_ROWS = 500;

/**
 * Several events in the transaction the caller holds, each stored as `storeEventIn` stores it, in
 * order: a later event sharing a key with an earlier one is its duplicate. A handful of statements
 * in all, not three per event: on PostgreSQL each statement is a round trip, and a burst's batch
 * waited on them one after another.
 */
export async function storeEventsIn(
  manager: EntityManager,
  items: Array<{ input: EventToStore; route: () => Promise<RouteTarget[]> }>,
): Promise<StoreResult[]> {
  const results: StoreResult[] = new Array(items.length);
  const stored = await storedEventsWithKeys(manager, items.flatMap(({ input }) => input.idempotencyKeys));
  const storedId = (keys: string[]) => keys.map((key) => stored.get(key)).find((id) => id !== undefined);
  /** Index of the event in this batch stored under each key (its first, as in the database). */
  const takenBy = new Map<string, number>();
  const duplicatesInBatch: Array<[index: number, of: number]> = [];
  const fresh: number[] = [];
  items.forEach(({ input }, index) => {
    const keys = input.idempotencyKeys;
    const existing = storedId(keys);
    if (existing !== undefined) return void (results[index] = { stored: false, eventId: existing });
    const earlier = keys.map((key) => takenBy.get(key)).find((taker) => taker !== undefined);
    if (earlier !== undefined) return void duplicatesInBatch.push([index, earlier]);
    takenBy.set(keys[0], index);
    fresh.push(index);
  });

  // Plain statements on the ingest path: TypeORM's query building cost more than the writes themselves.
  // DO NOTHING: another replica may store the same event between the read above and this insert.
  const inserted = new Map<string, number>();
  for (const slice of chunks(fresh, STATEMENT_BATCH_ROWS)) {
    const saved: Array<{ id: number | string; idempotency_key: string }> = await sql(
      manager,
      `INSERT INTO event (idempotency_key, name, title, source, data, received_at, fanout_status, fanout_attempts, fanout_next_at, rules_pending)
       VALUES ${slice.map(() => "(?, ?, ?, ?, ?, ?, ?, 0, ?, ?)").join(", ")}
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key`,
      slice.flatMap((index) => {
        const { input } = items[index];
        return [
          input.idempotencyKeys[0],
          input.event.name,
          input.event.title,
          input.source,
          JSON.stringify(input.event),
          input.receivedAt,
          input.fanout,
          input.receivedAt,
          input.rulesPending ? 1 : 0,
        ];
      }),
    );
    for (const row of saved) inserted.set(row.idempotency_key, Number(row.id));
  }
  const lostRace = fresh.filter((index) => !inserted.has(items[index].input.idempotencyKeys[0]));
  if (lostRace.length > 0) {
    for (const [key, id] of await storedEventsWithKeys(manager, lostRace.flatMap((index) => items[index].input.idempotencyKeys))) stored.set(key, id);
  }

  const deliveries: DeliveryToInsert[] = [];
  for (const index of fresh) {
    const { input, route } = items[index];
    const eventId = inserted.get(input.idempotencyKeys[0]);
    if (eventId === undefined) {
      results[index] = { stored: false, eventId: storedId(input.idempotencyKeys)! };
      continue;
    }
    const targets = await route();
    for (const target of targets) deliveries.push({ eventId, target, now: input.receivedAt, firstAttemptAt: input.firstAttemptAt ?? input.receivedAt });
    results[index] = { stored: true, eventId, deliveries: targets.length };
  }
  await insertDeliveryRows(manager, deliveries);
  for (const [index, of] of duplicatesInBatch) results[index] = { stored: false, eventId: results[of].eventId };
  return results;
}

/**
 * The stored events with these keys, by key, including pruned ones whose keys were kept
 * (src/storage/retention.ts).
 */
async function storedEventsWithKeys(manager: EntityManager, keys: string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const slice of chunks([...new Set(keys)], STATEMENT_BATCH_ROWS)) {
    // One statement: it sees the event or its kept key, never neither, while retention moves a key.
    const inList = placeholders(slice);
    const rows: Array<{ idempotency_key: string; id: number | string }> = await sql(
      manager,
      `SELECT idempotency_key, id FROM event WHERE idempotency_key IN (${inList})
       UNION ALL SELECT idempotency_key, event_id AS id FROM pruned_event_key WHERE idempotency_key IN (${inList})`,
      [...slice, ...slice],
    );
    for (const row of rows) found.set(row.idempotency_key, Number(row.id));
  }
  return found;
}

function chunks<T>(items: T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}

export function insertDeliveries(manager: EntityManager, eventId: number, targets: RouteTarget[], now: number, firstAttemptAt: number) {
  return insertDeliveryRows(
    manager,
    targets.map((target) => ({ eventId, target, now, firstAttemptAt })),
  );
}

interface DeliveryToInsert {
  eventId: number;
  target: RouteTarget;
  now: number;
  firstAttemptAt: number;
}

async function insertDeliveryRows(manager: EntityManager, rows: DeliveryToInsert[]) {
  const columns = 12;
  for (const slice of chunks(rows, STATEMENT_BATCH_ROWS)) {
    await sql(
      manager,
      `INSERT INTO delivery (event_id, channel, target, recipient_user_id, status, attempts, next_attempt_at, lease_expires_at,
                             created_at, updated_at, presentation, target_secret)
       VALUES ${slice.map(() => `(${Array(columns).fill("?").join(", ")})`).join(", ")}`,
      slice.flatMap(({ eventId, target, now, firstAttemptAt }) => [
        eventId,
        target.channel,
        target.target,
        target.recipientUserId,
        DeliveryStatus.PENDING,
        0,
        firstAttemptAt,
        null,
        now,
        now,
        target.presentation ? JSON.stringify(target.presentation) : null,
        target.targetSecret ?? null,
      ]),
    );
  }
}

/**
 * Leases up to `limit` due rows (PENDING or RETRYING, next attempt reached, no live lease), oldest
 * first, and returns them with their events. With `perTarget`, no target gets more than
 * `perTarget.max` rows in flight. Reads and the one UPDATE share a transaction (on SQLite writes run
 * one at a time; on PostgreSQL the rows read are locked, and other claims skip them), so two claims
 * never take the same row.
 */
export async function claimDue(
  db: Database,
  limit: number,
  now: number,
  leaseMs: number,
  perTarget: TargetBound = { max: Infinity, inFlight: new Map() },
  /** Events the caller already holds (its rows in flight), by id: shared instead of read again. */
  heldEvents?: ReadonlyMap<number, EventEntity>,
): Promise<DeliveryEntity[]> {
  if (limit <= 0) return [];
  // A lease lost to a power cut costs nothing: a restart frees every lease anyway.
  const ids = await db.write((manager) => leaseWithinTargetBound(manager, limit, now, leaseMs, perTarget), {
    durable: false,
  });
  return loadWithEvents(db, ids, heldEvents);
}

/** Where a row goes (channel and target): the unit of the in-flight bound and of a 429 pause. */
export function targetKey(row: { channel: string; target: string }): string {
  return `${row.channel}|${row.target}`;
}

export interface TargetBound {
  /** Rows one target may have in flight at once. */
  max: number;
  /** Rows in flight now, by `targetKey`. */
  inFlight: ReadonlyMap<string, number>;
  /** Rows one personal target (a user's own address or webhook) may have in flight: it may be slow on purpose. */
  maxPersonal?: number;
  /** Which keys of `inFlight` are personal targets. */
  personal?: ReadonlySet<string>;
}

/**
 * How many of the oldest due rows a claim looks through once some targets are full. Skipping their
 * rows costs a read each, so this bounds a claim when they have a long backlog; rows of other
 * targets behind it then wait their turn, as they would without the bound.
 */
const CLAIM_SCAN_ROWS = 256;

/**
 * `claimDue` taking no target past `max` rows in flight. While no target is full this is the plain
 * oldest-first read; otherwise full targets are left out in SQL, and a target that fills up during
 * a read is left out of the next one, so a claim makes few reads.
 */
async function leaseWithinTargetBound(
  manager: EntityManager,
  limit: number,
  now: number,
  leaseMs: number,
  { max, inFlight, maxPersonal = max, personal: personalInFlight }: TargetBound,
): Promise<number[]> {
  const held = new Map(inFlight);
  const personal = new Set(personalInFlight);
  const bound = (key: string) => (personal.has(key) ? Math.min(max, maxPersonal) : max);
  const picked: number[] = [];
  // On PostgreSQL, rows another replica is claiming right now are skipped, not waited for or taken.
  const due = (take: string) => `SELECT id, channel, target, recipient_user_id, next_attempt_at FROM delivery
    WHERE status IN ('${DeliveryStatus.PENDING}', '${DeliveryStatus.RETRYING}')
      AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)
    ORDER BY next_attempt_at, id LIMIT ${take}${isPostgres(manager) ? " FOR UPDATE SKIP LOCKED" : ""}`;
  for (;;) {
    const want = limit - picked.length;
    const full = [...held].filter(([key, count]) => count >= bound(key)).map(([key]) => key);
    const rows: Array<{ id: number; channel: string; target: string; recipient_user_id: number | null }> =
      full.length === 0
        ? await sql(manager, due("?"), [now, now, want])
        : await sql(
            manager,
            `SELECT id, channel, target, recipient_user_id FROM (${due(String(CLAIM_SCAN_ROWS))}) AS due
              WHERE (channel || '|' || target) NOT IN (${placeholders(full)})
                ${picked.length > 0 ? `AND id NOT IN (${placeholders(picked)})` : ""}
              ORDER BY next_attempt_at, id LIMIT ?`,
            [now, now, ...full, ...picked, want],
          );
    let metFullTarget = false;
    for (const row of rows) {
      const key = targetKey(row);
      if (row.recipient_user_id !== null) personal.add(key);
      const count = held.get(key) ?? 0;
      if (count >= bound(key)) {
        metFullTarget = true;
        continue;
      }
      held.set(key, count + 1);
      picked.push(row.id);
    }
    if (!metFullTarget || rows.length < want || picked.length === limit) break;
  }
  if (picked.length === 0) return [];
  // Same transaction as the reads (one writer on SQLite, rows locked on PostgreSQL): nobody leased these meanwhile.
  await sql(manager, `UPDATE delivery SET lease_expires_at = ? WHERE id IN (${placeholders(picked)})`, [
    now + leaseMs,
    ...picked,
  ]);
  return picked;
}

/** Leases one row by id if it is waiting to be sent and nobody holds it (used for test sends). */
export async function claimById(db: Database, id: number, now: number, leaseMs: number): Promise<DeliveryEntity | null> {
  const claimed = await db.write((manager) =>
    manager
      .createQueryBuilder()
      .update(DeliveryEntity)
      .set({ leaseExpiresAt: now + leaseMs })
      .where("id = :id AND status IN (:...open) AND (lease_expires_at IS NULL OR lease_expires_at < :now)", {
        id,
        now,
        open: [DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
      })
      .execute(),
  );
  if (!claimed.affected) return null;
  const [row] = await loadWithEvents(db, [id]);
  return row ?? null;
}

/**
 * The rows with their events, each event read and parsed once however many rows it has: its data
 * can be tens of MB (a re-import's findings), and a join would bring and parse it once per row.
 * Events in `held` (those of rows already in flight) are shared, not read again: an event's
 * name, source and data never change once stored.
 */
async function loadWithEvents(db: Database, ids: number[], held: ReadonlyMap<number, EventEntity> = new Map()): Promise<DeliveryEntity[]> {
  if (ids.length === 0) return [];
  const rows = await plainFind(db.manager, DeliveryEntity, `WHERE id IN (${placeholders(ids)}) ORDER BY id`, ids);
  // Taken from `held` before the read below: a send ending during it lets its event go from there.
  const events = new Map<number, EventEntity | undefined>(rows.map((row) => [row.eventId, held.get(row.eventId)]));
  const missing = [...events].filter(([, event]) => !event).map(([id]) => id);
  if (missing.length > 0) {
    for (const event of await plainFind(db.manager, EventEntity, `WHERE id IN (${placeholders(missing)})`, missing)) events.set(event.id, event);
  }
  for (const row of rows) row.event = events.get(row.eventId);
  return rows;
}

/** Records the outcome of one attempt and frees the lease. */
export interface AttemptOutcome {
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number;
  now: number;
}

/**
 * Records attempts' outcomes and frees their leases. Outcomes that finish together share one
 * transaction (group commit): a busy worker would otherwise spend a commit, one fsync, per send,
 * and the webhook receiver's commits would queue behind them.
 */
/**
 * How long an attempt's outcome waits for others to share its commit: sends end one by one, and a
 * synced commit each was much of a delivery's cost. A crash in that time sends those rows again,
 * as a crash during any send would.
 */
const RECORD_GATHER_MS = 5;

export function attemptRecorder(db: Database): (id: number, outcome: AttemptOutcome) => Promise<void> {
  const record = groupCommit<{ id: number; outcome: AttemptOutcome }, void>(db, async (manager, batch) => {
    for (const { id, outcome } of batch) {
      await sql(
        manager,
        `UPDATE delivery SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?, lease_expires_at = NULL,
                updated_at = ?, sent_at = ? WHERE id = ?`,
        [
          outcome.status,
          outcome.attempts,
          outcome.lastError,
          outcome.nextAttemptAt,
          outcome.now,
          outcome.status === DeliveryStatus.SENT ? outcome.now : null,
          id,
        ],
      );
    }
    return batch.map(() => undefined);
  }, { gatherMs: RECORD_GATHER_MS });
  return (id, outcome) => record({ id, outcome });
}

/**
 * Puts a FAILED row back in the outbox for a fresh round of attempts (an administrator fixed what
 * was wrong). False when the row is not FAILED; the worker must be woken by the caller.
 */
export async function requeueFailed(db: Database, id: number, now: number): Promise<boolean> {
  const result = await db.write((manager) =>
    manager.update(
      DeliveryEntity,
      { id, status: DeliveryStatus.FAILED },
      { status: DeliveryStatus.PENDING, attempts: 0, nextAttemptAt: now, leaseExpiresAt: null, updatedAt: now },
    ),
  );
  return (result.affected ?? 0) > 0;
}

/** Moves a leased row's next attempt without counting an attempt (a target is rate-limited or paced). */
export function postpone(db: Database, id: number, until: number): Promise<void> {
  // Not synced: a backlog postpones a row per claim, and a sync each would hold up the sends started
  // beside them. A power cut undoing one leaves the row leased, due again at the restart.
  return db.write(
    async (manager) => {
      await manager.update(DeliveryEntity, id, { nextAttemptAt: until, leaseExpiresAt: null });
    },
    { durable: false },
  );
}

/**
 * Puts a leased row back until `until` without counting an attempt, saying why in `last_error`: its
 * recipient could not be checked again (DefectDojo unreadable). Status, attempts and `updated_at`
 * stay, so the check that finally runs is as strict as the one that could not.
 */
export function holdUnchecked(db: Database, id: number, until: number, reason: string): Promise<void> {
  return db.write(async (manager) => {
    await manager.update(DeliveryEntity, id, { nextAttemptAt: until, leaseExpiresAt: null, lastError: reason });
  });
}

/**
 * Frees every lease: at start-up of the single process that owns a SQLite database, none is live.
 * Never with replicas (their leases are live): a dead replica's rows come back when theirs expire.
 */
export function releaseAllLeases(db: Database): Promise<void> {
  return db.write(async (manager) => {
    await manager.query("UPDATE delivery SET lease_expires_at = NULL WHERE lease_expires_at IS NOT NULL");
  });
}
