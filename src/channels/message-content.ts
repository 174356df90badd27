import { DigestEntry, DigestSummary, DojoEvent, FindingRef, listedFindings, ScanFindings } from "../events/dojo-event";
import { eventHeading } from "../events/notification-event";
import { severityRank } from "../events/severity";
import { applyTemplate, MessageTemplate } from "./message-template";

/** A label/value pair shown as a table row or field (Product, New findings, …). */
export interface Fact {
  label: string;
  value: string;
}

/** One line of a message's list: a finding, or in a digest an event without findings. */
export interface FindingLine {
  /** The finding's severity, or the event kind ("Scan Added") on an event's line. */
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
  /** At most LISTED_FINDINGS_MAX findings, most severe first (DIGEST_LISTED_MAX lines for a digest). */
  findings: FindingLine[];
  /** Findings (or a digest's lines) the event names but the list leaves out. */
  unlistedFindings: number;
  /** What the list holds, for the "…and N more" line; findings when absent. */
  listKind?: ListKind;
}

/** What a message's list holds: findings, one line per event (link-only digests), or both (digests). */
export type ListKind = "findings" | "events" | "mixed";

/** How describeEvent presents an event to one target. */
export interface DescribeOptions {
  /** Only what happened, counts and a link: no titles, descriptions or object names (OutgoingMessage.linkOnly). */
  linkOnly?: boolean;
  /** The administrator's template; ignored in link-only mode, as a template could bring the names back. */
  template?: MessageTemplate | null;
}

/** How many findings a message lists; a scan can bring thousands, and DefectDojo has them all one click away. */
export const LISTED_FINDINGS_MAX = 20;
/** Longest title, heading or finding title kept: longer ones are paragraphs, cut with "…". */
export const TITLE_MAX_CHARS = 300;
/** Longest fact value kept (object names). */
export const FACT_VALUE_MAX_CHARS = 200;
/** Longer links are dropped: 2,000 characters is the long-standing safe URL length for browsers and chat clients. */
export const LINK_MAX_CHARS = 2000;
/**
 * How many lines a digest lists. More than an event (a digest is read once, instead of its events),
 * and more than Slack or Teams can show anyway, so their renderers still decide the cut; it bounds
 * what they pack and what a mail carries.
 */
export const DIGEST_LISTED_MAX = 200;
/** Event kinds counted one by one in a digest's facts; the rest are counted together, keeping the facts to a glance. */
export const DIGEST_KINDS_MAX = 10;
/** The title of a link-only message: its own title would name products and findings. */
export const LINK_ONLY_TITLE = "Open DefectDojo for the details";

// DefectDojo's own order (dojo.models.Finding.SEVERITIES); unknown severities go last.
const SEVERITY_ORDER = ["Critical", "High", "Medium", "Low", "Info"];

// The description DefectDojo's webhook templates send when an event has no text of its own.
const FILLER_DESCRIPTION = /^Event \S+ has occurred\.?$/;

/**
 * Builds the channel-neutral content of an event (a digest's own shape when it is one). `dojoUrl`
 * is the fallback link (DOJO_URL). A template, when set and not in link-only mode, is applied last.
 */
export function describeEvent(event: DojoEvent, dojoUrl: string | null, options: DescribeOptions = {}): MessageContent {
  const linkOnly = options.linkOnly === true;
  const link = httpLink(event.urlUi) ?? httpLink(dojoUrl);
  let content: MessageContent;
  if (event.digest) content = describeDigest(event.digest, link, linkOnly);
  else if (linkOnly) content = describeLinkOnly(event, link);
  else content = describeInFull(event, link);
  return options.template && !linkOnly ? applyTemplate(content, event, options.template) : content;
}

/** The line that stands for lines left out of a list: findings, events, or both (then it names neither). */
export function unlistedFindingsLine(count: number, kind: ListKind = "findings"): string {
  const noun = kind === "findings" ? " finding" : kind === "events" ? " event" : "";
  return `…and ${count} more${noun && count !== 1 ? `${noun}s` : noun} in DefectDojo`;
}

/** Cuts a text to at most `max` characters (whole code points), ending in "…" when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return max <= 0 ? "" : chars.slice(0, max - 1).join("") + "…";
}

function describeInFull(event: DojoEvent, link: string | null): MessageContent {
  const heading = headingOf(event.name);
  const description = event.description?.trim() ?? "";
  const listed = sortedFindings(event);
  return {
    heading,
    title: truncate(event.title.trim(), TITLE_MAX_CHARS) || heading,
    text: description && !FILLER_DESCRIPTION.test(description) ? description : null,
    link,
    facts: facts(event),
    findings: listed.slice(0, LISTED_FINDINGS_MAX).map(findingLine),
    unlistedFindings: Math.max(0, listed.length - LISTED_FINDINGS_MAX),
  };
}

/** What happened and how many, with a link: nothing a title, description or name could carry. */
function describeLinkOnly(event: DojoEvent, link: string | null): MessageContent {
  const counts = event.findings ? scanCountFacts(event.findings) : [];
  return {
    heading: headingOf(event.name),
    title: LINK_ONLY_TITLE,
    text: null,
    link,
    facts: [...counts, ...severityFacts(listedFindings(event))],
    findings: [],
    unlistedFindings: 0,
  };
}

/**
 * A digest: counts per severity and per event kind, then every finding most severe first and a
 * line per event without findings. In link-only mode one line per event, with counts instead of
 * titles, and no group name (it is a product or engagement name).
 */
