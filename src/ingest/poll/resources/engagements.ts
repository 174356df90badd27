import { EngagementRow, engagementRow, epochOf } from "../api-rows";
import { engagementAdded, engagementClosed, engagementReopened } from "../dojo-events";
import { advancedCursor, IdCursor, isNewRow, newestRow, newestRows, PollResource } from "../resource";

/** DefectDojo raises engagement_closed when an existing engagement's status becomes one of these. */
const CLOSED_STATUSES = new Set(["Completed", "Cancelled"]);
/** Statuses not remembered: an engagement the memory does not name has one of these. */
const UNREMEMBERED_STATUSES = new Set(["In Progress", "Not Started"]);

export interface EngagementCursor extends IdCursor {
  /** `updated` of the newest change seen (epoch ms). */
  updatedAt: number;
  /**
   * The last seen status of every engagement whose status is neither "In Progress" nor "Not
   * Started", as id ranges per status (`{ Completed: "3-40,52" }`; "" for a null status, which the
   * model allows): what a change is compared with.
   */
  statuses: Record<string, string>;
}

/** A cursor written before statuses were remembered (it kept only some closed ids). */
type StoredEngagementCursor = Omit<EngagementCursor, "statuses"> & { statuses?: Record<string, string> };

const updated = (row: EngagementRow) => row.updated;

/**
 * New engagements, closures and reopenings, from one walk newest first by `updated` (a new
 * engagement's `updated` is its creation). As DefectDojo's pre_save signal does
 * (dojo/engagement/signals.py), a change of an existing engagement's status to Completed or
 * Cancelled is `engagement_closed`, and one to In Progress from anything but Not Started is
 * `engagement_reopened`; a save that leaves the status alone (every re-import saves its
 * engagement) is nothing. Rows updated in the same instant as the cursor are read again, harmlessly.
 */
export const engagements: PollResource<StoredEngagementCursor> = {
  name: "engagements",
  async initial(ctx, since) {
    // What is already closed (or held, blocked, …) at first start is remembered, not announced.
    const all = await ctx.client.list("engagements/", {}, engagementRow);
    const statuses = statusesOf(all);
    if (since !== null) return { lastId: 0, since, updatedAt: since, statuses };
    const newestUpdated = await newestRow(ctx, "engagements/", "-updated", engagementRow, updated);
    return { ...advancedCursor({ lastId: 0 }, all), updatedAt: epochOf(newestUpdated?.updated) || ctx.now, statuses };
  },
  async poll(ctx, cursor) {
    const changed = await newestRows(
      ctx,
      "engagements/",
      { o: "-updated" },
      engagementRow,
      (row) => epochOf(row.updated) >= cursor.updatedAt,
      { sortKey: updated },
    );
    // A cursor from before statuses were remembered learns them now, without announcing.
    const memory = StatusMemory.from(cursor.statuses ?? statusesOf(await ctx.client.list("engagements/", {}, engagementRow)));
    const events = [];
    for (const engagement of changed) {
      const status = engagement.status ?? null;
      if (isNewRow(cursor, engagement)) {
        events.push({
          event: engagementAdded(await ctx.objects.engagementChain(engagement.id)),
          occurredAt: epochOf(engagement.created) || ctx.now,
        });
      } else {
        const before = memory.statusOf(engagement.id);
        const at = epochOf(engagement.updated) || ctx.now;
        if (status !== null && CLOSED_STATUSES.has(status) && status !== before) {
          events.push({ event: engagementClosed(engagement, ctx.links), occurredAt: at });
        } else if (status === "In Progress" && before !== undefined) {
          // `before` is remembered, so it was neither In Progress nor Not Started.
          events.push({ event: engagementReopened(engagement, ctx.links), occurredAt: at });
        }
      }
      memory.set(engagement.id, status);
    }
    return {
      events,
      state: {
        ...advancedCursor(cursor, changed),
        updatedAt: changed.reduce((latest, row) => Math.max(latest, epochOf(row.updated)), cursor.updatedAt),
        statuses: memory.toJSON(),
      },
    };
  },
  describe: (cursor) => `updated ${new Date(cursor.updatedAt).toISOString()}, id ${cursor.lastId}`,
};

/** The statuses worth remembering of every engagement (read in full: a first start, or an old cursor). */
function statusesOf(rows: EngagementRow[]): Record<string, string> {
  const memory = new StatusMemory(new Map());
  for (const row of rows) memory.set(row.id, row.status ?? null);
  return memory.toJSON();
}

/** Engagement id → last seen status, for the statuses that are remembered. */
export class StatusMemory {
  constructor(private readonly byId: Map<number, string>) {}

  static from(stored: Record<string, string>): StatusMemory {
    const byId = new Map<number, string>();
    for (const [status, ranges] of Object.entries(stored)) for (const id of idsOf(ranges)) byId.set(id, status);
    return new StatusMemory(byId);
  }

  /** undefined: In Progress, Not Started, or never seen otherwise; null: a null status. */
  statusOf(id: number): string | null | undefined {
    const status = this.byId.get(id);
    return status === "" ? null : status;
  }

  set(id: number, status: string | null): void {
    if (status !== null && UNREMEMBERED_STATUSES.has(status)) this.byId.delete(id);
    else this.byId.set(id, status ?? "");
  }

  toJSON(): Record<string, string> {
    const byStatus = new Map<string, number[]>();
    for (const [id, status] of this.byId) {
      const ids = byStatus.get(status);
      if (ids) ids.push(id);
      else byStatus.set(status, [id]);
    }
    return Object.fromEntries([...byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([status, ids]) => [status, rangesOf(ids)]));
  }
}

/** Ids as ranges, `1-5,7,9-12`: engagements are mostly closed in runs, so this stays short. */
export function rangesOf(ids: number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function idsOf(ranges: string): number[] {
  const ids: number[] = [];
  for (const part of ranges.split(",").filter(Boolean)) {
    const [first, last = first] = part.split("-").map(Number);
    for (let id = first; id <= last; id++) ids.push(id);
  }
  return ids;
}
