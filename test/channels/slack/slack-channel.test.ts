import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { ChannelSettings, NotificationChannel } from "../../../src/channels/channel";
import { Channel } from "../../../src/vocabulary/channel";
import { LINK_ONLY_TITLE } from "../../../src/channels/message-content";
import { createSlackChannel } from "../../../src/channels/slack/slack-channel";
import {
  escapeSlack,
  SLACK_BLOCKS_MAX,
  SLACK_FIELD_TEXT_MAX,
  SLACK_HEADER_TEXT_MAX,
  SLACK_SECTION_TEXT_MAX,
  SLACK_TEXT_MAX,
} from "../../../src/channels/slack/slack-message";
import { DeliveryError } from "../../../src/channels/delivery-error";
import { eventHeading } from "../../../src/events/notification-event";
import { parseWebhookPayload } from "../../../src/events/webhook-payload";
import { SLACK_PEER_TOKEN, SlackCall, SlackPeer, startSlackPeer } from "../../peers/slack-peer";
import { BIG_DIGEST_LINES, bigDigest, digestEntry, digestEvent, findingRef, fixtureDigest } from "../../support/digest-events";
import { allWebhookFixtures, DojoVersion, eventNameOf, repairedDoubledUrl, webhookFixture } from "../../support/fixtures";
import { leakedTexts, privateTexts, stringsIn } from "../../support/private-texts";

const DOJO_URL = "https://dojo.example.com";
const INJECTION = "<!channel> <!here> <@U123> <http://evil.example|click>";

const event = (fixture: string, version: DojoVersion = "2.x", changes: Record<string, unknown> = {}) =>
  parseWebhookPayload(eventNameOf(fixture), "http://localhost:8080", { ...webhookFixture(fixture, version), ...changes });

const settings = (changes: Partial<ChannelSettings> = {}): ChannelSettings => ({
  slackToken: SLACK_PEER_TOKEN,
  slackUsername: "DefectDojo",
  msteamsUrl: null,
  ...changes,
});

/** Every string in the blocks a call carried. */
function blockTexts(call: SlackCall): string[] {
  const texts: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") texts.push(value);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(call.args.blocks);
  return texts;
}

async function failure(send: Promise<void>): Promise<DeliveryError> {
  const error = await send.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}

