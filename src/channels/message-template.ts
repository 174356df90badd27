import { DojoEvent, FindingRef, listedFindings } from "../events/dojo-event";
import { severityRank } from "../events/severity";
import { MessageContent, TITLE_MAX_CHARS, truncate } from "./message-content";

/** An administrator's override of one event's message on one channel (absent parts keep the default). */
export interface MessageTemplate {
  /** Replaces the message title; null keeps DefectDojo's title. */
  title: string | null;
  /** Replaces the description; null keeps DefectDojo's description. */
  text: string | null;
}

/**
 * The placeholders a template may use, `{{name}}` (spaces inside the braces allowed), each with
 * what it stands for. Values are the event's raw text; a missing one becomes "".
 */
export const TEMPLATE_PLACEHOLDERS = {
  event: 'The event as a heading, e.g. "Scan Added".',
  title: "DefectDojo's title of the event (the heading when it sent none).",
  description: "DefectDojo's description, or \"\" when it sent only its \"Event … has occurred.\" filler.",
  product_type: "The product type's name.",
  product: "The product's name.",
  engagement: "The engagement's name.",
  test: "The test's title.",
  finding: "The finding's title, for events about one finding.",
  finding_count: "How many findings a scan created or reactivated; otherwise DefectDojo's finding count.",
  new_findings: "How many findings a scan created.",
  severity_counts: 'The created and reactivated findings (or the one finding) per severity, most severe first, e.g. "2 Critical, 5 High".',
  url: "The message's link: the event's DefectDojo page, else DOJO_URL.",
} as const;

export type PlaceholderName = keyof typeof TEMPLATE_PLACEHOLDERS;

const PLACEHOLDER_NAMES = Object.keys(TEMPLATE_PLACEHOLDERS) as PlaceholderName[];

/** Longest title template: the content's own title limit (TITLE_MAX_CHARS), which the result is cut to anyway. */
export const TEMPLATE_TITLE_MAX_CHARS = 300;
/** Longest text template: a Slack section's text limit, so a template alone always fits one section. */
export const TEMPLATE_TEXT_MAX_CHARS = 3000;

// A well-formed placeholder, whatever its name; `{{` or `}}` left outside one is unbalanced.
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * The content with the template's parts filled in from the event. Placeholder values are raw,
 * untrusted text: the channel escapes the result exactly as it escapes DefectDojo's own text, the
 * template's own words included, so neither can inject channel markup. Values are substituted in
 * one pass: a value that itself reads `{{title}}` stays as typed. Called by `describeEvent` for
 * each message that has a template (never in link-only mode).
 */
export function applyTemplate(content: MessageContent, event: DojoEvent, template: MessageTemplate): MessageContent {
  const values = placeholderValues(content, event);
  const fill = (part: string) =>
    part
      .replace(PLACEHOLDER, (match, inner: string) => {
        const name = inner.trim();
        // Validation keeps unknown names out; one that slipped in (an older schema) shows as typed.
        return isPlaceholderName(name) ? values[name] : match;
      })
      .trim();
  const title = hasWords(template.title) ? fill(template.title) : "";
  const text = hasWords(template.text) ? fill(template.text) || null : content.text;
  // A title that comes out empty (its values missing) keeps the default: a message needs one.
  return { ...content, title: title ? truncate(title, TITLE_MAX_CHARS) : content.title, text };
}

/**
 * What is wrong with a template, one sentence per problem (none: it may be stored): an empty
 * template, a part longer than its limit, unknown placeholder names, `{{` or `}}` without its pair.
 */
export function validateTemplate(template: MessageTemplate): string[] {
  if (!hasWords(template.title) && !hasWords(template.text)) return ["the template is empty: give it a title, a text or both"];
  return [
    ...partProblems("title", template.title, TEMPLATE_TITLE_MAX_CHARS),
    ...partProblems("text", template.text, TEMPLATE_TEXT_MAX_CHARS),
  ];
}

function partProblems(part: string, value: string | null, max: number): string[] {
  if (value === null) return [];
  const problems: string[] = [];
  const length = Array.from(value).length;
  if (length > max) problems.push(`${part} is ${length} characters long, at most ${max} are allowed`);
  const unknown = new Set<string>();
  for (const [match, inner] of value.matchAll(PLACEHOLDER)) {
    if (!isPlaceholderName(inner.trim())) unknown.add(match);
  }
  if (unknown.size > 0) {
    problems.push(`${part} has unknown placeholders ${[...unknown].join(", ")} (the placeholders are ${PLACEHOLDER_NAMES.join(", ")})`);
  }
  // Placeholders blanked out with the same length, so positions still count in the original.
  const rest = value.replace(PLACEHOLDER, (match) => " ".repeat(match.length));
  for (const [brace, pair] of [["{{", "}}"], ["}}", "{{"]]) {
    const at = rest.indexOf(brace);
    if (at !== -1) problems.push(`${part} has unbalanced braces: "${brace}" without "${pair}" at character ${Array.from(value.slice(0, at)).length + 1}`);
  }
  return problems;
}

function placeholderValues(content: MessageContent, event: DojoEvent): Record<PlaceholderName, string> {
  const listed = listedFindings(event);
  const count = event.findings ? listed.length : event.findingCount;
  return {
    event: content.heading,
    title: content.title,
    description: content.text ?? "",
    product_type: event.productType?.name ?? "",
    product: event.product?.name ?? "",
    engagement: event.engagement?.name ?? "",
    test: event.test?.name ?? "",
    finding: event.finding?.title ?? "",
    finding_count: count === null ? "" : String(count),
    new_findings: event.findings ? String(event.findings.new.length) : "",
    severity_counts: severityCounts(listed),
    url: content.link ?? "",
  };
}

/** "2 Critical, 5 High": DefectDojo's severities most severe first, then unknown ones as they came. */
function severityCounts(findings: FindingRef[]): string {
  const counts = new Map<string, number>();
  for (const { severity } of findings) counts.set(severity, (counts.get(severity) ?? 0) + 1);
  // A stable sort: severities DefectDojo does not have (rank -1) keep their order at the end.
  return [...counts]
    .sort(([a], [b]) => severityRank(b) - severityRank(a))
    .map(([severity, n]) => `${n} ${severity}`)
    .join(", ");
}

/** Null and blank parts both keep the default. */
function hasWords(part: string | null): part is string {
  return part !== null && part.trim() !== "";
}

function isPlaceholderName(name: string): name is PlaceholderName {
  return (PLACEHOLDER_NAMES as string[]).includes(name);
}
