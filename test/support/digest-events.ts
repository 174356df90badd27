import { DigestEntry, DigestSummary, DojoEvent, FindingRef, textEvent } from "../../src/events/dojo-event";
import { NotificationEvent } from "../../src/events/notification-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { allWebhookFixtures, eventNameOf } from "./fixtures";

/** DefectDojo's severities, most severe first. */
export const SEVERITIES = ["Critical", "High", "Medium", "Low", "Info"];

/** The event the digest writer makes when a window closes (src/delivery/digest-windows.ts), for a product's page. */
export function digestEvent(entries: DigestEntry[], changes: Partial<DigestSummary> = {}): DojoEvent {
  const digest: DigestSummary = { windowSeconds: 300, groupLabel: "notif prod", reason: "window", entries, ...changes };
  return textEvent({
    name: "digest",
    setting: NotificationEvent.OTHER,
    title: `${entries.length} notifications${digest.groupLabel ? ` for ${digest.groupLabel}` : ""}`,
    urlUi: "http://localhost:8080/product/4",
    findingCount: entries.reduce((sum, entry) => sum + entry.findings.length, 0),
    digest,
  });
}

/** One event of a digest, linking to its own page. */
export function digestEntry(eventId: number, name: string, findings: FindingRef[] = [], title = `Event ${eventId}`): DigestEntry {
  return { eventId, name, title, urlUi: `http://localhost:8080/event/${eventId}`, findings };
}

export function findingRef(id: number, severity: string, title = `Finding ${id}`): FindingRef {
  return { id, title, severity, urlUi: `http://localhost:8080/finding/${id}` };
}

/** Events in a big digest besides its scan. */
const OTHER_KINDS = ["engagement_added", "test_added", "sla_breach", "finding_added", "product_added"];

/** Long titles full of characters every channel escapes. */
const NOISY = (label: string) => `${label} <!channel> & [x](http://e.example) **b** <tag> `.repeat(10);

/**
 * The digest the size limits are checked with: a scan with 1,000 new findings of every severity
 * (200 each, interleaved) whose titles are long and full of characters every channel escapes,
 * and 50 other events without findings. 1,050 lines in all. `noisy` makes the titles.
 */
export function bigDigest(noisy = NOISY): DojoEvent {
  const findings = Array.from({ length: 1000 }, (_, i) => findingRef(i + 1, SEVERITIES[i % 5], noisy(`Finding ${i + 1}`)));
  const others = Array.from({ length: 50 }, (_, i) => digestEntry(i + 2, OTHER_KINDS[i % OTHER_KINDS.length], [], noisy(`Event ${i + 2}`)));
  return digestEvent([digestEntry(1, "scan_added", findings, noisy("Scan")), ...others]);
}
export const BIG_DIGEST_LINES = 1050;

/** A digest of every DefectDojo fixture event (2.x and 3.x), as the digest writer gathers them, grouped by their product. */
export function fixtureDigest(): DojoEvent {
  const entries = allWebhookFixtures().map(([, fixture, body], index): DigestEntry => {
    const event = parseWebhookPayload(eventNameOf(fixture), "http://localhost:8080", body);
    const findings = event.findings ? [...event.findings.new, ...event.findings.reactivated] : event.finding ? [event.finding] : [];
    return { eventId: index + 1, name: event.name, title: event.title, urlUi: event.urlUi, findings };
  });
  return digestEvent(entries);
}
