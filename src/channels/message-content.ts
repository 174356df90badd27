import { DojoEvent, FindingRef } from "../events/dojo-event";
import { eventHeading } from "../events/notification-event";

/** A label/value pair shown as a table row or field (Product, New findings, …). */
export interface Fact {
  label: string;
  value: string;
}

/** One finding in a message's list. */
export interface FindingLine {
  severity: string;
  title: string;
  /** An http(s) link to the finding, or null. */
  link: string | null;
}

/**
 * What every channel shows for one event, before any channel-specific escaping: all text here is
 * raw and untrusted, and each channel escapes it for its own markup. Links are already checked to
 * be http(s) URLs.
 */
export interface MessageContent {
  /** The event name as a heading, e.g. "Scan Added". */
  heading: string;
  /** The event's title, or the heading when DefectDojo sent none. */
  title: string;
  /** The event's description, or null when it is empty or DefectDojo's "Event x has occurred." filler. */
  text: string | null;
  /** Where "View in DefectDojo" points: the event's object, else the DefectDojo instance. */
  link: string | null;
  facts: Fact[];
  /** At most LISTED_FINDINGS_MAX findings, most severe first. */
  findings: FindingLine[];
  /** Findings the event names but the list leaves out. */
  unlistedFindings: number;
}

/** How many findings a message lists; a scan can bring thousands, and DefectDojo has them all one click away. */
export const LISTED_FINDINGS_MAX = 20;
/** Longest title, heading or finding title kept: longer ones are paragraphs, cut with "…". */
export const TITLE_MAX_CHARS = 300;
/** Longest fact value kept (object names). */
export const FACT_VALUE_MAX_CHARS = 200;
/** Longer links are dropped: 2,000 characters is the long-standing safe URL length for browsers and chat clients. */
export const LINK_MAX_CHARS = 2000;

// DefectDojo's own order (dojo.models.Finding.SEVERITIES); unknown severities go last.
const SEVERITY_ORDER = ["Critical", "High", "Medium", "Low", "Info"];

// The description DefectDojo's webhook templates send when an event has no text of its own.
const FILLER_DESCRIPTION = /^Event \S+ has occurred\.?$/;

/** Builds the channel-neutral content of an event. `dojoUrl` is the fallback link (DOJO_URL). */
export function describeEvent(event: DojoEvent, dojoUrl: string | null): MessageContent {
  const heading = truncate(eventHeading(event.name), TITLE_MAX_CHARS);
  const description = event.description?.trim() ?? "";
  const listed = listedFindings(event);
  return {
    heading,
    title: truncate(event.title.trim(), TITLE_MAX_CHARS) || heading,
    text: description && !FILLER_DESCRIPTION.test(description) ? description : null,
    link: httpLink(event.urlUi) ?? httpLink(dojoUrl),
    facts: facts(event),
    findings: listed.slice(0, LISTED_FINDINGS_MAX).map((finding) => ({
      severity: truncate(finding.severity, FACT_VALUE_MAX_CHARS),
      title: truncate(finding.title, TITLE_MAX_CHARS),
      link: httpLink(finding.urlUi),
    })),
    unlistedFindings: Math.max(0, listed.length - LISTED_FINDINGS_MAX),
  };
}

/** The line that stands for findings left out of a list. */
export function unlistedFindingsLine(count: number): string {
  return `…and ${count} more ${count === 1 ? "finding" : "findings"} in DefectDojo`;
}

/** Cuts a text to at most `max` characters (whole code points), ending in "…" when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return max <= 0 ? "" : chars.slice(0, max - 1).join("") + "…";
}

function facts(event: DojoEvent): Fact[] {
  const result: Fact[] = [];
  const add = (label: string, value: string | number | undefined) => {
    if (value !== undefined) result.push({ label, value: truncate(String(value), FACT_VALUE_MAX_CHARS) });
  };
  add("Product Type", event.productType?.name);
  add("Product", event.product?.name);
  add("Engagement", event.engagement?.name);
  add("Test", event.test?.name);
  if (event.findings) {
    add("New findings", event.findings.new.length);
    add("Reactivated findings", event.findings.reactivated.length);
    add("Mitigated findings", event.findings.mitigated.length);
    add("Untouched findings", event.findings.untouchedCount);
  }
  return result;
}

function listedFindings(event: DojoEvent): FindingRef[] {
  if (event.findings) {
    return [...event.findings.new, ...event.findings.reactivated].sort(
      (a, b) => severityRank(a.severity) - severityRank(b.severity),
    );
  }
  return event.finding ? [event.finding] : [];
}

function severityRank(severity: string): number {
  const rank = SEVERITY_ORDER.indexOf(severity);
  return rank === -1 ? SEVERITY_ORDER.length : rank;
}

/** The URL normalised (spaces and angle brackets percent-encoded), or null unless it is a sane http(s) URL. */
function httpLink(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    const href = parsed.href;
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && href.length <= LINK_MAX_CHARS ? href : null;
  } catch {
    return null;
  }
}
