import { EntityManager, In } from "typeorm";
import { DojoEvent } from "../events/dojo-event";
import { RouteTarget } from "../routing/system-routes";
import { Database } from "../storage/database";
import { DeliveryEntity, DeliveryStatus } from "../storage/entities/delivery.entity";
import { EventEntity, EventSource, FanoutStatus } from "../storage/entities/event.entity";

/** Rows per INSERT: 13 columns × 500 rows stays far below SQLite's 32,766 bound parameters. */
const INSERT_BATCH_ROWS = 500;

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
  const existing = await manager.findOne(EventEntity, {
    where: { idempotencyKey: In(input.idempotencyKeys) },
    select: { id: true },
  });
  if (existing) return { stored: false, eventId: existing.id };

  const saved = await manager.save(
    manager.create(EventEntity, {
      idempotencyKey: input.idempotencyKeys[0],
      name: input.event.name,
      title: input.event.title,
      source: input.source,
      data: input.event,
      receivedAt: input.receivedAt,
      fanoutStatus: input.fanout,
      fanoutAttempts: 0,
      fanoutNextAt: input.receivedAt,
      fanoutError: null,
    }),
  );
  const targets = await route();
  await insertDeliveries(manager, saved.id, targets, input.receivedAt, input.firstAttemptAt ?? input.receivedAt);
  return { stored: true, eventId: saved.id, deliveries: targets.length };
}

export async function insertDeliveries(
  manager: EntityManager,
  eventId: number,
  targets: RouteTarget[],
  now: number,
  firstAttemptAt: number,
) {
  const rows = targets.map((route) => ({
    eventId,
    channel: route.channel,
    target: route.target,
    recipientUserId: route.recipientUserId,
    status: DeliveryStatus.PENDING,
    attempts: 0,
    lastError: null,
    nextAttemptAt: firstAttemptAt,
    leaseExpiresAt: null,
    createdAt: now,
    updatedAt: now,
    sentAt: null,
  }));
  // In slices, within SQLite's bound-parameter limit; without reading generated values back, which
  // TypeORM would do with one OR term per row (and SQLite refuses past ~1,000 of them).
  for (let start = 0; start < rows.length; start += INSERT_BATCH_ROWS) {
    await manager
      .createQueryBuilder()
      .insert()
      .into(DeliveryEntity)
      .values(rows.slice(start, start + INSERT_BATCH_ROWS))
      .updateEntity(false)
      .execute();
  }
}

/**
 * Leases up to `limit` due rows (PENDING or RETRYING, next attempt reached, no live lease) and
 * returns them with their events. One UPDATE … RETURNING statement, so two claims never overlap.
 */
export async function claimDue(db: Database, limit: number, now: number, leaseMs: number): Promise<DeliveryEntity[]> {
  if (limit <= 0) return [];
  const ids = await db.write(async (manager) => {
    const rows: Array<{ id: number }> = await manager.query(
      `UPDATE delivery SET lease_expires_at = ?
        WHERE id IN (
          SELECT id FROM delivery
           WHERE status IN ('${DeliveryStatus.PENDING}', '${DeliveryStatus.RETRYING}')
             AND next_attempt_at <= ?
             AND (lease_expires_at IS NULL OR lease_expires_at < ?)
           ORDER BY next_attempt_at, id
           LIMIT ?)
        RETURNING id`,
      [now + leaseMs, now, now, limit],
    );
    return rows.map((row) => row.id);
  });
  return loadWithEvents(db, ids);
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

function loadWithEvents(db: Database, ids: number[]): Promise<DeliveryEntity[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.manager.find(DeliveryEntity, { where: { id: In(ids) }, relations: { event: true }, order: { id: "ASC" } });
}

/** Records the outcome of one attempt and frees the lease. */
export function recordAttempt(
  db: Database,
  id: number,
  outcome: { status: DeliveryStatus; attempts: number; lastError: string | null; nextAttemptAt: number; now: number },
): Promise<void> {
  return db.write(async (manager) => {
    await manager.update(DeliveryEntity, id, {
      status: outcome.status,
      attempts: outcome.attempts,
      lastError: outcome.lastError,
      nextAttemptAt: outcome.nextAttemptAt,
      leaseExpiresAt: null,
      updatedAt: outcome.now,
      sentAt: outcome.status === DeliveryStatus.SENT ? outcome.now : null,
    });
  });
}

/** Moves a leased row's next attempt without counting an attempt (a target is rate-limited). */
export function postpone(db: Database, id: number, until: number): Promise<void> {
  return db.write(async (manager) => {
    await manager.update(DeliveryEntity, id, { nextAttemptAt: until, leaseExpiresAt: null });
  });
}

/** Frees every lease: at start-up of the single process that owns a SQLite database, none is live. */
export function releaseAllLeases(db: Database): Promise<void> {
  return db.write(async (manager) => {
    await manager.query("UPDATE delivery SET lease_expires_at = NULL WHERE lease_expires_at IS NOT NULL");
  });
}
