import { Channel } from "../../src/vocabulary/channel";
import { createChannels } from "../../src/channels/registry";
import { loadConfig } from "../../src/config/config";
import { DeliveryWorker } from "../../src/delivery/delivery-worker";
import { storeEvent } from "../../src/delivery/outbox";
import { sendTestNotification } from "../../src/delivery/test-send";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { FanoutStatus } from "../../src/storage/entities/event.entity";
import { PreferencesStore } from "../../src/storage/preferences-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { TemplateStore } from "../../src/storage/template-store";
import { SlackCall, SlackPeer, SLACK_PEER_TOKEN, startSlackPeer } from "../peers/slack-peer";
import { migratedDatabase } from "../support/database";
import { quietLogger } from "../support/quiet-logger";
import { eventually } from "../support/relay-harness";
import { taggedProductAdded } from "../support/tagged-messages";

const INTERVAL_MS = 300;
/**
 * The worker paces from the peer's answer, so the gaps the peer sees are at least the interval; a
 * few ms spare for timer granularity (both sides read this process's clock).
 */
const TOLERANCE_MS = 5;

/** A running delivery worker on a fresh SQLite file, sending to a real Slack peer. */
async function startWorker(slack: SlackPeer, env: Record<string, string>) {
  const database = await migratedDatabase();
  const config = loadConfig({ SLACK_API_URL: slack.url, DELIVERY_RETRY_BASE_MS: "50", ...env });
  const secretBox = new SecretBox("test secret key, thirty-two characters or more");
  const settings = new SettingsStore(database.db, secretBox);
  await settings.updateSystemSettings({ enableSlackNotifications: true, slackChannel: "#busy", slackToken: SLACK_PEER_TOKEN });
  const worker = new DeliveryWorker({
    db: database.db,
    settings,
    preferences: new PreferencesStore(database.db, secretBox),
    secretBox,
    templates: new TemplateStore(database.db),
    channels: createChannels({ ...config, smtpUrl: null }),
    tuning: { ...config.delivery, pollIntervalMs: 100 },
    logger: quietLogger(),
  });
  let stored = 0;
  /** Stores one message to each of `channels`, in order, each its own event, and wakes the worker. */
  const send = async (...channels: string[]) => {
    for (const target of channels) {
      const n = stored++;
      const event = parseWebhookPayload("product_added", null, taggedProductAdded("pace", n, 50_000));
      await storeEvent(
        database.db,
        { event, source: "webhook", idempotencyKeys: [`pace-${n}`], receivedAt: Date.now(), fanout: FanoutStatus.NONE },
        async () => [{ channel: Channel.SLACK, target, recipientUserId: null }],
      );
    }
    worker.wake();
  };
  /** Waits until every row is SENT or FAILED, and returns those to `channel`. */
  const settled = (channel: string) =>
    eventually(async () => {
      const rows = await database.db.manager.find(DeliveryEntity, { order: { id: "ASC" } });
      const done = rows.every((row) => row.status === DeliveryStatus.SENT || row.status === DeliveryStatus.FAILED);
      return done ? rows.filter((row) => row.target === channel) : undefined;
    }, 20_000);

  await worker.start();
  return {
    db: database.db,
    settings,
    worker,
    send,
    settled,
    close: async () => {
      await worker.stop();
      await database.close();
    },
  };
}

const postsTo = (slack: SlackPeer, channel: string): SlackCall[] =>
  slack.callsOf("chat.postMessage").filter((call) => call.args.channel === channel);

const gapsOf = (calls: SlackCall[]): number[] => calls.slice(1).map((call, i) => call.at - calls[i].at);

describe("Slack channel pacing (SLACK_CHANNEL_INTERVAL_MS)", () => {
  let slack: SlackPeer;
  let bed: Awaited<ReturnType<typeof startWorker>> | undefined;

  beforeEach(async () => {
    slack = await startSlackPeer();
  });
  afterEach(async () => {
    await bed?.close();
    bed = undefined;
    await slack.close();
  });

  it("sends a backlog to one channel an interval apart, none of the waits counted as an attempt", async () => {
    bed = await startWorker(slack, { SLACK_CHANNEL_INTERVAL_MS: String(INTERVAL_MS) });
    await bed.send(...Array(6).fill("#busy"));
    const rows = await bed.settled("#busy");

    expect(rows.map((row) => [row.status, row.attempts])).toEqual(Array(6).fill([DeliveryStatus.SENT, 1]));
    const calls = postsTo(slack, "#busy");
    expect(calls).toHaveLength(6);
    for (const gap of gapsOf(calls)) expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS - TOLERANCE_MS);
  });

  it("does not hold up another channel behind one channel's backlog", async () => {
    // One row per claim: were the postponed #busy rows still due, the claim would never reach #other's.
    bed = await startWorker(slack, { SLACK_CHANNEL_INTERVAL_MS: String(INTERVAL_MS), DELIVERY_CONCURRENCY: "1" });
    await bed.send(...Array(8).fill("#busy"), "#other");
    await bed.settled("#busy");

    const busy = postsTo(slack, "#busy");
    const [other] = postsTo(slack, "#other");
    expect(busy).toHaveLength(8);
    expect(other.at).toBeLessThan(busy[2].at);
  });

  it("does not pace with an interval of 0: a channel's messages are in flight together", async () => {
    // Slow answers keep sends in flight long enough to overlap, unless something spaces them.
    slack.delayAnswers(100);
    bed = await startWorker(slack, { SLACK_CHANNEL_INTERVAL_MS: "0" });
    await bed.send(...Array(6).fill("#busy"));
    const rows = await bed.settled("#busy");

    expect(rows.every((row) => row.status === DeliveryStatus.SENT)).toBe(true);
    expect(slack.concurrency.peak.get("#busy")).toBeGreaterThan(1);
  });

  it("sends nothing to a channel before a 429's Retry-After has passed, and keeps the pace after it", async () => {
    bed = await startWorker(slack, { SLACK_CHANNEL_INTERVAL_MS: String(INTERVAL_MS) });
    slack.failNext([{ status: 429, retryAfter: 1 }]);
    await bed.send(...Array(4).fill("#busy"));
    const rows = await bed.settled("#busy");

    expect(rows.every((row) => row.status === DeliveryStatus.SENT)).toBe(true);
    const [limited, ...after] = postsTo(slack, "#busy");
    expect(limited.status).toBe(429);
    expect(after).toHaveLength(4);
    for (const call of after) expect(call.at - limited.at).toBeGreaterThanOrEqual(1000);
    for (const gap of gapsOf(after)) expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS - TOLERANCE_MS);
  });

  it("sends a test send at once, and paces the next message to the channel after it", async () => {
    // Long enough for the test send to surely go before the second message's slot.
    const interval = 1000;
    bed = await startWorker(slack, { SLACK_CHANNEL_INTERVAL_MS: String(interval) });
    await bed.send("#busy", "#busy");
    await eventually(() => (postsTo(slack, "#busy").length === 1 ? true : undefined));
    const test = await sendTestNotification({ db: bed.db, settings: bed.settings, worker: bed.worker, dojoUrl: null }, Channel.SLACK);
    expect(test).toMatchObject({ target: "#busy", status: DeliveryStatus.SENT, attempts: 1 });
    await bed.settled("#busy");

    const calls = postsTo(slack, "#busy");
    expect(calls.map((call) => /pace-\d+|test notification/.exec(String(call.args.text))?.[0])).toEqual([
      "pace-0000",
      "test notification",
      "pace-0001",
    ]);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(interval - TOLERANCE_MS);
  });
});
