import { EntityManager } from "typeorm";
import { CONTENT_DEDUP_WINDOW_MS, dedupedForever } from "../events/idempotency";
import { DojoEvent } from "../events/dojo-event";
import { Logger } from "../logging/logger";
import { Metrics } from "../metrics/metrics";
import { Database } from "./database";
import { DeliveryStatus } from "./entities/delivery.entity";
import { FanoutStatus } from "./entities/event.entity";
import { isPostgres, placeholders, sql } from "./sql";

export const DAY_MS = 24 * 60 * 60 * 1000;
/** How often the bridge prunes; the first run waits this long after the start, off its busy path. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
export const RETENTION_FIRST_RUN_MS = 60 * 1000;
/** Rows per transaction: each batch holds the writer (SQLite's one writing connection) only briefly. */
export const RETENTION_BATCH_ROWS = 500;

// Windowed idempotency keys match a re-arrival within two windows; the shortest retention is far longer.
if (DAY_MS <= 3 * CONTENT_DEDUP_WINDOW_MS) throw new Error("a day of retention must outlast the content dedup window");

/** Deliveries that will never be sent again (SKIPPED: a personal one its recipient may no longer see). */
export const TERMINAL_DELIVERY_STATUSES: readonly string[] = [DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED];

type Row = Record<string, unknown> & { id: unknown };

/** One table that retention prunes: rows dated before the cutoff go, when `alsoIf` holds too. */
export interface PrunedTable {
  table: string;
  /** The epoch-ms column that dates a row. */
  datedBy: string;
  /** A further condition, on the table's own columns (qualify them with the table's name in subqueries). */
  alsoIf?: string;
  /** Columns `beforeDelete` needs, besides `id`. */
  columns?: string[];
  /** Runs in the transaction that deletes `rows`: what must outlive them is kept there. */
  beforeDelete?: (manager: EntityManager, rows: Row[]) => Promise<void>;
}

const quoted = (values: readonly string[]) => values.map((value) => `'${value.replace(/'/g, "''")}'`).join(", ");

/**
 * What retention prunes, in this order: finished deliveries first, then the events they leave without
 * any delivery. Every condition is checked again in the deleting transaction.
 */
export const PRUNED_TABLES: PrunedTable[] = [
  { table: "delivery", datedBy: "updated_at", alsoIf: `status IN (${quoted(TERMINAL_DELIVERY_STATUSES)})` },
  {
    table: "event",
    datedBy: "received_at",
    // Nothing left to do for it: its fan-out is done, and no delivery or open digest refers to it.
    alsoIf: `fanout_status <> '${FanoutStatus.PENDING}' AND rules_pending = false
      AND NOT EXISTS (SELECT 1 FROM delivery WHERE delivery.event_id = event.id)
      AND NOT EXISTS (SELECT 1 FROM digest_item WHERE digest_item.event_id = event.id)`,
    columns: ["idempotency_key", "data", "received_at"],
    beforeDelete: keepForeverKeys,
  },
  // Requests the webhook receiver kept aside (answered 2xx, not stored as events): dated by arrival.
  { table: "kept_aside_request", datedBy: "received_at" },
];

/**
 * An event that comes once per object (finding_added, product_added, an SLA notice, …) stays a
 * duplicate for ever: DefectDojo, or the poller, may bring the same happening again any time. Its key
 * moves to `pruned_event_key`, which the intake reads beside `event`. Other keys match only within
 * the content dedup window (hours), long past at the retention cutoff (days): they go with the event.
 */
async function keepForeverKeys(manager: EntityManager, rows: Row[]): Promise<void> {
  const kept = rows.filter((row) => {
    try {
      const data = typeof row.data === "string" ? JSON.parse(row.data) : row.data;
      return dedupedForever(data as DojoEvent);
    } catch {
      return true; // unreadable: keep the key rather than risk notifying twice
    }
  });
  if (kept.length === 0) return;
  await sql(
    manager,
    `INSERT INTO pruned_event_key (idempotency_key, event_id, received_at) VALUES ${kept.map(() => "(?, ?, ?)").join(", ")}
     ON CONFLICT (idempotency_key) DO NOTHING`,
    kept.flatMap((row) => [row.idempotency_key, row.id, row.received_at]),
  );
}

