import { EntityManager } from "typeorm";
import { DigestEntry, DojoEvent, listedFindings, textEvent } from "../events/dojo-event";
import { NotificationEvent } from "../events/notification-event";
import { presentation } from "../routing/presentation";
import { DigestPlan, RouteTarget } from "../routing/system-routes";
import { Database } from "../storage/database";
import { DigestEntity } from "../storage/entities/digest.entity";
import { isPostgres, sql } from "../storage/sql";
import { insertDeliveries } from "./outbox";

/** Digests closed per transaction: a burst of due windows commits in a few steps, none too long. */
const CLOSE_BATCH = 20;

/**
 * Writes an event's routes: messages that go at once become outbox rows, the others join the open
 * digest window of their plan (opening it when none is). In the caller's transaction, so the event
 * is never stored without where it goes. Returns how many outbox rows were written.
 */
export async function placeRoutes(manager: EntityManager, eventId: number, routes: RouteTarget[], now: number): Promise<number> {
  const atOnce = routes.filter((route) => !route.digest);
  await insertDeliveries(manager, eventId, atOnce, now, now);
  for (const route of routes) if (route.digest) await joinDigest(manager, eventId, route, route.digest, now);
  return atOnce.length;
}

async function joinDigest(manager: EntityManager, eventId: number, route: RouteTarget, plan: DigestPlan, now: number): Promise<void> {
  const lock = isPostgres(manager) ? " FOR UPDATE" : "";
  for (;;) {
    // The unique key makes "open one unless one is open" a single statement, on either database.
    await sql(
      manager,
      `INSERT INTO digest (open_key, rule_id, rule_name, channel, target, target_secret, recipient_user_id, link_only, reason,
                           group_label, group_url, window_seconds, opened_at, due_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (open_key) DO NOTHING`,
      [
        plan.key,
        plan.ruleId,
        route.ruleName ?? null,
        route.channel,
        route.target,
        route.targetSecret ?? null,
        route.recipientUserId,
        route.presentation?.linkOnly ? 1 : 0,
        plan.reason,
        plan.groupLabel,
        plan.groupUrl,
        plan.windowSeconds,
        now,
        plan.dueAt,
      ],
    );
    // Locked on PostgreSQL: a replica closing this window waits for the item, or has already
    // deleted the window and the next round opens a new one.
    const [open]: Array<{ id: number }> = await sql(manager, `SELECT id FROM digest WHERE open_key = ?${lock}`, [plan.key]);
    if (!open) continue;
    await sql(manager, "INSERT INTO digest_item (digest_id, event_id, finding_ids) VALUES (?, ?, ?)", [
      open.id,
      eventId,
      route.presentation?.findingIds ? JSON.stringify(route.presentation.findingIds) : null,
    ]);
    return;
  }
}

/** Which of these findings DefectDojo now marks as duplicates; rejects when it cannot be asked. */
export type DuplicateCheck = (findingIds: number[]) => Promise<Set<number>>;

/**
 * Closes every window due by `now`: each becomes one event (source "digest") listing its events,
 * with one outbox row for its target, and the window is deleted, all in one transaction. Returns
 * the number of windows closed.
 *
 * With `duplicates`, findings DefectDojo marked as duplicates since the import (its deduplication
 * can finish after `scan_added` was sent) are left out. Asked before the transaction, so no
 * write waits on DefectDojo; when it cannot answer, the digest goes out unchecked rather than late.
 */
export async function closeDueDigests(db: Database, now: number, duplicates?: DuplicateCheck): Promise<{ closed: number; uncheckedDuplicates: boolean }> {
  let closed = 0;
  let uncheckedDuplicates = false;
  for (;;) {
    let known = new Set<number>();
    if (duplicates) {
      const ids = await listedFindingIdsDue(db, now);
      if (ids.length > 0) known = await duplicates(ids).catch(() => ((uncheckedDuplicates = true), new Set<number>()));
    }
    const batch = await db.write(async (manager) => {
      const skipLocked = isPostgres(manager) ? " FOR UPDATE SKIP LOCKED" : "";
      const due: Array<{ id: number }> = await sql(
        manager,
        `SELECT id FROM digest WHERE due_at <= ? ORDER BY due_at, id LIMIT ${CLOSE_BATCH}${skipLocked}`,
        [now],
      );
      for (const { id } of due) await closeDigest(manager, id, now, known);
      return due.length;
    });
    closed += batch;
    if (batch < CLOSE_BATCH) return { closed, uncheckedDuplicates };
  }
}