describe("Slack channel", () => {
  let peer: SlackPeer;
  let slack: NotificationChannel;

  beforeEach(async () => {
    peer = await startSlackPeer();
    slack = createSlackChannel({ slackApiUrl: peer.url, dojoUrl: DOJO_URL, timeoutMs: 2000 });
  });
  afterEach(() => peer.close());

  it("has the SLACK id", () => {
    expect(slack.id).toBe(Channel.SLACK);
  });

  it.each(allWebhookFixtures())("posts DefectDojo %s %s to the channel", async (version, fixture, body) => {
    await slack.send({ event: event(fixture, version), target: "#security", settings: settings() });

    const [call] = peer.calls;
    expect(peer.calls).toHaveLength(1);
    expect(call).toMatchObject({ method: "chat.postMessage", token: SLACK_PEER_TOKEN });
    expect(call.args).toMatchObject({ channel: "#security", username: "DefectDojo" });
    expect(call.args.link_names).toBeUndefined();
    const heading = eventHeading(eventNameOf(fixture));
    const title = String(body.title).trim() || heading;
    expect(call.args.text).toContain(`${heading}: ${title}`);
    const blocks = call.args.blocks as Array<Record<string, any>>;
    expect(blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: heading } });
    const link = typeof body.url_ui === "string" ? repairedDoubledUrl(body.url_ui) : `${DOJO_URL}/`;
    expect(blocks[1].text.text).toContain(`*<${link}|${title}>*`);
    expect(blocks.at(-1)).toEqual({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "View in DefectDojo" }, url: link }],
    });
  });

  it("shows the objects and counts of a scan as fields and its findings most severe first", async () => {
    await slack.send({ event: event("scan_added", "3.x"), target: "C0123", settings: settings({ slackUsername: "" }) });

    const { args } = peer.calls[0];
    expect(args.username).toBeUndefined();
    const blocks = args.blocks as Array<Record<string, any>>;
    const fields = blocks[2].fields.map((field: { text: string }) => field.text);
    expect(fields).toEqual([
      "*Product Type*\nnotif prod type",
      "*Product*\nnotif prod",
      "*Engagement*\nnotif eng",
      "*Test*\nnotif test",
      "*New findings*\n1",
      "*Reactivated findings*\n1",
      "*Mitigated findings*\n1",
      "*Untouched findings*\n1",
    ]);
    expect(blocks[3].text.text).toBe(
      "• *Critical* <http://localhost:8080/finding/232|New Finding>\n• *Low* <http://localhost:8080/finding/234|Reactivated Finding>",
    );
  });

  it("delivers mentions and links from scanner text inert, in the text and in every block", async () => {
    const hostile = event("scan_added", "3.x", {
      title: `Scan ${INJECTION}`,
      description: `Look: ${INJECTION} & more`,
      product: { id: 4, name: INJECTION, url_ui: null },
      findings: { new: [{ id: 1, title: `${INJECTION} a|b>c`, severity: "High", url_ui: "http://localhost:8080/finding/1" }] },
    });
    await slack.send({ event: hostile, target: "#security", settings: settings() });

    const call = peer.calls[0];
    for (const text of [String(call.args.text), ...blockTexts(call)]) {
      expect(text).not.toMatch(/<[!@]/);
      expect(text).not.toContain("<http://evil");
    }
    const all = JSON.stringify(call.args);
    expect(all).toContain("&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;http://evil.example|click&gt;");
    expect(all).toContain("&amp; more");
    expect(all).toContain("<http://localhost:8080/finding/1|&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;http://evil.example|click&gt; a|b&gt;c>");
  });

  it("keeps a URL from breaking out of its <url|label>", async () => {
    const tricky = event("finding_added", "2.x", { url_ui: "http://localhost:8080/finding/1|<!channel>?a=1&b=<x> y" });
    await slack.send({ event: tricky, target: "#security", settings: settings() });

    const section = (peer.calls[0].args.blocks as Array<Record<string, any>>)[1].text.text as string;
    expect(section).toContain("*<http://localhost:8080/finding/1%7C%3C!channel%3E?a=1&amp;b=%3Cx%3E%20y|Addition of New Finding>*");
  });

  it("stays within Slack's limits for a scan with thousands of findings and a huge description", async () => {
    const findings = Array.from({ length: 5000 }, (_, i) => ({
      id: i,
      title: `Finding ${i} ${"<&>".repeat(100)}`,
      severity: ["Critical", "High", "Medium", "Low", "Info"][i % 5],
      url_ui: `http://localhost:8080/finding/${i}`,
    }));
    const big = event("scan_added", "3.x", {
      title: "T".repeat(5000),
      description: "<&>".repeat(20_000),
      findings: { new: findings.slice(0, 4000), reactivated: findings.slice(4000) },
    });
    await slack.send({ event: big, target: "#security", settings: settings() });

    const { args } = peer.calls[0];
    const blocks = args.blocks as Array<Record<string, any>>;
    expect(String(args.text).length).toBeLessThanOrEqual(SLACK_TEXT_MAX);
    expect(String(args.text)).toContain("…");
    expect(blocks.length).toBeLessThanOrEqual(SLACK_BLOCKS_MAX);
    expect(blocks[0].text.text.length).toBeLessThanOrEqual(SLACK_HEADER_TEXT_MAX);
    for (const block of blocks.filter((b) => b.type === "section")) {
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_FIELD_TEXT_MAX);
    }
    expect(blocks[1].text.text).toMatch(/…$/);
    const listed = blocks.flatMap((b) => (b.type === "section" && b.text?.text.startsWith("• ") ? b.text.text.split("\n") : []));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((line: string) => line.startsWith("• *Critical*"))).toBe(true);
    expect(JSON.stringify(blocks)).toContain(`…and ${5000 - listed.length} more findings in DefectDojo`);
  });

  describe("digests", () => {
    /** The blocks of the first call, after checking every Block Kit limit. */
    function withinLimits(call: SlackCall): Array<Record<string, any>> {
      const blocks = call.args.blocks as Array<Record<string, any>>;
      expect(String(call.args.text).length).toBeLessThanOrEqual(SLACK_TEXT_MAX);
      expect(blocks.length).toBeLessThanOrEqual(SLACK_BLOCKS_MAX);
      expect(blocks[0].text.text.length).toBeLessThanOrEqual(SLACK_HEADER_TEXT_MAX);
      for (const block of blocks.filter((b) => b.type === "section")) {
        if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
        for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_FIELD_TEXT_MAX);
      }
      return blocks;
    }
    const listedLines = (blocks: Array<Record<string, any>>): string[] =>
      blocks.flatMap((b) => (b.type === "section" && b.text?.text.startsWith("• ") ? b.text.text.split("\n") : []));

    it("shows the counts as fields, the findings most severe first, then the events without findings", async () => {
      const digest = digestEvent([
        digestEntry(1, "scan_added", [findingRef(11, "Low"), findingRef(12, "Critical")]),
        digestEntry(2, "engagement_added", [], "Engagement <!here>"),
      ]);
      await slack.send({ event: digest, target: "#security", settings: settings() });

      const { args } = peer.calls[0];
      expect(args.text).toBe("DefectDojo digest: 2 notifications for notif prod in the last 5 minutes");
      const blocks = args.blocks as Array<Record<string, any>>;
      expect(blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "DefectDojo digest" } });
      expect(blocks[1].text.text).toBe("*<http://localhost:8080/product/4|2 notifications for notif prod in the last 5 minutes>*");
      expect(blocks[2].fields.map((field: { text: string }) => field.text)).toEqual([
        "*Critical findings*\n1",
        "*Low findings*\n1",
        "*Scan Added*\n1",
        "*Engagement Added*\n1",
      ]);
      expect(blocks[3].text.text).toBe(
        "• *Critical* <http://localhost:8080/finding/12|Finding 12>\n" +
          "• *Low* <http://localhost:8080/finding/11|Finding 11>\n" +
          "• *Engagement Added* <http://localhost:8080/event/2|Engagement &lt;!here&gt;>",
      );
      expect(blocks.at(-1)?.elements[0].url).toBe("http://localhost:8080/product/4");
    });

    it("fits a digest of 1,000 findings and 50 events in one message, counting what it leaves out", async () => {
      await slack.send({ event: bigDigest(), target: "#security", settings: settings() });

      expect(peer.calls).toHaveLength(1);
      const blocks = withinLimits(peer.calls[0]);
      const listed = listedLines(blocks);
      expect(listed).toHaveLength(200); // DIGEST_LISTED_MAX: Slack has room for all of them
      expect(listed.every((line) => line.startsWith("• *Critical* <http://localhost:8080/finding/"))).toBe(true);
      expect(blocks.at(-2)).toEqual({ type: "context", elements: [{ type: "mrkdwn", text: `…and ${BIG_DIGEST_LINES - 200} more in DefectDojo` }] });
      for (const text of [String(peer.calls[0].args.text), ...blockTexts(peer.calls[0])]) expect(text).not.toMatch(/<[!@]|<tag>/);
    });

    it("cuts at 50 blocks when the lines are heavier than its sections can carry", async () => {
      await slack.send({ event: bigDigest((label) => `${label} ${"<&>".repeat(300)}`), target: "#security", settings: settings() });

      const blocks = withinLimits(peer.calls[0]);
      expect(blocks).toHaveLength(SLACK_BLOCKS_MAX);
      const listed = listedLines(blocks);
      expect(listed.length).toBeGreaterThan(40);
      expect(listed.length).toBeLessThan(200);
      expect(JSON.stringify(blocks)).toContain(`…and ${BIG_DIGEST_LINES - listed.length} more in DefectDojo`);
    });
  });

  describe("link-only mode", () => {
    it.each(allWebhookFixtures())("shows nothing of DefectDojo %s %s but what happened, counts and a link", async (version, fixture, body) => {
      await slack.send({ event: event(fixture, version), target: "#security", settings: settings(), linkOnly: true });

      const { args } = peer.calls[0];
      expect(leakedTexts(stringsIn(args), privateTexts(body), escapeSlack)).toEqual([]);
      expect(args.text).toBe(`${eventHeading(eventNameOf(fixture))}: ${LINK_ONLY_TITLE}`);
      const link = typeof body.url_ui === "string" ? repairedDoubledUrl(body.url_ui) : `${DOJO_URL}/`;
      expect((args.blocks as Array<Record<string, any>>)[1].text.text).toBe(`*<${link}|${LINK_ONLY_TITLE}>*`);
    });

    it("shows a digest of every fixture as events with counts, naming nothing", async () => {
      await slack.send({ event: fixtureDigest(), target: "#security", settings: settings(), linkOnly: true });

      const { args } = peer.calls[0];
      const secrets = allWebhookFixtures().flatMap(([, , body]) => privateTexts(body));
      expect(leakedTexts(stringsIn(args), secrets, escapeSlack)).toEqual([]);
      expect(JSON.stringify(args)).toContain("• *Scan Added* <http://localhost:8080/test/90|1 Critical, 1 Low>");
    });
  });

  it("uses a new client when the token changes", async () => {
    const other = "xoxb-other-token";
    await peer.close();
    peer = await startSlackPeer({ tokens: [SLACK_PEER_TOKEN, other] });
    slack = createSlackChannel({ slackApiUrl: peer.url, dojoUrl: null });
    await slack.send({ event: event("ping"), target: "#a", settings: settings() });
    await slack.send({ event: event("ping"), target: "#a", settings: settings({ slackToken: other }) });
    expect(peer.calls.map((call) => call.token)).toEqual([SLACK_PEER_TOKEN, other]);
  });

  describe("says whether a failure is worth a retry", () => {
    const send = (changes: Partial<ChannelSettings> = {}, target = "#security") =>
      failure(slack.send({ event: event("product_added"), target, settings: settings(changes) }));

    it("HTTP 500: retryable server error", async () => {
      peer.failNext([{ status: 500 }]);
      expect(await send()).toMatchObject({ kind: "server_error", retryable: true });
    });

    it("HTTP 429 with Retry-After: retryable, not before the wait", async () => {
      peer.failNext([{ status: 429, retryAfter: 7 }]);
      expect(await send()).toMatchObject({ kind: "rate_limited", retryable: true, retryAfterMs: 7000 });
      expect(peer.calls).toHaveLength(1);
    });

    it.each(["ratelimited", "service_unavailable", "internal_error", "fatal_error", "request_timeout"])(
      "ok:false %s: retryable",
      async (code) => {
        peer.failNext([{ body: { ok: false, error: code } }]);
        expect(await send()).toMatchObject({ retryable: true, message: expect.stringContaining(code) });
      },
    );

    it.each(["channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "invalid_blocks"])(
      "ok:false %s: permanent client error naming the code",
      async (code) => {
        peer.failNext([{ body: { ok: false, error: code } }]);
        expect(await send()).toMatchObject({ kind: "client_error", retryable: false, message: expect.stringContaining(code) });
      },
    );

    it("an unknown token: permanent auth error", async () => {
      expect(await send({ slackToken: "xoxb-revoked" })).toMatchObject({
        kind: "auth_error",
        retryable: false,
        message: expect.stringContaining("invalid_auth"),
      });
    });

    it.each(["token_revoked", "missing_scope", "account_inactive"])("ok:false %s: permanent auth error", async (code) => {
      peer.failNext([{ body: { ok: false, error: code } }]);
      expect(await send()).toMatchObject({ kind: "auth_error", retryable: false });
    });

    it("no token or no channel: not configured, nothing sent", async () => {
      expect(await send({ slackToken: null })).toMatchObject({ kind: "not_configured", retryable: false });
      expect(await send({}, "  ")).toMatchObject({ kind: "not_configured", retryable: false });
      expect(peer.calls).toHaveLength(0);
    });

    it("no answer in time: retryable timeout", async () => {
      slack = createSlackChannel({ slackApiUrl: peer.url, dojoUrl: null, timeoutMs: 100 });
      peer.failNext([{ delayMs: 1000 }]);
      expect(await send()).toMatchObject({ kind: "timeout", retryable: true });
    });

    it("nobody listening: retryable network error", async () => {
      slack = createSlackChannel({ slackApiUrl: await closedUrl(), dojoUrl: null });
      expect(await send()).toMatchObject({ kind: "network_error", retryable: true });
    });
  });

  it("never puts the token in an error message", async () => {
    const token = SLACK_PEER_TOKEN;
    const messages: string[] = [];
    const attempt = async () => {
      const error = await failure(slack.send({ event: event("product_added"), target: "#s", settings: settings() }));
      messages.push(error.message);
    };
    peer.failNext([
      { status: 500, body: { ok: false, error: `boom ${token}` } },
      { status: 429, retryAfter: 1 },
      { body: { ok: false, error: `channel_not_found ${token}` } },
      { body: { ok: false, error: `ratelimited ${token}` } },
      { status: 403 },
    ]);
    for (let i = 0; i < 5; i++) await attempt();
    messages.push((await failure(slack.send({ event: event("ping"), target: "#s", settings: settings({ slackToken: `${token}-x` }) }))).message);
    slack = createSlackChannel({ slackApiUrl: await closedUrl(), dojoUrl: null });
    await attempt();

    expect(messages).toHaveLength(7);
    for (const message of messages) expect(message).not.toContain(token);
    expect(messages[2]).toContain("<secret>");
  });

  describe("personal messages", () => {
    const dm = (email: string) =>
      slack.send({ event: event("product_added"), target: email, settings: settings(), recipient: { userId: 2, msteamsUrl: null } });

    it("finds the user by their Slack e-mail, DMs them, and reuses the id", async () => {
      peer.users.set("alice@example.com", "U0ALICE");
      await dm("alice@example.com");
      await dm("Alice@Example.com");
      expect(peer.callsOf("users.lookupByEmail")).toHaveLength(1);
      expect(peer.callsOf("users.lookupByEmail")[0].args.email).toBe("alice@example.com");
      expect(peer.callsOf("chat.postMessage").map((call) => call.args.channel)).toEqual(["U0ALICE", "U0ALICE"]);
    });

    it("keeps a bounded number of user ids: the least recently used one is looked up again", async () => {
      slack = createSlackChannel({ slackApiUrl: peer.url, dojoUrl: null, userCacheMax: 2 });
      for (const name of ["alice", "bob", "carol"]) peer.users.set(`${name}@example.com`, `U0${name.toUpperCase()}`);
      for (const name of ["alice", "bob", "carol", "alice"]) await dm(`${name}@example.com`);
      expect(peer.callsOf("users.lookupByEmail").map((call) => call.args.email)).toEqual([
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "alice@example.com",
      ]);
    });

    it("does not keep a failed lookup: the next message asks Slack again", async () => {
      peer.users.set("alice@example.com", "U0ALICE");
      peer.failNext([{ status: 500, body: { ok: false, error: "internal_error" } }]);
      expect(await failure(dm("alice@example.com"))).toMatchObject({ retryable: true });
      await dm("alice@example.com");
      expect(peer.callsOf("users.lookupByEmail")).toHaveLength(2);
      expect(peer.callsOf("chat.postMessage").map((call) => call.args.channel)).toEqual(["U0ALICE"]);
    });

    it("messages to one person at once share one lookup", async () => {
      peer.users.set("alice@example.com", "U0ALICE");
      peer.delayAnswers(100);
      await Promise.all([dm("alice@example.com"), dm("ALICE@example.com"), dm("alice@example.com")]);
      peer.delayAnswers(0);
      expect(peer.callsOf("users.lookupByEmail")).toHaveLength(1);
      expect(peer.callsOf("chat.postMessage")).toHaveLength(3);
    });

    it("fails permanently, with the reason, when no Slack account has the address", async () => {
      const error = await failure(dm("nobody@example.com"));
      expect(error).toMatchObject({ kind: "client_error", retryable: false });
      expect(error.message).toMatch(/nobody@example\.com.*users_not_found/);
      expect(peer.callsOf("chat.postMessage")).toHaveLength(0);
    });

    it("says so when the user has no Slack e-mail", async () => {
      expect(await failure(dm(""))).toMatchObject({ kind: "not_configured", message: "this user has no Slack e-mail address" });
    });
  });
});

/** A URL on which nothing listens any more. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/api/`;
}
