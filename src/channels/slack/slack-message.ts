import type { KnownBlock, SectionBlock } from "@slack/web-api";
import { MessageContent, unlistedFindingsLine } from "../message-content";

/** `text` is a notification fallback only; Slack advises keeping it under 4,000 characters (https://api.slack.com/methods/chat.postMessage, "Truncating content"). */
export const SLACK_TEXT_MAX = 4000;
/** A section block's text is limited to 3,000 characters (https://api.slack.com/reference/block-kit/blocks#section). */
export const SLACK_SECTION_TEXT_MAX = 3000;
/** A section's `fields`: at most 10, each up to 2,000 characters (https://api.slack.com/reference/block-kit/blocks#section). */
export const SLACK_SECTION_FIELDS_MAX = 10;
export const SLACK_FIELD_TEXT_MAX = 2000;
/** A message carries at most 50 blocks (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_BLOCKS_MAX = 50;
/** A header block's plain_text is limited to 150 characters (https://api.slack.com/reference/block-kit/blocks#header). */
export const SLACK_HEADER_TEXT_MAX = 150;

export interface SlackMessage {
  /** Plain-text fallback for notifications and clients that show no blocks. */
  text: string;
  blocks: KnownBlock[];
}

const VIEW_LABEL = "View in DefectDojo";

/**
 * Renders content as a Slack message. Every untrusted string is Slack-escaped, so `<!channel>`,
 * `<@U123>` or `<http://evil|click>` arrive as literal text, and every limit is met by cutting text
 * (with "…") or findings rather than by letting Slack refuse the message.
 */
export function renderSlackMessage(content: MessageContent): SlackMessage {
  return { text: fallbackText(content), blocks: blocks(content) };
}

/** Slack's three control characters as HTML entities (docs.slack.dev "Formatting text: escaping"). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A `<url|label>` link. The URL is already a normalised http(s) href; `|` is encoded so it cannot end the URL early. */
export function slackLink(url: string, label: string): string {
  return `<${escapeSlack(url.replace(/\|/g, "%7C"))}|${escapeSlack(label)}>`;
}

/** Escapes `raw` and cuts it so the escaped form fits in `max` characters, never splitting an entity. */
function escapeWithin(raw: string, max: number): string {
  const escaped = escapeSlack(raw);
  if (escaped.length <= max) return escaped;
  let result = "";
  for (const char of raw) {
    const piece = escapeSlack(char);
    if (result.length + piece.length > max - 1) break;
    result += piece;
  }
  return max > 0 ? `${result}…` : "";
}

/** What a notification shows; the link is left to the blocks' button, as notifications do not show links. */
function fallbackText(content: MessageContent): string {
  const head = escapeWithin(`${content.heading}: ${content.title}`, SLACK_TEXT_MAX / 2);
  return content.text ? `${head}\n${escapeWithin(content.text, SLACK_TEXT_MAX - head.length - 1)}` : head;
}

function blocks(content: MessageContent): KnownBlock[] {
  const top: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: escapeWithin(content.heading, SLACK_HEADER_TEXT_MAX) } },
    mrkdwnSection(summary(content)),
  ];
  for (let i = 0; i < content.facts.length; i += SLACK_SECTION_FIELDS_MAX) {
    const fields = content.facts.slice(i, i + SLACK_SECTION_FIELDS_MAX).map(({ label, value }) => {
      const name = `*${escapeSlack(label)}*\n`;
      return { type: "mrkdwn" as const, text: name + escapeWithin(value, SLACK_FIELD_TEXT_MAX - name.length), verbatim: true };
    });
    top.push({ type: "section", fields });
  }
  const bottom: KnownBlock[] = content.link
    ? [{ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: VIEW_LABEL }, url: content.link }] }]
    : [];
  // One block is kept back for the "…and N more" line.
  const findings = findingSections(content, SLACK_BLOCKS_MAX - top.length - bottom.length - 1);
  const unlisted = content.unlistedFindings + content.findings.length - findings.listed;
  const more: KnownBlock[] =
    unlisted > 0 ? [{ type: "context", elements: [{ type: "mrkdwn", text: unlistedFindingsLine(unlisted, content.listKind) }] }] : [];
  return [...top, ...findings.blocks, ...more, ...bottom];
}

/** The bold title (linked when there is a link) and the description, within one section's limit. */
function summary(content: MessageContent): string {
  // A freak link that would crowd out the description is left to the button.
  const linked = content.link ? slackLink(content.link, content.title) : "";
  const title = `*${linked && linked.length <= SLACK_SECTION_TEXT_MAX / 2 ? linked : escapeSlack(content.title)}*`;
  if (!content.text) return title;
  return `${title}\n${escapeWithin(content.text, SLACK_SECTION_TEXT_MAX - title.length - 1)}`;
}

/** Findings as bullet lines packed into as few sections as their limit allows, within `maxBlocks`. */
function findingSections(content: MessageContent, maxBlocks: number): { blocks: KnownBlock[]; listed: number } {
  const sections: string[] = [];
  let listed = 0;
  for (const finding of content.findings) {
    const title = finding.link ? slackLink(finding.link, finding.title) : escapeSlack(finding.title);
    const line = `• *${escapeSlack(finding.severity)}* ${title}`;
    const last = sections.length - 1;
    if (last >= 0 && sections[last].length + 1 + line.length <= SLACK_SECTION_TEXT_MAX) {
      sections[last] += `\n${line}`;
    } else if (sections.length < maxBlocks && line.length <= SLACK_SECTION_TEXT_MAX) {
      sections.push(line);
    } else {
      break;
    }
    listed += 1;
  }
  return { blocks: sections.map(mrkdwnSection), listed };
}

/**
 * `verbatim`: by default Slack pre-processes plain text in a text object, turning channel names into
 * links and parsing "certain mentions" (https://api.slack.com/reference/block-kit/composition-objects#text); scanner text must reach
 * readers as typed, and the bridge's own links are explicit `<url|label>` ones, which still work.
 */
function mrkdwnSection(text: string): SectionBlock {
  return { type: "section", text: { type: "mrkdwn", text, verbatim: true } };
}
