import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { ChannelSettings, NotificationChannel } from "../../../src/channels/channel";
import { Channel } from "../../../src/vocabulary/channel";
import { describeEvent, LINK_ONLY_TITLE, MessageContent } from "../../../src/channels/message-content";
import { escapeMarkdown, renderTeamsMessage, TEAMS_ENVELOPE_MAX_BYTES } from "../../../src/channels/msteams/adaptive-card";
import { createMsteamsChannel } from "../../../src/channels/msteams/msteams-channel";
import { DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST, parseWebhookAllowlist } from "../../../src/channels/msteams/webhook-allowlist";
import { DeliveryError } from "../../../src/channels/delivery-error";
import { eventHeading } from "../../../src/events/notification-event";
import { parseWebhookPayload } from "../../../src/events/webhook-payload";
import { startTeamsPeer, TeamsPeer } from "../../peers/teams-peer";
import { BIG_DIGEST_LINES, bigDigest, digestEntry, digestEvent, findingRef, fixtureDigest } from "../../support/digest-events";
import { allWebhookFixtures, DojoVersion, eventNameOf, repairedDoubledUrl, webhookFixture } from "../../support/fixtures";
import { leakedTexts, privateTexts, stringsIn } from "../../support/private-texts";

const DOJO_URL = "https://dojo.example.com";
/** Microsoft's hosts only: personal URLs at the local peer are refused unless a test allows them. */
const SYSTEM_ONLY = parseWebhookAllowlist(DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST);
const LABEL = "system Teams webhook";
/** SYSTEM_WEBHOOK_ALLOWLIST naming the hosts (and ports) of these URLs: the stand-ins listen on 127.0.0.1. */
const exempting = (...urls: string[]) => parseWebhookAllowlist(urls.map((url) => `${new URL(url).origin}/`).join(","));

const event = (fixture: string, version: DojoVersion = "2.x", changes: Record<string, unknown> = {}) =>
  parseWebhookPayload(eventNameOf(fixture), "http://localhost:8080", { ...webhookFixture(fixture, version), ...changes });

interface Card {
  body: Array<Record<string, any>>;
  actions: Array<Record<string, any>>;
  [key: string]: unknown;
}

/** The Adaptive Card of a recorded request, after checking the envelope around it. */
function cardOf(body: unknown): Card {
  expect(body).toMatchObject({
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null }],
  });
  const card = (body as { attachments: Array<{ content: Card }> }).attachments[0].content;
  expect(card).toMatchObject({
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
  });
  return card;
}

const texts = (card: Card): string[] => card.body.filter((e) => e.type === "TextBlock").map((e) => e.text as string);

async function failure(send: Promise<void>): Promise<DeliveryError> {
  const error = await send.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}

