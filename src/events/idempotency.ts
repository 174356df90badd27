import { createHash } from "node:crypto";
import { DojoEvent } from "./dojo-event";

/**
 * How long two arrivals of a repeatable happening (a scan import, an engagement closure, or
 * identical text) count as the same event. A replay, or the same thing seen once by webhook and
 * once by the poller, is caught; tomorrow's identical "0 findings changed" re-import is a new event.
 */
export const CONTENT_DEDUP_WINDOW_MS = 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `once`: for ever. Otherwise two arrivals are one event when their buckets are at most one apart:
 * buckets of the content window by default, or the given `bucket` (an SLA notice's deadline day).
 */
type ObjectKey = { key: string; once: boolean; bucket?: number };

// Events about an object that happen once per object (and kind) are deduplicated for ever.
const CREATE_EVENTS: Record<string, (event: DojoEvent) => number | undefined> = {
  product_type_added: (e) => e.productType?.id,
  product_added: (e) => e.product?.id,
  engagement_added: (e) => e.engagement?.id,
  test_added: (e) => e.test?.id,
  finding_added: (e) => (e.subject?.kind === "finding" ? e.subject.id : undefined),
};

/**
 * The keys under which an event may already have been stored: the first is the one to store it
 * under now, the rest are earlier (or, for the poller's older timestamps, later) ones that make it
 * a duplicate.
 *
 * Keys name the DefectDojo object and what happened to it, never the way the event arrived, so a
 * webhook and a poll of the same happening collide in either order. They leave out the instance:
 * one bridge serves the one DefectDojo of DOJO_URL, whose SITE_URL (the webhook's instance header)
 * the poller cannot know. Only events keyed by their content keep the instance apart.
 *
 * @param content the raw webhook body, hashed for events without an object key
 * @param atMs when it happened: received time for webhooks, DefectDojo's own timestamp for polls
 */
export function idempotencyKeys(event: DojoEvent, content: Buffer | string, atMs: number): string[] {
  const object = objectKey(event, atMs);
  if (object?.once) return [object.key];
  const base = object?.key ?? `${event.instance ?? ""}|${createHash("sha256").update(event.name).update("\0").update(content).digest("hex")}`;
  const bucket = object?.bucket ?? Math.floor(atMs / CONTENT_DEDUP_WINDOW_MS);
  return [`${base}|${bucket}`, `${base}|${bucket - 1}`, `${base}|${bucket + 1}`];
}

/**
 * Whether the event's key stays a duplicate for ever (a happening that comes once per object), so
 * pruning its event must keep the key; the other keys match only within CONTENT_DEDUP_WINDOW_MS.
 */
export function dedupedForever(event: DojoEvent): boolean {
  return objectKey(event, 0)?.once === true;
}

function objectKey(event: DojoEvent, atMs: number): ObjectKey | null {
  // Own keys only: an event named `constructor` must not find Object's constructor here.
  const createdId = Object.hasOwn(CREATE_EVENTS, event.name) ? CREATE_EVENTS[event.name](event) : undefined;
  if (createdId !== undefined) return { key: `${event.name}|${createdId}`, once: true };

  switch (event.name) {
    case "scan_added":
    case "scan_added_empty":
      return event.test && event.findings ? { key: `scan|${event.test.id}|${scanDigest(event.findings)}`, once: false } : null;
    case "engagement_closed":
    case "engagement_reopened":
      return event.subject?.kind === "engagement" ? { key: `${event.name}|${event.subject.id}`, once: false } : null;
    case "sla_breach": {
      // DefectDojo sends a notice a day while it holds, each with its day count: the count is part
      // of the key, and the deadline (the day it arrived plus the count) tells a later SLA period
      // of the same finding apart. A webhook and a poll of one notice land a day apart at most.
      const findingId = event.subject?.kind === "finding" ? event.subject.id : Number(/^Finding (\d+) - /.exec(event.title)?.[1]);
      const notice = slaNotice(event.title);
      if (!Number.isSafeInteger(findingId) || !notice) return null;
      return { key: `sla_breach|${findingId}|${notice.kind}|${Math.abs(notice.days)}`, once: false, bucket: Math.floor(atMs / DAY_MS) + notice.days };
    }
    case "sla_breach_combined":
      // Its title names the kind, the product type and the product; the day's one is what repeats.
      return { key: `sla_breach_combined|${event.title}`, once: false };
    case "risk_acceptance_expiration": {
      const kind = / has expired /.test(event.title) ? "expired" : / will expire /.test(event.title) ? "expiring" : null;
      return event.subject?.kind === "risk_acceptance" && kind
        ? { key: `risk_acceptance_expiration|${event.subject.id}|${kind}`, once: true }
        : null;
    }
    default:
      return null;
  }
}

/** DefectDojo's three SLA notices, told apart by the titles its SLA job writes. */
export type SlaBreachKind = "breached" | "breaching" | "prebreach";

export function slaBreachKind(title: string): SlaBreachKind | null {
  return slaNotice(title)?.kind ?? null;
}

/**
 * The kind and day count of an SLA notice from the title DefectDojo's SLA job writes
 * (dojo/notifications/helper.py `_notification_title_for_finding`): days to the deadline,
 * negative once it is past.
 */
export function slaNotice(title: string): { kind: SlaBreachKind; days: number } | null {
  const breached = / - SLA breached by (\d+) days?! /.exec(title);
  if (breached) return { kind: "breached", days: -Number(breached[1]) };
  if (/ - SLA is breaching today/.test(title)) return { kind: "breaching", days: 0 };
  const prebreach = / - SLA pre-breach warning - (-?\d+) day\(s\) left/.exec(title);
  if (prebreach) return { kind: "prebreach", days: Number(prebreach[1]) };
  return null;
}

/**
 * What an import changed, as a digest of finding ids: a webhook lists them (3.1+ splits off the
 * duplicates), the poller reads them from the import's history; both see the same sets.
 */
function scanDigest(findings: NonNullable<DojoEvent["findings"]>): string {
  const ids = (refs: Array<{ id: number }>, more: number[] = []) =>
    [...refs.map((ref) => ref.id), ...more].sort((a, b) => a - b).join(",");
  return createHash("sha256")
    .update(`${ids(findings.new, findings.newDuplicateIds)};${ids(findings.reactivated, findings.reactivatedDuplicateIds)};${ids(findings.mitigated)}`)
    .digest("hex")
    .slice(0, 32);
}
