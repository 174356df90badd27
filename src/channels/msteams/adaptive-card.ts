import { MessageContent, truncate, unlistedFindingsLine } from "../message-content";

/**
 * The longest description rendered: every character takes at least a byte of the envelope, so a
 * longer one could never fit, and each escape and serialisation is then over a bounded text.
 */
export const TEAMS_TEXT_MAX_CHARS = 20_000;

/**
 * Budget for the whole serialized request body. Teams documents a 28 KB message limit
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook), but
 * notifier libraries report rejections below it (one caps at 21,000 bytes after testing), and the
 * limit applies to the whole JSON envelope.
 */
export const TEAMS_ENVELOPE_MAX_BYTES = 20_000;

type CardElement = Record<string, unknown>;

/**
 * The request body for a Teams Workflows webhook: a "message" wrapping an Adaptive Card 1.4 (the
 * newest version Teams renders everywhere). Untrusted text is markdown-escaped, and the body is
 * kept within TEAMS_ENVELOPE_MAX_BYTES by dropping finding rows (an "and N more" line stands for
 * them), then by cutting the description.
 */
export function renderTeamsMessage(untrusted: MessageContent): string {
  const content = untrusted.text ? { ...untrusted, text: truncate(untrusted.text, TEAMS_TEXT_MAX_CHARS) } : untrusted;
  const fits = (body: string) => Buffer.byteLength(body, "utf8") <= TEAMS_ENVELOPE_MAX_BYTES;
  let listed = content.findings.length;
  let body = envelope(content, listed, content.text);
  if (!fits(body)) {
    // The most rows that fit, found by bisection: one serialisation per row dropped is quadratic in a long list.
    let most = 0;
    let tooMany = listed;
    while (tooMany - most > 1) {
      const middle = Math.floor((most + tooMany) / 2);
      if (fits(envelope(content, middle, content.text))) most = middle;
      else tooMany = middle;
    }
    listed = most;
    body = envelope(content, listed, content.text);
  }
  if (fits(body) || !content.text) return body;
  // The longest description that fits, found by bisection: escaping makes bytes per character vary.
  const text = content.text;
  let longest = 0;
  let tooLong = Array.from(text).length;
  while (tooLong - longest > 1) {
    const middle = Math.floor((longest + tooLong) / 2);
    if (fits(envelope(content, listed, truncate(text, middle)))) longest = middle;
    else tooLong = middle;
  }
  return envelope(content, listed, truncate(text, longest) || null);
}

/**
 * Backslash-escapes the markdown subset a TextBlock renders (emphasis, links, list markers at a line
 * start), so `[click](http://evil)`, `**x**`, `_x_` or "- item" arrive as typed. Linear in the
 * text: a line's indentation is whitespace that is no line break, so a line start does not scan on
 * through the lines after it (`^\s*` with the `m` flag was quadratic in a run of newlines).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\*_[\]]/g, "\\$&")
    .replace(/^([^\S\n\r\u2028\u2029]*)([-+])(?=\s)/gm, "$1\\$2")
    .replace(/^([^\S\n\r\u2028\u2029]*\d+)([.)])(?=\s)/gm, "$1\\$2");
}

function envelope(content: MessageContent, listed: number, text: string | null): string {
  const unlisted = content.unlistedFindings + content.findings.length - listed;
  const body: CardElement[] = [
    { type: "TextBlock", text: "DefectDojo", size: "Small", weight: "Bolder", isSubtle: true, wrap: true },
    { type: "TextBlock", text: escapeMarkdown(content.heading), size: "Large", weight: "Bolder", color: "Accent", wrap: true, spacing: "None" },
    { type: "TextBlock", text: linked(content.title, content.link), weight: "Bolder", wrap: true },
  ];
  if (text) body.push({ type: "TextBlock", text: escapeMarkdown(text), wrap: true });
  if (content.facts.length > 0) {
    body.push({
      type: "FactSet",
      facts: content.facts.map((fact) => ({ title: escapeMarkdown(fact.label), value: escapeMarkdown(fact.value) })),
    });
  }
  for (const finding of content.findings.slice(0, listed)) {
    body.push({
      type: "TextBlock",
      text: `**${escapeMarkdown(finding.severity)}** ${linked(finding.title, finding.link)}`,
      wrap: true,
      spacing: "Small",
    });
  }
  if (unlisted > 0) body.push({ type: "TextBlock", text: escapeMarkdown(unlistedFindingsLine(unlisted, content.listKind)), isSubtle: true, wrap: true });
  return JSON.stringify({
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          // Full width, or the card is cut to a narrow column (alertmanager#4182).
          msteams: { width: "Full" },
          body,
          actions: content.link ? [{ type: "Action.OpenUrl", title: "View in DefectDojo", url: content.link }] : [],
        },
      },
    ],
  });
}

/** A markdown link; the URL is a normalised http(s) href, so only its parentheses could end it early. */
function linked(label: string, url: string | null): string {
  const text = escapeMarkdown(label);
  return url ? `[${text}](${url.replace(/\(/g, "%28").replace(/\)/g, "%29")})` : text;
}
