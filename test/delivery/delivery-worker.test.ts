import { join } from "node:path";
import { claimDue } from "../../src/delivery/outbox";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { createEventIntake } from "../../src/ingest/accept-event";
import { createDataSource } from "../../src/storage/data-source";
import { Database } from "../../src/storage/database";
import { RoutingRuleStore } from "../../src/storage/routing-rule-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { SLACK_PEER_TOKEN } from "../peers/slack-peer";
import { tempDir } from "../support/temp-dir";
import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, relayEnv, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";

const DELIVERIES = `{ deliveries(first: 50) { edges { node { id event channel target status attempts lastError sentAt } } } }`;

interface DeliveryNode {
  id: string;
  event: string;
  channel: string;
  target: string;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

async function deliveries(relay: RunningRelay): Promise<DeliveryNode[]> {
  const result = await relay.graphql<{ deliveries: { edges: Array<{ node: DeliveryNode }> } }>(DELIVERIES);
  if (!result.data) throw new Error(result.raw);
  return result.data.deliveries.edges.map((edge) => edge.node);
}

/** Waits until every delivery has left PENDING/RETRYING. */
const settled = (relay: RunningRelay) =>
  eventually(async () => {
    const rows = await deliveries(relay);
    return rows.length > 0 && rows.every((row) => row.status === "SENT" || row.status === "FAILED") ? rows : undefined;
  });

describe("delivery worker against real Slack, Teams and SMTP peers", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers();
    relay = await startTestRelay(peers, { env: { DELIVERY_MAX_ATTEMPTS: "3" } });
    await relay.configureAllChannels();
  });
  afterEach(async () => {
    await relay.close();
    await peers.close();
  });

  it("delivers one event to all three channels and logs each as SENT", async () => {
    expect((await relay.postWebhook("product_added", webhookFixture("product_added"))).status).toBe(202);
    const rows = await settled(relay);
    expect(rows.map((row) => [row.channel, row.status, row.attempts]).sort()).toEqual([
      ["MAIL", "SENT", 1],
      ["MSTEAMS", "SENT", 1],
      ["SLACK", "SENT", 1],
    ]);
    expect(peers.slack.callsOf("chat.postMessage")).toHaveLength(1);
    expect(peers.teams.requests).toHaveLength(1);
    const [mail] = await peers.smtp.waitForMessages(1);
    expect(mail.envelopeTo.sort()).toEqual(["ciso@example.com", "secops@example.com"]);
  });

  it("retries after a 500 and then delivers", async () => {
    peers.slack.failNext([{ status: 500 }]);
    await relay.postWebhook("product_added", webhookFixture("product_added"));
    const rows = await settled(relay);
    const slack = rows.find((row) => row.channel === "SLACK")!;
    expect(slack).toMatchObject({ status: "SENT", attempts: 2, lastError: null });
    expect(peers.slack.callsOf("chat.postMessage")).toHaveLength(2);
  });

  it("honours Retry-After on a 429: no request to that target before it", async () => {
    peers.slack.failNext([{ status: 429, retryAfter: 1 }]);
    await relay.postWebhook("product_added", webhookFixture("product_added"));
    await settled(relay);
    const calls = peers.slack.callsOf("chat.postMessage");
    expect(calls).toHaveLength(2);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1000);
  });

  it("pauses every message to a rate-limited target, not only the one that hit the limit", async () => {
    peers.slack.failNext([{ status: 429, retryAfter: 1 }]);
    await relay.postWebhook("product_added", webhookFixture("product_added"));
    await eventually(() => (peers.slack.callsOf("chat.postMessage").length === 1 ? true : undefined));
    await relay.postWebhook("engagement_added", webhookFixture("engagement_added"));
    await settled(relay);
    const [limited, ...later] = peers.slack.callsOf("chat.postMessage");
    expect(later).toHaveLength(2);
    for (const call of later) expect(call.at - limited.at).toBeGreaterThanOrEqual(1000);
  });

  it("ends a permanent error FAILED with its reason after one attempt", async () => {
    peers.slack.failNext([{ body: { ok: false, error: "channel_not_found" } }]);
    await relay.postWebhook("product_added", webhookFixture("product_added"));
    const slack = (await settled(relay)).find((row) => row.channel === "SLACK")!;
    expect(slack.status).toBe("FAILED");
    expect(slack.attempts).toBe(1);
    expect(slack.lastError).toMatch(/channel_not_found/);
    expect(peers.slack.callsOf("chat.postMessage")).toHaveLength(1);
  });

  it("gives up on a target that keeps failing after the configured attempts, saying so", async () => {
    peers.teams.respondNext([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    peers.smtp.rejectNext([{ responseCode: 451 }, { responseCode: 451 }, { responseCode: 451 }, { responseCode: 451 }]);
    await relay.postWebhook("product_added", webhookFixture("product_added"));
    const rows = await settled(relay);
    for (const channel of ["MSTEAMS", "MAIL"]) {
      const row = rows.find((r) => r.channel === channel)!;
      expect(row.status).toBe("FAILED");
      expect(row.attempts).toBe(3);
      expect(row.lastError).toMatch(/^gave up after 3 attempts/);
    }
    expect(peers.teams.requests).toHaveLength(3);
    expect(peers.smtp.messages).toHaveLength(0);
  });

  it("never lets a secret into the delivery log or an API response", async () => {
    // Teams refused at send time (localhost is not public; SYSTEM_WEBHOOK_ALLOWLIST names only the stand-in):
    // the refusal names the host, never the (secret) URL.
    const set = await relay.graphql(`mutation { updateSystemSettings(input: { msteamsUrl: "http://localhost:1/workflows/x?sig=SIG-SECRET-abc123" }) { msteamsUrlSet } }`);
    expect(set.errors).toBeUndefined();
    peers.slack.failNext([{ body: { ok: false, error: "invalid_auth" } }]);
    await relay.postWebhook("product_added", webhookFixture("product_added"));
    const rows = await settled(relay);
    const raw = (await relay.graphql(DELIVERIES)).raw;
    expect(rows.find((row) => row.channel === "SLACK")!.lastError).toMatch(/invalid_auth/);
    expect(rows.find((row) => row.channel === "MSTEAMS")!.status).toBe("FAILED");
    for (const secret of ["SIG-SECRET-abc123", "xoxb-peer", "relay-webhook-secret"]) expect(raw).not.toContain(secret);
  });
});

