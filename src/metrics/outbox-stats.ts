import { Database } from "../storage/database";

export interface OutboxStats {
  /** Rows PENDING or RETRYING. */
  depth: number;
  /** `created_at` (epoch ms) of the oldest of them; null when there are none. */
  oldestCreatedAt: number | null;
}

/**
 * One cheap query over the outbox, for the gauges at scrape time. Plain SQL that runs on SQLite and
 * PostgreSQL alike; the PostgreSQL driver answers COUNT and bigint as strings, hence `Number`.
 */
export async function outboxStats(db: Database): Promise<OutboxStats> {
  const rows: Array<{ depth: number | string; oldest: number | string | null }> = await db.manager.query(
    "SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM delivery WHERE status IN ('PENDING', 'RETRYING')",
  );
  const row = rows[0];
  return {
    depth: Number(row?.depth ?? 0),
    oldestCreatedAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest),
  };
}
