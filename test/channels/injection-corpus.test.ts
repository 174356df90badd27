import { ChannelSettings, NotificationChannel } from "../../src/channels/channel";
import { createMailChannel } from "../../src/channels/mail/mail-channel";
import { SUBJECT_MAX_CHARS } from "../../src/channels/mail/mail-message";
import { TEAMS_ENVELOPE_MAX_BYTES } from "../../src/channels/msteams/adaptive-card";
import { createMsteamsChannel } from "../../src/channels/msteams/msteams-channel";
import { DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST, parseWebhookAllowlist } from "../../src/channels/msteams/webhook-allowlist";
import { createSlackChannel } from "../../src/channels/slack/slack-channel";
import { DojoEvent, textEvent } from "../../src/events/dojo-event";
import { NotificationEvent } from "../../src/events/notification-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { SLACK_PEER_TOKEN, SlackPeer, startSlackPeer } from "../peers/slack-peer";
import { SmtpPeer, startSmtpPeer } from "../peers/smtp-peer";
import { startTeamsPeer, TeamsPeer } from "../peers/teams-peer";
import { webhookFixture } from "../support/fixtures";

/**
 * One corpus of hostile strings, placed in every text field of an event (title, description,
 * object names, test title, finding titles and severities in every scan list) with a hostile link,
 * delivered through each real channel to its peer. What arrives must show the text as typed
 * (escaped) or cut, never as live markup, and stay within each service's limits. The channels'
 * own tests cover the basic cases; this adds the breadth.
 */

const DOJO_URL = "https://dojo.example.com";

const TEXTS: Array<[name: string, text: string]> = [
  ["Slack broadcast mentions", "<!channel> <!here> <!everyone> look"],
  ["Slack user, channel and group mentions", "<@U123> <#C123> <!subteam^S123|@security>"],
  ["mentions and channel names in plain text", "@channel @here @everyone #general @U123"],
  ["a Slack link with a deceptive label", "<https://evil.example|click> <http://evil.example>"],
  ["a Slack date token", "<!date^1392734382^{date_pretty}|today>"],
  ["pre-escaped entities", "&lt;!channel&gt; &amp;lt;@U1&amp;gt; &#60;script&#62;"],
  ["a Markdown javascript link", "[x](javascript:alert(1))"],
  ["a Markdown link and image", "[login](https://evil.example/login) ![img](http://evil/x.png)"],
  ["Markdown emphasis", "**bold** __under__ _it_ *em* ~~strike~~ `code`"],
  ["Markdown lists and headings", "- item\n+ plus\n* star\n1. first\n2) second\n# Heading\n> quote"],
  ["escapes that try to cancel escapes", "\\[x\\](http://evil.example) \\\\[y](http://evil.example) \\*\\*b\\*\\*"],
  ["an HTML script", "<script>alert(document.cookie)</script>"],
  ["an HTML image with onerror", "<img src=x onerror=alert(1)>"],
  ["attribute breakouts", "\"'><svg onload=alert(1)> ' onmouseover='x"],
  ["an HTML link", '<a href="javascript:alert(1)">click</a>'],
  ["CR/LF and a Bcc header", "Report\r\nBcc: victim@evil.example\r\nX-Injected: 1"],
  ["a bare LF and a blank line", "a\nTo: attacker@evil.example\n\n<html>body"],
  ["Unicode line separators and NEL", "a\u2028Bcc: x@evil.example\u2029c\u0085d"],
  ["an RTL override", "invoice\u202Egpj.exe"],
  ["zero-width characters", "<\u200B!channel> <!\u200Dhere> \uFEFF[x]\u200C(http://evil.example)"],
  ["NUL and control bytes", "a\u0000b\u0007c\u001bd"],
  ["100 KB of mentions", "<!channel> ".repeat(10_000)],
  ["100 KB of Markdown", "[x](http://e/)*_\\".repeat(6_000)],
  ["100 KB of HTML", "<b>x</b>&".repeat(11_000)],
  ["100 KB of astral characters", "😀".repeat(25_000)],
];

