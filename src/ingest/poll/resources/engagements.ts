import { engagementRow, epochOf } from "../api-rows";
import { engagementAdded, engagementClosed } from "../dojo-events";
import { advancedCursor, IdCursor, isNewRow, newestRow, newestRows, PollResource } from "../resource";

/** DefectDojo raises engagement_closed when the status becomes one of these. */
const CLOSED_STATUSES = new Set(["Completed", "Cancelled"]);
/** Closed engagements remembered, so editing one later is not a new closure (oldest forgotten first). */
const REMEMBERED_CLOSURES = 2000;

export interface EngagementCursor extends IdCursor {
  /** `updated` of the newest change seen (epoch ms). */
  updatedAt: number;
  /** Engagements whose closure was notified (and not reopened since). */
  closed: number[];
}

/**
 * New and closed engagements, from one walk newest first by `updated` (a new engagement's
 * `updated` is its creation): new ones have an id above the highest seen, closed ones a closing
 * status not yet notified. Rows updated in the same instant as the cursor are read again, harmlessly.
 */
export const engagements: PollResource<EngagementCursor> = {
  name: "engagements",
  async initial(ctx, since) {
    if (since !== null) return { lastId: 0, since, updatedAt: since, closed: [] };
    const newestCreated = await newestRow(ctx, "engagements/", "-created", engagementRow);
    const newestUpdated = await newestRow(ctx, "engagements/", "-updated", engagementRow);
    return { lastId: newestCreated?.id ?? 0, updatedAt: epochOf(newestUpdated?.updated) || ctx.now, closed: [] };
  },
  async poll(ctx, cursor) {
    const changed = await newestRows(
      ctx,
      "engagements/",
      { o: "-updated" },
      engagementRow,
      (row) => epochOf(row.updated) >= cursor.updatedAt,
    );
    const closed = new Set(cursor.closed);
    const events = [];
    for (const engagement of changed) {
      if (isNewRow(cursor, engagement)) {
        events.push({
          event: engagementAdded(await ctx.objects.engagementChain(engagement.id)),
          occurredAt: epochOf(engagement.created) || ctx.now,
        });
      }
      const isClosed = CLOSED_STATUSES.has(engagement.status ?? "");
      if (isClosed && !closed.has(engagement.id)) {
        closed.add(engagement.id);
        events.push({ event: engagementClosed(engagement, ctx.links), occurredAt: epochOf(engagement.updated) || ctx.now });
      } else if (!isClosed) {
        // Reopened: its next closure is news again.
        closed.delete(engagement.id);
      }
    }
    return {
      events,
      state: {
        ...advancedCursor(cursor, changed),
        updatedAt: changed.reduce((latest, row) => Math.max(latest, epochOf(row.updated)), cursor.updatedAt),
        closed: [...closed].slice(-REMEMBERED_CLOSURES),
      },
    };
  },
  describe: (cursor) => `updated ${new Date(cursor.updatedAt).toISOString()}, id ${cursor.lastId}`,
};
