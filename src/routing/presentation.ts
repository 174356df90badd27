import { DojoEvent } from "../events/dojo-event";
import { Presentation } from "../storage/entities/delivery.entity";

/** What a route narrows, or null when it shows the whole event (stored as NULL, the common case). */
export function presentation(findingIds: number[] | null | undefined, linkOnly: boolean): Presentation | null {
  if (!findingIds && !linkOnly) return null;
  return { ...(findingIds && { findingIds }), ...(linkOnly && { linkOnly: true }) };
}

/**
 * The event as one delivery shows it: a rule or a user's minimum severity may let only some of its
 * listed findings through, and only those are listed (counts of the rest stay as DefectDojo sent them).
 */
export function presentedEvent(event: DojoEvent, presentation: Presentation | null): DojoEvent {
  if (!presentation?.findingIds) return event;
  const allowed = new Set(presentation.findingIds);
  const keep = <T extends { id: number }>(findings: T[]) => findings.filter((finding) => allowed.has(finding.id));
  return {
    ...event,
    finding: event.finding && allowed.has(event.finding.id) ? event.finding : null,
    findings: event.findings && { ...event.findings, new: keep(event.findings.new), reactivated: keep(event.findings.reactivated) },
  };
}