export interface PruneOptions {
  retentionDays: number;
  /** The clock; the cutoff is `now() - retentionDays`. */
  now?: () => number;
  batchRows?: number;
  tables?: PrunedTable[];
  metrics?: Metrics;
  /** Checked between batches: a shutdown does not wait for a long backlog. */
  shouldStop?: () => boolean;
}

/**
 * Deletes what is older than the retention, table by table, in batches of at most `batchRows` rows,
 * each its own transaction. Candidates are read outside the writer; the deleting transaction reads
 * them again with every condition (on PostgreSQL locking them, skipping rows another replica holds),
 * so replicas may prune at once and a row that changed meanwhile (a delivery requeued) stays.
 * Returns the rows pruned per table.
 */
export async function pruneExpired(db: Database, options: PruneOptions): Promise<Record<string, number>> {
  const now = options.now ?? Date.now;
  const batchRows = options.batchRows ?? RETENTION_BATCH_ROWS;
  const cutoff = now() - options.retentionDays * DAY_MS;
  const pruned: Record<string, number> = {};
  for (const spec of options.tables ?? PRUNED_TABLES) {
    if (options.shouldStop?.()) break;
    pruned[spec.table] = 0;
    const where = `${spec.datedBy} < ?${spec.alsoIf ? ` AND (${spec.alsoIf})` : ""}`;
    for (;;) {
      const candidates: Row[] = await sql(db.manager, `SELECT id FROM ${spec.table} WHERE ${where} ORDER BY id LIMIT ?`, [cutoff, batchRows]);
      if (candidates.length === 0) break;
      const deleted = await db.write(async (manager) => {
        const ids = candidates.map((row) => row.id);
        const rows: Row[] = await sql(
          manager,
          `SELECT ${["id", ...(spec.columns ?? [])].join(", ")} FROM ${spec.table}
           WHERE id IN (${placeholders(ids)}) AND ${where}${isPostgres(manager) ? " FOR UPDATE SKIP LOCKED" : ""}`,
          [...ids, cutoff],
        );
        if (rows.length === 0) return 0;
        await spec.beforeDelete?.(manager, rows);
        await sql(manager, `DELETE FROM ${spec.table} WHERE id IN (${placeholders(rows)})`, rows.map((row) => row.id));
        return rows.length;
      });
      pruned[spec.table] += deleted;
      if (deleted > 0) options.metrics?.rowsPruned(spec.table, deleted);
      // A batch that deleted nothing (all changed, or held by another replica) ends this table's run.
      if (deleted === 0 || candidates.length < batchRows || options.shouldStop?.()) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return pruned;
}

export interface RetentionJob {
  /** Stops the schedule; a run in progress ends after its current batch. */
  stop(): Promise<void>;
}

export interface RetentionJobOptions {
  db: Database;
  retentionDays: number;
  logger: Logger;
  metrics?: Metrics;
  intervalMs?: number;
  firstRunMs?: number;
  now?: () => number;
}

/** Prunes on a timer, off the request path: a while after the start, then every interval. */
export function startRetention(options: RetentionJobOptions): RetentionJob {
  const { db, logger } = options;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      running = run().finally(() => {
        if (!stopped) schedule(options.intervalMs ?? RETENTION_INTERVAL_MS);
      });
    }, delayMs);
    timer.unref();
  };
  const run = async () => {
    try {
      const pruned = await pruneExpired(db, {
        retentionDays: options.retentionDays,
        now: options.now,
        metrics: options.metrics,
        shouldStop: () => stopped,
      });
      if (Object.values(pruned).some((count) => count > 0)) {
        logger.info({ pruned, retentionDays: options.retentionDays }, "pruned rows older than the retention");
      }
    } catch (error) {
      logger.warn({ err: error }, "pruning old rows failed; the next run tries again");
    }
  };

  schedule(options.firstRunMs ?? RETENTION_FIRST_RUN_MS);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
