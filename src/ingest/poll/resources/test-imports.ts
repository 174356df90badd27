import { FindingRef, ScanFindings } from "../../../events/dojo-event";
import { epochOf, FindingRow, findingRow, TestImportRow, testImportRow } from "../api-rows";
import { PollContext } from "../context";
import { findingRef, scanAdded } from "../dojo-events";
import { advancedCursor, describeIdCursor, IdCursor, initialIdCursor, isNewRow, newestRows, PollResource } from "../resource";
import { claimFindings } from "./findings";

/** DefectDojo's import history actions (`dojo/test/models.py`). */
const CREATED = "N";
const CLOSED = "C";
const REACTIVATED = "R";
const UNTOUCHED = "U";

/** Finding ids per `findings/?id=` request: DefectDojo takes a comma list; this keeps URLs short. */
const IDS_PER_REQUEST = 100;
const SEVERITY_ORDER = ["Critical", "High", "Medium", "Low", "Info"];

export interface ImportCursor extends IdCursor {
  /** An import met without its history rows: DefectDojo writes those just after; it is read again next run. */
  unsettledId?: number;
}

/**
 * Imports and re-imports, from DefectDojo's import history (`test_imports/`, newest first by id):
 * each becomes one `scan_added` (or `scan_added_empty`) listing the findings it created,
 * reactivated and closed, like the webhook DefectDojo sends after an import. Records carry every
 * action of the import, so pages are small.
 */
export const testImports: PollResource<ImportCursor> = {
  name: "test_imports",
  initial: (ctx, since) => initialIdCursor(ctx, since, "test_imports/", "-id", testImportRow),
  async poll(ctx, cursor) {
    const added = await newestRows(ctx, "test_imports/", { o: "-id" }, testImportRow, (row) => isNewRow(cursor, row), {
      pages: { first: 1, next: 10 },
    });
    const settled: TestImportRow[] = [];
    let unsettledId: number | undefined;
    for (const record of added) {
      if (record.test_import_finding_action_set.length === 0 && record.id !== cursor.unsettledId) {
        unsettledId = record.id;
        break;
      }
      settled.push(record);
    }

    const rows = await findingsById(ctx, settled.flatMap((record) => changedFindingIds(record)));
    const events = [];
    for (const record of settled) {
      const chain = await ctx.objects.chain(record.test);
      // 3.x (the relabeled one) counts without duplicates, 2.x with them.
      events.push({ event: scanAdded(chain, scanFindings(record, rows, ctx), !ctx.links.relabeled), occurredAt: epochOf(record.created) });
    }
    const created = settled.flatMap((record) => idsWith(record, CREATED));
    return {
      events,
      state: { ...advancedCursor(cursor, settled), ...(unsettledId !== undefined ? { unsettledId } : {}) },
      alongside: (manager) => claimFindings(manager, created),
    };
  },
  describe: describeIdCursor,
};

function idsWith(record: TestImportRow, action: string): number[] {
  return record.test_import_finding_action_set.filter((entry) => entry.action === action).map((entry) => entry.finding);
}

function changedFindingIds(record: TestImportRow): number[] {
  return [...idsWith(record, CREATED), ...idsWith(record, REACTIVATED), ...idsWith(record, CLOSED)];
}

async function findingsById(ctx: PollContext, ids: number[]): Promise<Map<number, FindingRow>> {
  const unique = [...new Set(ids)];
  const found = new Map<number, FindingRow>();
  for (let start = 0; start < unique.length; start += IDS_PER_REQUEST) {
    const chunk = unique.slice(start, start + IDS_PER_REQUEST);
    for (const row of await ctx.client.list("findings/", { id: chunk.join(",") }, findingRow)) found.set(row.id, row);
  }
  return found;
}

/**
 * The import's findings as DefectDojo 3.1+ lists them: duplicates apart, each list most severe
 * first. A finding deleted since the import is left out.
 */
function scanFindings(record: TestImportRow, rows: Map<number, FindingRow>, ctx: PollContext): ScanFindings {
  const split = (action: string) => {
    const listed: FindingRow[] = [];
    const duplicateIds: number[] = [];
    for (const id of idsWith(record, action)) {
      const row = rows.get(id);
      if (!row) continue;
      if (row.duplicate && action !== CLOSED) duplicateIds.push(id);
      else listed.push(row);
    }
    return { refs: bySeverity(listed.map((row) => findingRef(row, ctx.links))), duplicateIds };
  };
  const created = split(CREATED);
  const reactivated = split(REACTIVATED);
  return {
    new: created.refs,
    reactivated: reactivated.refs,
    mitigated: split(CLOSED).refs,
    untouchedCount: idsWith(record, UNTOUCHED).length,
    duplicateCount: created.duplicateIds.length + reactivated.duplicateIds.length,
    newDuplicateIds: created.duplicateIds,
    reactivatedDuplicateIds: reactivated.duplicateIds,
  };
}

function bySeverity(refs: FindingRef[]): FindingRef[] {
  const rank = (severity: string) => {
    const index = SEVERITY_ORDER.indexOf(severity);
    return index === -1 ? SEVERITY_ORDER.length : index;
  };
  return refs.sort((a, b) => rank(a.severity) - rank(b.severity) || a.id - b.id);
}