describe("a restart", () => {
  it("sends what the previous process accepted but had not sent, including rows it held when it died", async () => {
    const peers = await startPeers();
    const dir = tempDir();
    const databasePath = join(dir.path, "relay.sqlite");
    try {
      // The previous process: accepted two events (committed with their outbox rows), leased one
      // event's rows for sending, and died before any send.
      const dataSource = createDataSource(databasePath);
      await dataSource.initialize();
      await dataSource.runMigrations();
      const db = new Database(dataSource);
      const settings = new SettingsStore(db, new SecretBox(relayEnv(peers, databasePath).SECRET_KEY));
      await settings.updateSystemSettings({ enableSlackNotifications: true, slackChannel: "#security", slackToken: SLACK_PEER_TOKEN });
      const { accept } = createEventIntake({ db, settings, rules: new RoutingRuleStore(db, new SecretBox(relayEnv(peers, databasePath).SECRET_KEY)), personalSubscriptions: null, onStored: () => undefined });
      await accept(parseWebhookPayload("product_added", null, webhookFixture("product_added")), Buffer.from("a"));
      await claimDue(db, 1, Date.now(), 10 * 60_000);
      await accept(parseWebhookPayload("engagement_added", null, webhookFixture("engagement_added")), Buffer.from("b"));
      await dataSource.destroy();

      const relay = await startTestRelay(peers, { databasePath });
      try {
        const rows = await settled(relay);
        expect(rows.map((row) => [row.event, row.status])).toEqual([
          ["engagement_added", "SENT"],
          ["product_added", "SENT"],
        ]);
        expect(peers.slack.callsOf("chat.postMessage")).toHaveLength(2);
      } finally {
        await relay.close();
      }
    } finally {
      await peers.close();
      dir.cleanup();
    }
  });
});