/** Links placed in url_ui (the event's and each finding's), rotating over the corpus. */
const URLS = [
  "https://evil.example/|<!channel>",
  "javascript:alert(1)",
  'http://localhost:8080/finding/1"><script>alert(1)</script>',
  "http://localhost:8080/finding/1)[evil](http://evil.example",
  "http://localhost:8080http://localhost:8080/finding/1",
  "data:text/html,<script>alert(1)</script>",
  "http://localhost:8080/finding/1 onmouseover=alert(1)",
  "http://localhost:8080/finding/1\r\nBcc: victim@evil.example",
  `https://evil.example/${"a".repeat(3000)}`,
  "http://localhost:8080/finding/1?q=<!here>&x='\"`",
];

const CASES = TEXTS.map(([name, text], index) => ({ name, text, url: URLS[index % URLS.length] }));
const SHORT = 300; // shorter texts arrive whole in titles (TITLE_MAX_CHARS); longer ones are cut

/** A scan_added event with the hostile text in every text field, parsed as the receiver parses it. */
function hostileEvent(text: string, url: string): DojoEvent {
  const body = webhookFixture("scan_added", "3.x") as Record<string, any>;
  const finding = (id: number, severity = text) => ({ id, title: text, severity, url_ui: url });
  return parseWebhookPayload("scan_added", "http://localhost:8080", JSON.parse(JSON.stringify({
    ...body,
    title: text,
    description: text,
    url_ui: url,
    product_type: { ...body.product_type, name: text },
    product: { ...body.product, name: text },
    engagement: { ...body.engagement, name: text },
    test: { ...body.test, title: text },
    findings: { new: [finding(1), finding(2, "Critical")], reactivated: [finding(3, "High")], mitigated: [finding(4)], untouched: [] },
  })));
}

/**
 * A digest (a scan with findings, an event without) with the hostile text in every text field: the
 * group label, each event's title, finding titles and severities, and the hostile link everywhere.
 */
function hostileDigest(text: string, url: string): DojoEvent {
  const finding = (id: number, severity = text) => ({ id, title: text, severity, urlUi: url });
  return textEvent({
    name: "digest",
    setting: NotificationEvent.OTHER,
    title: text,
    urlUi: url,
    digest: {
      windowSeconds: 300,
      groupLabel: text,
      reason: "window",
      entries: [
        { eventId: 1, name: "scan_added", title: text, urlUi: url, findings: [finding(1), finding(2, "Critical"), finding(3, "High")] },
        { eventId: 2, name: "engagement_added", title: text, urlUi: url, findings: [] },
      ],
    },
  });
}

/** Every case as one event and inside a digest, with the heading and the title (from the trimmed text) each shows. */
const SHAPED_CASES = [
  { shape: "an event", build: hostileEvent, heading: "Scan Added", titled: (text: string) => text },
  {
    shape: "a digest",
    build: hostileDigest,
    heading: "DefectDojo digest",
    titled: (text: string) => `2 notifications for ${text} in the last 5 minutes`,
  },
].flatMap((shape) => CASES.map((testCase) => ({ ...testCase, ...shape })));

/**
 * A link the bridge may put in a message: an http(s) URL in its normal form (so spaces, quotes and
 * angle brackets are percent-encoded), without the character that would end it in the channel's markup.
 */
