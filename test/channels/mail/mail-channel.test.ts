import { AddressInfo, createServer } from "node:net";
import { ChannelSettings, NotificationChannel } from "../../../src/channels/channel";
import { Channel } from "../../../src/vocabulary/channel";
import { createMailChannel } from "../../../src/channels/mail/mail-channel";
import { escapeHtml, SUBJECT_MAX_CHARS } from "../../../src/channels/mail/mail-message";
import { DIGEST_LISTED_MAX, LINK_ONLY_TITLE } from "../../../src/channels/message-content";
import { DeliveryError } from "../../../src/channels/delivery-error";
import { eventHeading } from "../../../src/events/notification-event";
import { parseWebhookPayload } from "../../../src/events/webhook-payload";
import { SmtpPeer, startSmtpPeer } from "../../peers/smtp-peer";
import { BIG_DIGEST_LINES, bigDigest, digestEntry, digestEvent, findingRef, fixtureDigest } from "../../support/digest-events";
import { allWebhookFixtures, DojoVersion, eventNameOf, repairedDoubledUrl, webhookFixture } from "../../support/fixtures";
import { leakedTexts, privateTexts } from "../../support/private-texts";

const DOJO_URL = "https://dojo.example.com";
const FROM = "Dojo Relay <relay@example.com>";
const SETTINGS: ChannelSettings = { slackToken: null, slackUsername: "", msteamsUrl: null };

const event = (fixture: string, version: DojoVersion = "2.x", changes: Record<string, unknown> = {}) =>
  parseWebhookPayload(eventNameOf(fixture), "http://localhost:8080", { ...webhookFixture(fixture, version), ...changes });

async function failure(send: Promise<void>): Promise<DeliveryError> {
  const error = await send.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}