function describeDigest(digest: DigestSummary, link: string | null, linkOnly: boolean): MessageContent {
  const count = digest.entries.length;
  const label = linkOnly ? "" : truncate(digest.groupLabel?.trim() ?? "", FACT_VALUE_MAX_CHARS);
  const lines = linkOnly ? digest.entries.map(linkOnlyEntryLine) : digestLines(digest.entries);
  const withFindings = digest.entries.filter((entry) => entry.findings.length > 0).length;
  return {
    heading: digest.reason === "quiet_hours" ? "Held during your quiet hours" : "DefectDojo digest",
    title: truncate(
      // A quiet-hours window lasts until the quiet time ends, which says nothing "in the last …" would.
      `${count} ${count === 1 ? "notification" : "notifications"}${label ? ` for ${label}` : ""}` +
        (digest.reason === "quiet_hours" ? "" : ` in the last ${duration(digest.windowSeconds)}`),
      TITLE_MAX_CHARS,
    ),
    text: null,
    link,
    facts: [...severityFacts(digest.entries.flatMap((entry) => entry.findings)), ...kindFacts(digest.entries)],
    findings: lines.slice(0, DIGEST_LISTED_MAX),
    unlistedFindings: Math.max(0, lines.length - DIGEST_LISTED_MAX),
    listKind: linkOnly || withFindings === 0 ? "events" : withFindings === count ? "findings" : "mixed",
  };
}

function digestLines(entries: DigestEntry[]): FindingLine[] {
  const findings = entries.flatMap((entry) => entry.findings).sort(bySeverity).map(findingLine);
  const events = entries
    .filter((entry) => entry.findings.length === 0)
    .map((entry) => {
      const heading = headingOf(entry.name);
      return { severity: heading, title: truncate(entry.title.trim(), TITLE_MAX_CHARS) || heading, link: httpLink(entry.urlUi) };
    });
  return [...findings, ...events];
}

function linkOnlyEntryLine(entry: DigestEntry): FindingLine {
  const counts = severityCounts(entry.findings)
    .map((count, order) => (count > 0 ? `${count} ${SEVERITY_ORDER[order]}` : ""))
    .filter(Boolean);
  return { severity: headingOf(entry.name), title: counts.join(", ") || "Details in DefectDojo", link: httpLink(entry.urlUi) };
}

/** "5 minutes", "hour", "2 days": the window as a reader would say it after "in the last". */
function duration(seconds: number): string {
  const units: Array<[string, number]> = [["day", 86_400], ["hour", 3_600], ["minute", 60], ["second", 1]];
  const [unit, size] = units.find(([, size]) => seconds >= size && seconds % size === 0) ?? ["second", 1];
  const amount = seconds / size;
  return amount === 1 ? unit : `${amount} ${unit}s`;
}

/** Findings per DefectDojo severity, in its order, the ones with none left out; unknown severities are not counted. */
function severityFacts(findings: FindingRef[]): Fact[] {
  return severityCounts(findings).flatMap((count, order) =>
    count > 0 ? [{ label: `${SEVERITY_ORDER[order]} findings`, value: String(count) }] : [],
  );
}

function severityCounts(findings: FindingRef[]): number[] {
  const counts = SEVERITY_ORDER.map(() => 0);
  for (const finding of findings) {
    const order = severityOrder(finding.severity);
    if (order < SEVERITY_ORDER.length) counts[order] += 1;
  }
  return counts;
}

/** Events per kind in arrival order; kinds past DIGEST_KINDS_MAX are counted together. */
function kindFacts(entries: DigestEntry[]): Fact[] {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const heading = headingOf(entry.name);
    counts.set(heading, (counts.get(heading) ?? 0) + 1);
  }
  const kinds = [...counts];
  const shown = kinds.length > DIGEST_KINDS_MAX ? kinds.slice(0, DIGEST_KINDS_MAX - 1) : kinds;
  const others = kinds.slice(shown.length).reduce((sum, [, count]) => sum + count, 0);
  return [
    ...shown.map(([label, count]) => ({ label, value: String(count) })),
    ...(others > 0 ? [{ label: "Other events", value: String(others) }] : []),
  ];
}

function headingOf(eventName: string): string {
  return truncate(eventHeading(eventName), TITLE_MAX_CHARS);
}

function findingLine(finding: FindingRef): FindingLine {
  return {
    severity: truncate(finding.severity, FACT_VALUE_MAX_CHARS),
    title: truncate(finding.title, TITLE_MAX_CHARS),
    link: httpLink(finding.urlUi),
  };
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
  if (event.findings) result.push(...scanCountFacts(event.findings));
  return result;
}

function scanCountFacts(findings: ScanFindings): Fact[] {
  return [
    { label: "New findings", value: String(findings.new.length) },
    { label: "Reactivated findings", value: String(findings.reactivated.length) },
    { label: "Mitigated findings", value: String(findings.mitigated.length) },
    { label: "Untouched findings", value: String(findings.untouchedCount) },
  ];
}

function sortedFindings(event: DojoEvent): FindingRef[] {
  return listedFindings(event).sort(bySeverity);
}

/** Most severe first; stable, so findings of one severity keep their order. */
function bySeverity(a: FindingRef, b: FindingRef): number {
  return severityOrder(a.severity) - severityOrder(b.severity);
}

/** A severity's place in SEVERITY_ORDER (any case), or its length for one DefectDojo does not have. */
function severityOrder(severity: string): number {
  const rank = severityRank(severity);
  return rank === -1 ? SEVERITY_ORDER.length : SEVERITY_ORDER.length - 1 - rank;
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