/** The listed findings of the events in the next batch of due windows. */
async function listedFindingIdsDue(db: Database, now: number): Promise<number[]> {
  const rows: Array<{ data: string }> = await sql(
    db.manager,
    `SELECT event.data FROM digest_item item JOIN event ON event.id = item.event_id
      WHERE item.digest_id IN (SELECT id FROM digest WHERE due_at <= ? ORDER BY due_at, id LIMIT ${CLOSE_BATCH})`,
    [now],
  );
  const ids = new Set<number>();
  for (const row of rows) for (const finding of listedFindings(JSON.parse(row.data))) ids.add(finding.id);
  return [...ids];
}

/** When the next open window is due, or null when none is open. */
export async function nextDigestDue(db: Database): Promise<number | null> {
  const [row]: Array<{ due: string | number | null }> = await sql(db.manager, "SELECT MIN(due_at) AS due FROM digest");
  return row?.due == null ? null : Number(row.due);
}

async function closeDigest(manager: EntityManager, id: number, now: number, duplicates: ReadonlySet<number>): Promise<void> {
  const digest = await manager.findOneByOrFail(DigestEntity, { id });
  const items: Array<{ event_id: number; finding_ids: string | null; data: string }> = await sql(
    manager,
    `SELECT item.event_id, item.finding_ids, event.data FROM digest_item item JOIN event ON event.id = item.event_id
      WHERE item.digest_id = ? ORDER BY item.id`,
    [id],
  );
  const entries = items.map((item) => digestEntry(item.event_id, JSON.parse(item.data), item.finding_ids, duplicates));
  if (entries.length > 0) {
    const event = digestEvent(digest, entries);
    const [saved]: Array<{ id: number }> = await sql(
      manager,
      `INSERT INTO event (idempotency_key, name, title, source, data, received_at, fanout_status, fanout_attempts, fanout_next_at)
       VALUES (?, ?, ?, 'digest', ?, ?, 'NONE', 0, ?) RETURNING id`,
      [`digest:${digest.id}:${digest.openedAt}`, event.name, event.title, JSON.stringify(event), now, now],
    );
    await insertDeliveries(
      manager,
      saved.id,
      [
        {
          channel: digest.channel,
          target: digest.target,
          recipientUserId: digest.recipientUserId,
          presentation: presentation(null, digest.linkOnly),
          targetSecret: digest.targetSecret,
        },
      ],
      now,
      now,
    );
  }
  await sql(manager, "DELETE FROM digest WHERE id = ?", [id]);
}

function digestEntry(eventId: number, event: DojoEvent, findingIdsJson: string | null, duplicates: ReadonlySet<number>): DigestEntry {
  const allowed = findingIdsJson ? new Set<number>(JSON.parse(findingIdsJson)) : null;
  return {
    eventId,
    name: event.name,
    title: event.title,
    urlUi: event.urlUi,
    findings: listedFindings(event).filter((finding) => (!allowed || allowed.has(finding.id)) && !duplicates.has(finding.id)),
  };
}

/** The event a closed window becomes: what the channels render as one digest message. */
function digestEvent(digest: DigestEntity, entries: DigestEntry[]): DojoEvent {
  return textEvent({
    name: "digest",
    setting: NotificationEvent.OTHER,
    title: digestTitle(entries.length, digest.groupLabel),
    urlUi: digest.groupUrl,
    findingCount: entries.reduce((sum, entry) => sum + entry.findings.length, 0),
    digest: { windowSeconds: digest.windowSeconds, groupLabel: digest.groupLabel, entries, reason: digest.reason },
  });
}

/** A digest's title: how many notifications it holds, and for what. */
export function digestTitle(count: number, groupLabel: string | null): string {
  return `${count} ${count === 1 ? "notification" : "notifications"}${groupLabel ? ` for ${groupLabel}` : ""}`;
}