describe("mail channel", () => {
  let peer: SmtpPeer;
  let mail: NotificationChannel;

  beforeEach(async () => {
    peer = await startSmtpPeer();
    mail = createMailChannel({ smtpUrl: peer.url, mailFrom: FROM, dojoUrl: DOJO_URL });
  });
  afterEach(async () => {
    await mail.close?.();
    await peer.close();
  });

  const send = (target = "secteam@example.com", fixture = "product_added", version: DojoVersion = "2.x", changes = {}) =>
    mail.send({ event: event(fixture, version, changes), target, settings: SETTINGS });

  it("has the MAIL id", () => {
    expect(mail.id).toBe(Channel.MAIL);
  });

  it.each(allWebhookFixtures())("mails DefectDojo %s %s", async (version, fixture, body) => {
    await send("secteam@example.com", fixture, version);

    const [message] = await peer.waitForMessages(1);
    const heading = eventHeading(eventNameOf(fixture));
    const title = String(body.title).trim() || heading;
    const link = typeof body.url_ui === "string" ? repairedDoubledUrl(body.url_ui) : `${DOJO_URL}/`;
    expect(message.envelopeTo).toEqual(["secteam@example.com"]);
    expect(message.from).toBe('"Dojo Relay" <relay@example.com>');
    expect(message.subject).toBe(`DefectDojo notification: ${title}`);
    expect(message.text).toContain(`View in DefectDojo: ${link}`);
    expect(message.html).toContain(`<a href="${link}">`);
    expect(message.html).toContain(title.replace(/"/g, "&quot;").replace(/'/g, "&#39;"));
  });

  it("sends one message to every address of the target", async () => {
    await send(" a@example.com, b@example.com ,,c@example.com");

    expect(await peer.waitForMessages(1)).toHaveLength(1);
    expect(peer.messages[0].envelopeTo).toEqual(["a@example.com", "b@example.com", "c@example.com"]);
    expect(peer.messages[0].to).toEqual(["a@example.com", "b@example.com", "c@example.com"]);
  });

  it("lists a scan's objects, counts and findings, most severe first, in both parts", async () => {
    await send("secteam@example.com", "scan_added", "3.x");

    const [message] = await peer.waitForMessages(1);
    expect(message.text).toContain("Product Type: notif prod type\nProduct: notif prod\nEngagement: notif eng\nTest: notif test");
    expect(message.text).toContain("New findings: 1\nReactivated findings: 1\nMitigated findings: 1\nUntouched findings: 1");
    expect(message.text).toContain(
      "Findings:\n- Critical: New Finding <http://localhost:8080/finding/232>\n- Low: Reactivated Finding <http://localhost:8080/finding/234>",
    );
    expect(message.html).toContain(
      '<ul><li><strong>Critical</strong> <a href="http://localhost:8080/finding/232">New Finding</a></li>' +
        '<li><strong>Low</strong> <a href="http://localhost:8080/finding/234">Reactivated Finding</a></li></ul>',
    );
  });

  it("escapes scanner text in the HTML part", async () => {
    const script = `<script>alert("x")</script><img src=x onerror='y'>`;
    await send("secteam@example.com", "scan_added", "3.x", {
      title: script,
      product: { id: 4, name: script, url_ui: null },
      findings: { new: [{ id: 1, title: script, severity: "<b>High</b>", url_ui: 'http://localhost:8080/f/1"onmouseover="x' }] },
    });

    const [message] = await peer.waitForMessages(1);
    expect(message.html).not.toMatch(/<script|<img|<b>/);
    expect(message.html).not.toContain('"onmouseover');
    expect(message.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt;");
    expect(message.html).toContain('<a href="http://localhost:8080/f/1%22onmouseover=%22x">');
    expect(message.text).toContain(script);
  });

  it("keeps a CR/LF in the title out of the headers", async () => {
    await send("secteam@example.com", "finding_added", "2.x", { title: "x\r\nBcc: victim@evil.example\nX-Evil: 1\u0000" });

    const [message] = await peer.waitForMessages(1);
    expect(message.envelopeTo).toEqual(["secteam@example.com"]);
    expect(message.headers.has("bcc")).toBe(false);
    expect(message.headers.has("x-evil")).toBe(false);
    const header = message.raw.split(/\r?\n\r?\n/)[0];
    expect(header).toMatch(/^Subject: /m);
    expect(header).not.toMatch(/^(Bcc|X-Evil):/im);
    expect(message.subject).toBe("DefectDojo notification: x  Bcc: victim@evil.example X-Evil: 1");
  });

  it("cuts a long subject", async () => {
    await send("secteam@example.com", "finding_added", "2.x", { title: "long ".repeat(100) });
    const [message] = await peer.waitForMessages(1);
    expect(message.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
    expect(message.subject.endsWith("…")).toBe(true);
  });

  describe("digests", () => {
    it("lists the counts, the findings most severe first, then the events without findings", async () => {
      const digest = digestEvent(
        [digestEntry(1, "scan_added", [findingRef(11, "Low"), findingRef(12, "Critical")]), digestEntry(2, "engagement_added", [], "<b>Eng</b>")],
        { reason: "quiet_hours", windowSeconds: 8 * 3600 },
      );
      await mail.send({ event: digest, target: "secteam@example.com", settings: SETTINGS });

      const [message] = await peer.waitForMessages(1);
      // Held until the quiet time ended: no "in the last …", which would read as 28,800 seconds of news.
      expect(message.subject).toBe("DefectDojo notification: 2 notifications for notif prod");
      expect(message.text).toContain("Held during your quiet hours\n\n2 notifications for notif prod\n");
      expect(message.text).toContain("Critical findings: 1\nLow findings: 1\nScan Added: 1\nEngagement Added: 1");
      expect(message.text).toContain(
        "Findings and events:\n- Critical: Finding 12 <http://localhost:8080/finding/12>\n- Low: Finding 11 <http://localhost:8080/finding/11>\n" +
          "- Engagement Added: <b>Eng</b> <http://localhost:8080/event/2>",
      );
      expect(message.html).toContain('<li><strong>Engagement Added</strong> <a href="http://localhost:8080/event/2">&lt;b&gt;Eng&lt;/b&gt;</a></li></ul>');
      expect(message.html).not.toContain("<b>");
    });

    it("lists DIGEST_LISTED_MAX lines of a digest of 1,000 findings and counts the rest", async () => {
      await mail.send({ event: bigDigest(), target: "secteam@example.com", settings: SETTINGS });

      const [message] = await peer.waitForMessages(1);
      const listed = message.text.split("\n").filter((line) => line.startsWith("- Critical: Finding "));
      expect(listed).toHaveLength(DIGEST_LISTED_MAX);
      expect(message.text).toContain(`…and ${BIG_DIGEST_LINES - DIGEST_LISTED_MAX} more in DefectDojo`);
      expect(message.html).not.toMatch(/<(?!\/?(p|h2|a|table|tr|th|td|ul|li|strong|br|html|body|!DOCTYPE)\b)/);
    });
  });

  describe("link-only mode", () => {
    it.each(allWebhookFixtures())("shows nothing of DefectDojo %s %s but what happened, counts and a link", async (version, fixture, body) => {
      await mail.send({ event: event(fixture, version), target: "secteam@example.com", settings: SETTINGS, linkOnly: true });

      const [message] = await peer.waitForMessages(1);
      expect(leakedTexts([message.subject, message.text, message.html], privateTexts(body), escapeHtml)).toEqual([]);
      const link = typeof body.url_ui === "string" ? repairedDoubledUrl(body.url_ui) : `${DOJO_URL}/`;
      expect(message.subject).toBe(`DefectDojo notification: ${LINK_ONLY_TITLE}`);
      expect(message.text).toContain(`${eventHeading(eventNameOf(fixture))}\n\n${LINK_ONLY_TITLE}`);
      expect(message.text).toContain(`View in DefectDojo: ${link}`);
    });

    it("shows a digest of every fixture as events with counts, naming nothing", async () => {
      await mail.send({ event: fixtureDigest(), target: "secteam@example.com", settings: SETTINGS, linkOnly: true });

      const [message] = await peer.waitForMessages(1);
      const secrets = allWebhookFixtures().flatMap(([, , body]) => privateTexts(body));
      expect(leakedTexts([message.subject, message.text, message.html], secrets, escapeHtml)).toEqual([]);
      expect(message.text).toContain("Events:\n- Engagement Added: Details in DefectDojo <http://localhost:8080/engagement/7>");
      expect(message.text).toContain("- Scan Added: 1 Critical, 1 Low <http://localhost:8080/test/90>");
    });
  });

  it("authenticates with the credentials of SMTP_URL", async () => {
    await peer.close();
    peer = await startSmtpPeer({ user: "relay", pass: "s3cret:pass@word" });
    mail = createMailChannel({ smtpUrl: peer.urlWith(), mailFrom: FROM, dojoUrl: null });
    await send();
    expect((await peer.waitForMessages(1))[0].user).toBe("relay");
  });

  describe("says whether a failure is worth a retry", () => {
    it("451 is retried, and the next attempt goes through", async () => {
      peer.rejectNext([{ responseCode: 451, message: "Try again later" }]);
      expect(await failure(send())).toMatchObject({ kind: "server_error", retryable: true, message: expect.stringContaining("451") });
      await send();
      expect(await peer.waitForMessages(1)).toHaveLength(1);
    });

    it("550 is permanent", async () => {
      peer.rejectNext([{ responseCode: 550, message: "Mailbox unavailable" }]);
      expect(await failure(send())).toMatchObject({ kind: "client_error", retryable: false, message: expect.stringContaining("550") });
    });

    it("wrong credentials are a permanent auth error", async () => {
      await peer.close();
      peer = await startSmtpPeer({ user: "relay", pass: "right" });
      mail = createMailChannel({ smtpUrl: peer.urlWith("relay", "wrong"), mailFrom: FROM, dojoUrl: null });
      expect(await failure(send())).toMatchObject({ kind: "auth_error", retryable: false });
    });

    it("an invalid recipient is permanent", async () => {
      expect(await failure(send("not an address"))).toMatchObject({ retryable: false });
    });

    it("no SMTP_URL or no recipients: not configured", async () => {
      const unconfigured = createMailChannel({ smtpUrl: null, mailFrom: FROM, dojoUrl: null });
      expect(await failure(unconfigured.send({ event: event("ping"), target: "a@example.com", settings: SETTINGS }))).toMatchObject({
        kind: "not_configured",
        retryable: false,
      });
      expect(await failure(send(" , "))).toMatchObject({ kind: "not_configured", retryable: false });
    });

    it("connection refused: retryable", async () => {
      mail = createMailChannel({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, mailFrom: FROM, dojoUrl: null });
      expect(await failure(send())).toMatchObject({ kind: "network_error", retryable: true });
    });
  });

  it("never puts the SMTP password in an error message", async () => {
    const password = "pa55:w/rd%&secret";
    await peer.close();
    peer = await startSmtpPeer({ user: "relay", pass: password });
    const messages: string[] = [];
    const attempt = async (smtpUrl: string) => {
      await mail.close?.();
      mail = createMailChannel({ smtpUrl, mailFrom: FROM, dojoUrl: null });
      messages.push((await failure(send())).message);
    };
    peer.rejectNext([{ responseCode: 451, message: `deferred ${password}` }, { responseCode: 550, message: `no ${password}` }]);
    await attempt(peer.urlWith());
    await attempt(peer.urlWith());
    await attempt(peer.urlWith("relay", `${password}x`));
    await attempt(`smtp://relay:${encodeURIComponent(password)}@127.0.0.1:${await closedPort()}`);

    expect(messages).toHaveLength(4);
    for (const message of messages) {
      expect(message).not.toContain(password);
      expect(message).not.toContain(encodeURIComponent(password));
    }
    expect(messages[0]).toContain("<secret>");
  });
});

/** A port on which nothing listens any more. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
