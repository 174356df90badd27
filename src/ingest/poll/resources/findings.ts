import { EntityManager } from "typeorm";
import { PollCursorEntity } from "../../../storage/entities/poll-cursor.entity";
import { FindingRow, findingRow } from "../api-rows";
import { findingAdded } from "../dojo-events";
import { advancedCursor, describeIdCursor, IdCursor, initialIdCursor, isNewRow, newestRows, PollResource } from "../resource";

/**
 * How long a new finding waits for an import to claim it. DefectDojo writes an import's history
 * (`test_imports`) only after all its findings, and not in one transaction with them, so a finding
 * seen mid-import looks like one added by hand until then. An import slower than this makes its
 * findings (of the notified severities) also arrive one by one: extra news, nothing lost.
 */
export const IMPORT_SETTLE_MS = 5 * 60 * 1000;

type PendingFinding = Pick<FindingRow, "id" | "title" | "severity" | "test" | "reporter"> & { seenAt: number };

export interface FindingCursor extends IdCursor {
  /** New findings of a notified severity, waiting to see whether an import created them. */
  pending: PendingFinding[];
  /** Findings an import created that the walk has not reached yet. */
  claimed: number[];
}

export const FINDINGS = "findings";

/**
 * New findings outside imports become `finding_added` (DefectDojo's own event for a finding added
 * by hand or through the API), for the severities of POLL_FINDING_SEVERITIES. Findings that an
 * import created are reported by its `scan_added`, grouped, not one by one. DefectDojo has no
 * `id__gt` filter for findings, so the walk runs `o=-id` down to the highest id seen.
 */
export const findings: PollResource<FindingCursor> = {
  name: FINDINGS,
  async initial(ctx, since) {
    return { ...(await initialIdCursor(ctx, since, "findings/", "-id", findingRow)), pending: [], claimed: [] };
  },
  async poll(ctx, cursor) {
    const added = await newestRows(ctx, "findings/", { o: "-id" }, findingRow, (row) => isNewRow(cursor, row));
    const claimed = new Set(cursor.claimed);
    const pending = [...cursor.pending];
    for (const finding of added) {
      if (claimed.delete(finding.id) || !ctx.findingSeverities.has(finding.severity)) continue;
      const { id, title, severity, test, reporter } = finding;
      pending.push({ id, title, severity, test, reporter, seenAt: ctx.now });
    }
    const next = advancedCursor(cursor, added);

    const events = [];
    const waiting: PendingFinding[] = [];
    for (const finding of pending) {
      if (ctx.now - finding.seenAt < IMPORT_SETTLE_MS) {
        waiting.push(finding);
        continue;
      }
      const reporter = finding.reporter ? await ctx.objects.user(finding.reporter).catch(() => null) : null;
      events.push({ event: findingAdded(finding, reporter, ctx.links), occurredAt: finding.seenAt });
    }
    return {
      events,
      state: { ...next, pending: waiting, claimed: [...claimed].filter((id) => id > next.lastId) },
    };
  },
  describe: (cursor) => `${describeIdCursor(cursor)}${cursor.pending.length ? `, ${cursor.pending.length} awaiting their import` : ""}`,
};

/** An import's new findings: no `finding_added` for them, whether the walk has met them yet or not. */
export async function claimFindings(manager: EntityManager, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const row = await manager.findOne(PollCursorEntity, { where: { resource: FINDINGS } });
  if (!row) return;
  const cursor = row.state as FindingCursor;
  const claimedIds = new Set(ids);
  const unseen = ids.filter((id) => id > cursor.lastId);
  row.state = {
    ...cursor,
    pending: cursor.pending.filter((finding) => !claimedIds.has(finding.id)),
    claimed: [...new Set([...cursor.claimed, ...unseen])],
  } satisfies FindingCursor;
  await manager.save(row);
}