function expectSafeLink(link: string, terminators: RegExp) {
  const parsed = new URL(link);
  expect(["http:", "https:"]).toContain(parsed.protocol);
  expect(parsed.href).toBe(link);
  expect(link).not.toMatch(/[\s"<>]/);
  expect(link).not.toMatch(terminators);
}

const settings: ChannelSettings = { slackToken: SLACK_PEER_TOKEN, slackUsername: "DefectDojo", msteamsUrl: null };
const nl = (text: string) => text.replace(/\r\n?/g, "\n");

describe("injection corpus through every channel", () => {
  let slackPeer: SlackPeer;
  let teamsPeer: TeamsPeer;
  let smtpPeer: SmtpPeer;
  let slack: NotificationChannel;
  let teams: NotificationChannel;
  let mail: NotificationChannel;

  beforeAll(async () => {
    [slackPeer, teamsPeer, smtpPeer] = await Promise.all([startSlackPeer(), startTeamsPeer(), startSmtpPeer()]);
    slack = createSlackChannel({ slackApiUrl: slackPeer.url, dojoUrl: DOJO_URL });
    teams = createMsteamsChannel({
      dojoUrl: DOJO_URL,
      personalAllowlist: parseWebhookAllowlist(DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST),
      systemAllowlist: parseWebhookAllowlist(`${new URL(teamsPeer.url).origin}/`),
    });
    mail = createMailChannel({ smtpUrl: smtpPeer.url, mailFrom: "Dojo Relay <relay@example.com>", dojoUrl: DOJO_URL });
  });
  afterAll(async () => {
    await mail.close?.();
    await Promise.all([slackPeer.close(), teamsPeer.close(), smtpPeer.close()]);
  });

  it("has a corpus of every kind of hostile text", () => {
    expect(CASES).toHaveLength(25);
    expect(CASES.filter((c) => c.text.length >= 50_000)).toHaveLength(4);
  });

  describe("Slack", () => {
    /** Slack's mrkdwn back to what a reader sees; fails on any `<…>` that is not the bridge's own link. */
    function inert(mrkdwn: string): string {
      expect(mrkdwn).not.toMatch(/&(?!amp;|lt;|gt;)/); // every & is one of Slack's three escapes
      const seen = mrkdwn.replace(/<([^<>|]*)\|([^<>]*)>/g, (_all, link: string, label: string) => {
        expectSafeLink(link.replace(/&amp;/g, "&"), /\|/);
        return label;
      });
      expect(seen).not.toMatch(/[<>]/); // no mention, channel, date or link token from the input
      return seen.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    }

    it.each(SHAPED_CASES)("$name in $shape arrives inert and within Block Kit limits", async ({ text, url, build, heading, titled }) => {
      const before = slackPeer.calls.length;
      await slack.send({ event: build(text, url), target: "#security", settings });
      expect(slackPeer.calls).toHaveLength(before + 1);
      const { args } = slackPeer.calls[before];
      // No automatic parsing of names in the fallback text (chat.postMessage: parse "none", no link_names).
      expect(args.link_names).toBeUndefined();
      expect(args.parse).toBeUndefined();

      const fallback = String(args.text);
      expect(fallback.length).toBeLessThanOrEqual(40_000);
      const blocks = args.blocks as Array<Record<string, any>>;
      expect(blocks.length).toBeLessThanOrEqual(50);
      const mrkdwn: string[] = [];
      for (const block of blocks) {
        if (block.type === "section") {
          // verbatim: Slack leaves plain text alone (no automatic mentions or channel links).
          for (const object of [...(block.text ? [block.text] : []), ...(block.fields ?? [])]) {
            expect(object).toMatchObject({ type: "mrkdwn", verbatim: true });
            mrkdwn.push(object.text);
          }
          expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
          expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
          for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
        } else if (block.type === "context") {
          mrkdwn.push(...block.elements.map((element: { text: string }) => element.text));
        } else if (block.type === "actions") {
          for (const button of block.elements) expectSafeLink(button.url, /$^/); // a JSON field, not mrkdwn
        } else {
          expect(block).toEqual({ type: "header", text: { type: "plain_text", text: heading } });
        }
      }
      const seen = [fallback, ...mrkdwn].map(inert);

      // Escaped, not dropped: the title reads as typed, or cut with "…".
      const title = text.trim();
      if (title.length <= SHORT) expect(seen[0]).toContain(`${heading}: ${titled(title)}`);
      else expect(seen.join("\n")).toMatch(/…/);
    });
  });

  describe("Microsoft Teams", () => {
    /** Adaptive Card markdown back to what a reader sees; fails on any live markup not the bridge's own. */
    function inert(markdown: string): string {
      // Escaped pairs stand for their character; what is left must hold no markup of the input.
      const bare = markdown.replace(/\\([\s\S])/g, (_all, char: string) => (char === "\\" ? "\u0001" : `\u0002${char.charCodeAt(0)}\u0003`));
      const unwrapped = bare
        .replace(/^\*\*([^*]*)\*\* /, "$1 ") // a finding row's bold severity
        .replace(/\[([^[\]]*)\]\(([^()]*)\)$/, (_all, label: string, link: string) => {
          expectSafeLink(link, /[()]/);
          return label;
        });
      expect(unwrapped).not.toMatch(/[*_[\]]/);
      expect(unwrapped).not.toMatch(/^\s*([-+]|\d+[.)])\s/m);
      return unwrapped.replace(/\u0001/g, "\\").replace(/\u0002(\d+)\u0003/g, (_all, code: string) => String.fromCharCode(Number(code)));
    }

    it.each(SHAPED_CASES)("$name in $shape arrives inert, as valid JSON within the size budget", async ({ text, url, build, titled }) => {
      const before = teamsPeer.requests.length;
      await teams.send({ event: build(text, url), target: "system Teams webhook", settings: { ...settings, msteamsUrl: teamsPeer.url } });
      expect(teamsPeer.requests).toHaveLength(before + 1);
      const { raw, body } = teamsPeer.requests[before];
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(TEAMS_ENVELOPE_MAX_BYTES);
      expect(body).toEqual(JSON.parse(raw));
      const card = (body as { attachments: Array<{ content: { body: Array<Record<string, any>>; actions: Array<Record<string, any>> } }> }).attachments[0].content;

      const seen: string[] = [];
      for (const element of card.body) {
        if (element.type === "TextBlock") seen.push(inert(element.text));
        else if (element.type === "FactSet") for (const fact of element.facts) seen.push(inert(fact.value));
        else throw new Error(`unexpected card element ${element.type}`);
      }
      for (const action of card.actions) {
        expect(action.type).toBe("Action.OpenUrl");
        expectSafeLink(action.url, /$^/);
      }
      const title = text.trim();
      if (title.length <= SHORT) expect(seen[2]).toBe(titled(title));
      else expect(seen.join("\n")).toMatch(/…/);
    });
  });

  describe("mail", () => {
    const TEMPLATE_TAGS = new Set(["!DOCTYPE", "html", "body", "p", "h2", "a", "table", "tr", "th", "td", "ul", "li", "strong", "br"]);
    const HEADERS = ["content-type", "date", "from", "message-id", "mime-version", "subject", "to"];

    it.each(SHAPED_CASES)("$name in $shape arrives as text: one-line subject, no injected header, no live HTML", async ({ text, url, build, titled }) => {
      const before = smtpPeer.messages.length;
      await mail.send({ event: build(text, url), target: "secops@example.com", settings });
      const message = (await smtpPeer.waitForMessages(before + 1))[before];

      expect(message.envelopeTo).toEqual(["secops@example.com"]);
      expect(message.to).toEqual(["secops@example.com"]);
      expect([...message.headers.keys()].sort()).toEqual(HEADERS);
      const header = message.raw.slice(0, message.raw.indexOf("\r\n\r\n"));
      expect(header).not.toMatch(/^(bcc|cc|to: attacker|x-injected)/im);
      expect(message.subject).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
      expect(Array.from(message.subject).length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);

      // Every tag and attribute in the HTML part is the template's own.
      for (const [, name, attributes] of message.html.matchAll(/<\/?([!\w]+)([^>]*)>/g)) {
        expect(TEMPLATE_TAGS).toContain(name);
        expect(attributes).toMatch(/^(\s+(href|style|align)="[^"<>]*")*( html)?$/);
        const href = /href="([^"]*)"/.exec(attributes)?.[1];
        if (href) expectSafeLink(decodeHtml(href), /$^/);
      }
      expect(message.html).not.toMatch(/<(script|img|svg|b)\b/i);

      const title = nl(titled(text.trim()));
      if (title.length <= SHORT) {
        // Control characters become spaces; header folding may merge runs of spaces.
        const words = (subject: string) => subject.replace(/[\p{Cc}\u2028\u2029\s]+/gu, " ");
        expect(words(message.subject)).toBe(words(`DefectDojo notification: ${titled(text.trim())}`));
        expect(nl(message.text)).toContain(title); // the text part shows it as typed
        const heading = /<h2[^>]*>(?:<a [^>]*>)?([\s\S]*?)(?:<\/a>)?<\/h2>/.exec(message.html)?.[1] ?? "";
        expect(decodeHtml(heading)).toBe(title);
      } else {
        expect(message.subject).toMatch(/…$/);
      }
    });
  });
});

function decodeHtml(html: string): string {
  return html
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
