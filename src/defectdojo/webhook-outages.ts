import { Database } from "../storage/database";
import { WebhookOutageEntity } from "../storage/entities/webhook-outage.entity";

/**
 * Kinds of DefectDojo notification no poll can infer from its API: what DefectDojo skipped of these
 * while its webhook was off is lost for good, so the bridge says when that was.
 */
export const UNPOLLABLE_KINDS: readonly string[] = [
  "jira_update",
  "code_review",
  "other",
  "upcoming_engagement",
  "stale_engagement",
  "review_requested",
  "user_mentioned",
];

/** A window in which DefectDojo skipped its webhook to the bridge. */
export interface SkippedWindow {
  /** DefectDojo's `first_error` of the endpoint. */
  from: Date;
  /** When the bridge healed the endpoint or saw it active again; null while DefectDojo still skips it. */
  to: Date | null;
  /** Ended by the bridge re-creating the endpoint. */
  healed: boolean;
  /** The sentence for people: when, and which kinds may be missing. */
  message: string;
}

export interface WebhookOutageState {
  /** When the bridge last re-created its endpoint; null: never. */
  lastHealedAt: Date | null;
  /** The latest window, open or closed; null: none recorded. */
  skippedWindow: SkippedWindow | null;
  /** The latest windows, newest first (a short history). */
  skippedWindows: SkippedWindow[];
}

/** How many windows the history shows. */
export const OUTAGE_HISTORY = 5;

export function skippedWindowMessage(from: number, to: number | null): string {
  const until = to === null ? "now (still off)" : new Date(to).toISOString();
  return (
    `DefectDojo skipped its webhook from ${new Date(from).toISOString()} to ${until}; events of these kinds may be missing: ` +
    `${UNPOLLABLE_KINDS.join(", ")} (the poller recovers the others)`
  );
}

export function toSkippedWindow(row: WebhookOutageEntity): SkippedWindow {
  return {
    from: new Date(row.startedAt),
    to: row.endedAt === null ? null : new Date(row.endedAt),
    healed: row.healed,
    message: skippedWindowMessage(row.startedAt, row.endedAt),
  };
}

/** The recorded windows and the last heal, as the defectDojoConnection query shows them. */
export async function readWebhookOutages(db: Database): Promise<WebhookOutageState> {
  const rows = await db.manager.find(WebhookOutageEntity, { order: { startedAt: "DESC" }, take: OUTAGE_HISTORY });
  const lastHealed = await db.manager.findOne(WebhookOutageEntity, { where: { healed: true }, order: { endedAt: "DESC" } });
  return {
    lastHealedAt: lastHealed?.endedAt ? new Date(lastHealed.endedAt) : null,
    skippedWindow: rows.length > 0 ? toSkippedWindow(rows[0]) : null,
    skippedWindows: rows.map(toSkippedWindow),
  };
}
