import { NotificationEvent } from "./notification-event";

/** A DefectDojo object named in an event (product type, product, engagement or test). */
export interface ObjectRef {
  id: number;
  name: string;
  urlUi: string | null;
}

/** A finding as DefectDojo lists it in `scan_added` and `review_requested` payloads. */
export interface FindingRef {
  id: number;
  title: string;
  /** DefectDojo's wording: Critical, High, Medium, Low or Info. */
  severity: string;
  urlUi: string | null;
}

/** What one import or re-import changed (`scan_added` / `scan_added_empty`). */
export interface ScanFindings {
  new: FindingRef[];
  reactivated: FindingRef[];
  mitigated: FindingRef[];
  /** Untouched and duplicate findings are counted, not kept: a re-import lists every one of them. */
  untouchedCount: number;
  duplicateCount: number;
  /** Findings this import created or reactivated that DefectDojo 3.1+ lists apart as duplicates (ids only). */
  newDuplicateIds: number[];
  reactivatedDuplicateIds: number[];
}

export type SubjectKind =
  | "product_type"
  | "product"
  | "engagement"
  | "test"
  | "finding"
  | "risk_acceptance";

/** The object an event is about, for events that carry only a `url_ui` (SLA breach, finding_added, …). */
export interface SubjectRef {
  kind: SubjectKind;
  id: number;
  /** For a risk acceptance: the engagement its URL names (`/engagement/7/risk_acceptance/3`). */
  engagementId?: number;
}

/**
 * One DefectDojo notification, validated and normalised where it entered the bridge. Everything
 * downstream (routing, rendering, the outbox) works on this shape, never on raw request bodies.
 * Text fields are untrusted (they come from scanners and users) and every channel escapes them.
 */
export interface DojoEvent {
  /** DefectDojo's event name as sent in `X-DefectDojo-Event`, e.g. `scan_added`, `finding_added`. */
  name: string;
  /** The notification setting that routes it: its own, or OTHER for names without one. */
  setting: NotificationEvent;
  title: string;
  description: string | null;
  /** Absolute DefectDojo UI link for the event's object, when DefectDojo sent one. */
  urlUi: string | null;
  /** The DefectDojo instance (`X-DefectDojo-Instance`), or null when unknown. */
  instance: string | null;
  productType: ObjectRef | null;
  product: ObjectRef | null;
  engagement: ObjectRef | null;
  test: ObjectRef | null;
  finding: FindingRef | null;
  findings: ScanFindings | null;
  findingCount: number | null;
  subject: SubjectRef | null;
  /** Set only on the events the bridge writes itself when a digest window closes. */
  digest?: DigestSummary;
}

/** One event gathered into a digest, with the findings the digest's rule let through. */
export interface DigestEntry {
  eventId: number;
  /** DefectDojo's event name, e.g. `scan_added`. */
  name: string;
  title: string;
  urlUi: string | null;
  /** The listed (new or reactivated) findings that matched; [] for events without findings. */
  findings: FindingRef[];
}

/** What a digest message reports: every event of one window, for one target. */
export interface DigestSummary {
  windowSeconds: number;
  /** What the window grouped by, for the heading: a product or engagement name; null for all events. */
  groupLabel: string | null;
  /** The events in arrival order. */
  entries: DigestEntry[];
  /** Why the digest was held: a rule's window, or a user's quiet hours. */
  reason: "window" | "quiet_hours";
}

/** The findings an event lists as news: a scan's new and reactivated ones, or its one finding. */
export function listedFindings(event: DojoEvent): FindingRef[] {
  if (event.findings) return [...event.findings.new, ...event.findings.reactivated];
  return event.finding ? [event.finding] : [];
}

/** An event that is only text (no DefectDojo objects), such as a test message. */
export function textEvent(fields: Pick<DojoEvent, "name" | "setting" | "title"> & Partial<DojoEvent>): DojoEvent {
  return {
    description: null,
    urlUi: null,
    instance: null,
    productType: null,
    product: null,
    engagement: null,
    test: null,
    finding: null,
    findings: null,
    findingCount: null,
    subject: null,
    ...fields,
  };
}