describe("Microsoft Teams channel", () => {
  let peer: TeamsPeer;
  let teams: NotificationChannel;
  let settings: ChannelSettings;

  beforeEach(async () => {
    peer = await startTeamsPeer();
    teams = createMsteamsChannel({ dojoUrl: DOJO_URL, timeoutMs: 2000, personalAllowlist: SYSTEM_ONLY, systemAllowlist: exempting(peer.url) });
    settings = { slackToken: null, slackUsername: "", msteamsUrl: peer.url };
  });
  afterEach(() => peer.close());

  const send = (fixture = "product_added", version: DojoVersion = "2.x", changes: Record<string, unknown> = {}) =>
    teams.send({ event: event(fixture, version, changes), target: LABEL, settings });

  it("has the MSTEAMS id", () => {
    expect(teams.id).toBe(Channel.MSTEAMS);
  });

  it.each(allWebhookFixtures())("posts DefectDojo %s %s as an Adaptive Card", async (version, fixture, body) => {
    await send(fixture, version);

    expect(peer.requests).toHaveLength(1);
    const [request] = peer.requests;
    expect(request.headers["content-type"]).toBe("application/json");
    const card = cardOf(request.body);
    const heading = eventHeading(eventNameOf(fixture));
    const link = typeof body.url_ui === "string" ? repairedDoubledUrl(body.url_ui) : `${DOJO_URL}/`;
    const title = (String(body.title).trim() || heading).replace(/[\\*_[\]]/g, "\\$&");
    expect(card.body.slice(1, 3)).toMatchObject([
      { type: "TextBlock", text: heading, wrap: true },
      { type: "TextBlock", text: `[${title}](${link})`, wrap: true },
    ]);
    expect(card.body.every((element) => element.type !== "TextBlock" || element.wrap === true)).toBe(true);
    expect(card.actions).toEqual([{ type: "Action.OpenUrl", title: "View in DefectDojo", url: link }]);
  });

  it("shows a scan's objects and counts as facts and its findings most severe first", async () => {
    await send("scan_added", "3.x");

    const card = cardOf(peer.requests[0].body);
    const factSet = card.body.find((e) => e.type === "FactSet");
    expect(factSet?.facts).toEqual([
      { title: "Product Type", value: "notif prod type" },
      { title: "Product", value: "notif prod" },
      { title: "Engagement", value: "notif eng" },
      { title: "Test", value: "notif test" },
      { title: "New findings", value: "1" },
      { title: "Reactivated findings", value: "1" },
      { title: "Mitigated findings", value: "1" },
      { title: "Untouched findings", value: "1" },
    ]);
    expect(texts(card).slice(-2)).toEqual([
      "**Critical** [New Finding](http://localhost:8080/finding/232)",
      "**Low** [Reactivated Finding](http://localhost:8080/finding/234)",
    ]);
  });

  it("delivers markdown from scanner text literally", async () => {
    const hostile = "[click](http://evil.example) **bold** _it_";
    await send("scan_added", "3.x", {
      title: hostile,
      description: `${hostile}\n- item\n1. first`,
      product: { id: 4, name: hostile, url_ui: null },
      findings: { new: [{ id: 1, title: hostile, severity: "High", url_ui: "http://localhost:8080/finding/(1)" }] },
    });

    const card = cardOf(peer.requests[0].body);
    const escaped = "\\[click\\](http://evil.example) \\*\\*bold\\*\\* \\_it\\_";
    expect(texts(card)).toEqual(
      expect.arrayContaining([
        `[${escaped}](http://localhost:8080/test/90)`,
        `${escaped}\n\\- item\n1\\. first`,
        `**High** [${escaped}](http://localhost:8080/finding/%281%29)`,
      ]),
    );
    expect(card.body.find((e) => e.type === "FactSet")?.facts[1]).toEqual({ title: "Product", value: escaped });
    const facts = card.body.find((e) => e.type === "FactSet")?.facts.map((f: { value: string }) => f.value) ?? [];
    for (const text of [...texts(card), ...facts]) {
      expect(text).not.toContain("[click](");
      expect(text).not.toContain("**bold**");
      expect(text).not.toContain("_it_");
    }
  });

  it("drops finding rows to keep the envelope within budget", async () => {
    const findings = Array.from({ length: 4000 }, (_, i) => ({
      id: i,
      title: `Finding ${i} ${"*_[]".repeat(50)}`,
      severity: ["Critical", "High", "Medium", "Low", "Info"][i % 5],
      url_ui: `http://localhost:8080/finding/${i}?${"x".repeat(1500)}`,
    }));
    await send("scan_added", "3.x", { findings: { new: findings, reactivated: [] } });

    expect(Buffer.byteLength(peer.requests[0].raw)).toBeLessThanOrEqual(TEAMS_ENVELOPE_MAX_BYTES);
    const card = cardOf(peer.requests[0].body);
    const rows = texts(card).filter((text) => text.startsWith("**Critical**"));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(20);
    expect(texts(card).at(-1)).toBe(`…and ${4000 - rows.length} more findings in DefectDojo`);
  });

  it("then cuts the description to keep the envelope within budget", async () => {
    await send("review_requested", "3.x", { description: "ü*".repeat(30_000) });

    expect(Buffer.byteLength(peer.requests[0].raw)).toBeLessThanOrEqual(TEAMS_ENVELOPE_MAX_BYTES);
    const card = cardOf(peer.requests[0].body);
    const description = texts(card).find((text) => text.startsWith("ü"));
    expect(description?.length).toBeGreaterThan(1000);
    expect(description?.endsWith("…")).toBe(true);
    expect(texts(card)).toContain("…and 1 more finding in DefectDojo");
    expect(card.actions).toHaveLength(1);
  });

  describe("digests", () => {
    it("shows the counts as facts, the findings most severe first, then the events without findings", async () => {
      const digest = digestEvent([
        digestEntry(1, "scan_added", [findingRef(11, "Low"), findingRef(12, "Critical")]),
        digestEntry(2, "engagement_added", [], "Engagement **x**"),
      ]);
      await teams.send({ event: digest, target: LABEL, settings });

      const card = cardOf(peer.requests[0].body);
      expect(texts(card).slice(1)).toEqual([
        "DefectDojo digest",
        "[2 notifications for notif prod in the last 5 minutes](http://localhost:8080/product/4)",
        "**Critical** [Finding 12](http://localhost:8080/finding/12)",
        "**Low** [Finding 11](http://localhost:8080/finding/11)",
        "**Engagement Added** [Engagement \\*\\*x\\*\\*](http://localhost:8080/event/2)",
      ]);
      expect(card.body.find((e) => e.type === "FactSet")?.facts).toEqual([
        { title: "Critical findings", value: "1" },
        { title: "Low findings", value: "1" },
        { title: "Scan Added", value: "1" },
        { title: "Engagement Added", value: "1" },
      ]);
    });

    it("fits a digest of 1,000 findings and 50 events in one card within budget, counting what it leaves out", async () => {
      await teams.send({ event: bigDigest(), target: LABEL, settings });

      expect(peer.requests).toHaveLength(1);
      const { raw } = peer.requests[0];
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(TEAMS_ENVELOPE_MAX_BYTES);
      // Within one row of the budget: the bisection keeps every row that fits.
      expect(Buffer.byteLength(raw)).toBeGreaterThan(TEAMS_ENVELOPE_MAX_BYTES - 600);
      const card = cardOf(peer.requests[0].body);
      const rows = texts(card).filter((text) => text.startsWith("**Critical** [Finding "));
      expect(rows.length).toBeGreaterThan(20);
      expect(texts(card).at(-1)).toBe(`…and ${BIG_DIGEST_LINES - rows.length} more in DefectDojo`);
      expect(raw).not.toContain("[x](http");
      expect(raw).not.toContain("**b**");
    });

    it("finds how many rows fit by bisection, serialising the card a logarithmic number of times", () => {
      const content: MessageContent = {
        heading: "DefectDojo digest",
        title: "5000 lines",
        text: null,
        link: null,
        facts: [],
        findings: Array.from({ length: 5000 }, (_, i) => ({ severity: "High", title: `Finding ${i} ${"x".repeat(200)}`, link: null })),
        unlistedFindings: 7,
        listKind: "findings",
      };
      const stringify = jest.spyOn(JSON, "stringify");
      try {
        const body = renderTeamsMessage(content);
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_ENVELOPE_MAX_BYTES);
        expect(stringify.mock.calls.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(5000)));
        const rows = (JSON.parse(body).attachments[0].content.body as Array<{ text: string }>).filter((e) => e.text.startsWith("**High**"));
        expect(body).toContain(`…and ${5007 - rows.length} more findings in DefectDojo`);
      } finally {
        stringify.mockRestore();
      }
    });
  });

  describe("link-only mode", () => {
    it.each(allWebhookFixtures())("shows nothing of DefectDojo %s %s but what happened, counts and a link", async (version, fixture, body) => {
      await teams.send({ event: event(fixture, version), target: LABEL, settings, linkOnly: true });

      const { raw } = peer.requests[0];
      expect(leakedTexts([raw, ...stringsIn(JSON.parse(raw))], privateTexts(body), escapeMarkdown)).toEqual([]);
      const link = typeof body.url_ui === "string" ? repairedDoubledUrl(body.url_ui) : `${DOJO_URL}/`;
      const card = cardOf(peer.requests[0].body);
      expect(texts(card).slice(1, 3)).toEqual([eventHeading(eventNameOf(fixture)), `[${LINK_ONLY_TITLE}](${link})`]);
      expect(card.actions).toEqual([{ type: "Action.OpenUrl", title: "View in DefectDojo", url: link }]);
    });

    it("shows a digest of every fixture as events with counts, naming nothing", async () => {
      await teams.send({ event: fixtureDigest(), target: LABEL, settings, linkOnly: true });

      const { raw } = peer.requests[0];
      const secrets = allWebhookFixtures().flatMap(([, , body]) => privateTexts(body));
      expect(leakedTexts([raw, ...stringsIn(JSON.parse(raw))], secrets, escapeMarkdown)).toEqual([]);
      expect(texts(cardOf(peer.requests[0].body))).toContain("**Scan Added** [1 Critical, 1 Low](http://localhost:8080/test/90)");
      expect(describeEvent(fixtureDigest(), null, { linkOnly: true }).findings).toHaveLength(allWebhookFixtures().length);
    });
  });

  describe("says whether a failure is worth a retry", () => {
    it.each([200, 202])("HTTP %i: delivered", async (status) => {
      peer.respondNext([{ status, body: status === 200 ? "1" : "" }]);
      await expect(send()).resolves.toBeUndefined();
    });

    // Security review (issue 17): a body quoted in lastError would show what any address the URL points at answered.
    it("HTTP 400: permanent client error, the answer's body not quoted", async () => {
      peer.respondNext([{ status: 400, body: "bad card" }]);
      const error = await failure(send());
      expect(error).toMatchObject({ kind: "client_error", retryable: false, message: "HTTP 400 from Microsoft Teams" });
      peer.respondNext([{ status: 200, body: "internal secrets, throttled" }]);
      expect((await failure(send())).message).not.toContain("internal secrets");
    });

    it("HTTP 429 with Retry-After: retryable, not before the wait", async () => {
      peer.respondNext([{ status: 429, retryAfter: 7 }]);
      expect(await failure(send())).toMatchObject({ kind: "rate_limited", retryable: true, retryAfterMs: 7000 });
    });

    it("HTTP 503: retryable server error", async () => {
      peer.respondNext([{ status: 503 }]);
      expect(await failure(send())).toMatchObject({ kind: "server_error", retryable: true });
    });

    it("a legacy connector's 200 reporting throttling: retryable", async () => {
      peer.respondNext([{ status: 200, body: "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0" }]);
      expect(await failure(send())).toMatchObject({ kind: "rate_limited", retryable: true });
    });

    it("no URL or not an http(s) URL: not configured", async () => {
      settings.msteamsUrl = null;
      expect(await failure(send())).toMatchObject({ kind: "not_configured", retryable: false });
      settings.msteamsUrl = "file:///etc/passwd?sig=abc";
      expect(await failure(send())).toMatchObject({ kind: "not_configured", retryable: false });
      expect(peer.requests).toHaveLength(0);
    });

    it("no answer in time: retryable timeout", async () => {
      teams = createMsteamsChannel({ dojoUrl: null, timeoutMs: 100, personalAllowlist: SYSTEM_ONLY, systemAllowlist: exempting(peer.url) });
      peer.respondNext([{ status: 202, delayMs: 1000 }]);
      expect(await failure(send())).toMatchObject({ kind: "timeout", retryable: true });
    });

    it("connection refused: retryable network error", async () => {
      settings.msteamsUrl = await closedUrl(peer.sig);
      teams = createMsteamsChannel({ dojoUrl: DOJO_URL, timeoutMs: 2000, personalAllowlist: SYSTEM_ONLY, systemAllowlist: exempting(settings.msteamsUrl) });
      expect(await failure(send())).toMatchObject({ kind: "network_error", retryable: true });
    });
  });

  it("never puts the webhook URL or its signature in an error message", async () => {
    const messages: string[] = [];
    const attempt = async () => messages.push((await failure(send())).message);
    peer.respondNext([
      { status: 400, body: `rejected ${peer.url}` },
      { status: 401, body: `bad sig ${peer.sig}` },
      { status: 429, retryAfter: 1 },
      { status: 500, body: `oops ${peer.sig}` },
      { status: 200, body: `HTTP error 429 for ${peer.url}` },
    ]);
    for (let i = 0; i < 5; i++) await attempt();
    settings.msteamsUrl = await closedUrl(peer.sig);
    teams = createMsteamsChannel({ dojoUrl: DOJO_URL, timeoutMs: 2000, personalAllowlist: SYSTEM_ONLY, systemAllowlist: exempting(settings.msteamsUrl) });
    await attempt();
    settings.msteamsUrl = `https://[${peer.sig}`;
    await attempt();

    expect(messages).toHaveLength(7);
    for (const message of messages) {
      expect(message).not.toContain(peer.sig);
      expect(message).not.toContain("127.0.0.1");
    }
    for (const message of messages) expect(message).not.toMatch(/rejected|bad sig|oops/);
  });

  describe("system webhooks (settings and rules)", () => {
    const system = (msteamsUrl: string, exempt = parseWebhookAllowlist("")) =>
      createMsteamsChannel({ dojoUrl: DOJO_URL, timeoutMs: 2000, personalAllowlist: SYSTEM_ONLY, systemAllowlist: exempt }).send({
        event: event("product_added"),
        target: LABEL,
        settings: { ...settings, msteamsUrl },
      });

    // Security review (issue 17): a superuser's URL reached any address, private and link-local included.
    it("refuses an address that is not public, without sending, unless SYSTEM_WEBHOOK_ALLOWLIST names the host", async () => {
      const refused = await failure(system(peer.url));
      expect(refused).toMatchObject({ kind: "client_error", retryable: false });
      expect(refused.message).toMatch(/not a public address.*SYSTEM_WEBHOOK_ALLOWLIST/);
      expect(refused.message).not.toContain(peer.sig);
      expect(peer.requests).toHaveLength(0);

      await system(peer.url, exempting(peer.url));
      expect(peer.requests).toHaveLength(1);
    });

    it("refuses a host name that resolves to a private address, checked at send time", async () => {
      const byName = peer.url.replace("127.0.0.1", "localhost");
      const refused = await failure(system(byName));
      expect(refused).toMatchObject({ kind: "client_error", retryable: false });
      expect(refused.message).toMatch(/localhost resolves to .*, which is not a public address/);
      expect(peer.requests).toHaveLength(0);
      // Only a host written out is exempt: the IP address's entry does not let its name through.
      expect(await failure(system(byName, exempting(peer.url)))).toMatchObject({ kind: "client_error" });
      expect(peer.requests).toHaveLength(0);
    });

    // Security review (issue 17): the whole answer was read, however long it went on.
    it("reads an answer only up to a bound: an endless body does not hold the send", async () => {
      const endless = createServer((_req, res) => {
        res.writeHead(200, { "Content-Type": "text/plain" });
        const chunk = "x".repeat(16 * 1024);
        const timer = setInterval(() => res.write(chunk), 5);
        res.on("close", () => clearInterval(timer));
      });
      await new Promise<void>((resolve) => endless.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/workflows/x`;
      try {
        await expect(system(url, exempting(url))).resolves.toBeUndefined();
      } finally {
        endless.closeAllConnections();
        await new Promise((resolve) => endless.close(resolve));
      }
    });

    it.each(["http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/", "http://[fd00::1]:8080/hook", "http://0.0.0.0:9/"])(
      "refuses %s before connecting",
      async (url) => {
        expect(await failure(system(url))).toMatchObject({ kind: "client_error", retryable: false });
      },
    );
  });

  describe("personal webhooks", () => {
    const personal = (msteamsUrl: string | null, allowlist = SYSTEM_ONLY) =>
      createMsteamsChannel({ dojoUrl: DOJO_URL, timeoutMs: 2000, personalAllowlist: allowlist, systemAllowlist: exempting(peer.url) }).send({
        event: event("product_added"),
        target: "personal Teams webhook of alice",
        settings: { ...settings, msteamsUrl: "http://127.0.0.1:1/system-url-must-not-be-used" },
        recipient: { userId: 2, msteamsUrl },
      });

    it("posts to the user's own URL when the allowlist names its host", async () => {
      const origin = new URL(peer.url).origin;
      await personal(peer.url, parseWebhookAllowlist(`${origin}/workflows/`));
      expect(peer.requests).toHaveLength(1);
      expect(JSON.stringify(peer.requests[0].body)).toContain("notif prod");
    });

    it("refuses a URL off the allowlist without sending", async () => {
      const offList = await failure(personal(peer.url));
      expect(offList).toMatchObject({ kind: "client_error", retryable: false });
      expect(offList.message).toMatch(/PERSONAL_WEBHOOK_ALLOWLIST/);
      expect(offList.message).not.toContain(peer.sig);
      expect(peer.requests).toHaveLength(0);
    });

    // Security review (issue 17): a user's own endpoint may be slow on purpose; it gets its own, shorter timeout.
    it("gives a user's own URL its own timeout, shorter than the system one", async () => {
      const origin = new URL(peer.url).origin;
      const channel = createMsteamsChannel({
        dojoUrl: DOJO_URL,
        timeoutMs: 5000,
        personalTimeoutMs: 100,
        personalAllowlist: parseWebhookAllowlist(`${origin}/workflows/`),
        systemAllowlist: exempting(peer.url),
      });
      peer.respondNext([{ status: 202, delayMs: 1000 }]);
      const slow = channel.send({ event: event("product_added"), target: "personal Teams webhook of alice", settings, recipient: { userId: 2, msteamsUrl: peer.url } });
      expect(await failure(slow)).toMatchObject({ kind: "timeout", retryable: true });
      peer.respondNext([{ status: 202, delayMs: 300 }]);
      await expect(channel.send({ event: event("product_added"), target: LABEL, settings })).resolves.toBeUndefined();
    });

    it("says so when the user has no URL", async () => {
      expect(await failure(personal(null))).toMatchObject({ kind: "not_configured", retryable: false });
    });
  });
});

/** A Workflows-like URL on which nothing listens any more. */
async function closedUrl(sig: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/workflows/x/triggers/manual/paths/invoke?sig=${sig}`;
}
