import { Channel } from "../../src/vocabulary/channel";
import { createChannels } from "../../src/channels/registry";
import { loadConfig } from "../../src/config/config";
import { DeliveryWorker } from "../../src/delivery/delivery-worker";
import { storeEvent } from "../../src/delivery/outbox";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { FanoutStatus } from "../../src/storage/entities/event.entity";
import { PreferencesStore } from "../../src/storage/preferences-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { TemplateStore } from "../../src/storage/template-store";
import { SlackPeer, SLACK_PEER_TOKEN, startSlackPeer } from "../peers/slack-peer";
import { migratedDatabase } from "../support/database";
import { webhookFixture } from "../support/fixtures";
import { quietLogger } from "../support/quiet-logger";
import { eventually } from "../support/relay-harness";

// A personal message left in the outbox from when DOJO_URL and DOJO_API_KEY were set cannot be
// checked again once they are not: it is skipped, saying so, never sent unchecked.
describe("a personal delivery without DefectDojo's API to check its recipient", () => {
  let slack: SlackPeer;
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let worker: DeliveryWorker;

  beforeEach(async () => {
    slack = await startSlackPeer({ users: { "alice@example.com": "UALICE" } });
    database = await migratedDatabase();
    const config = loadConfig({ SLACK_API_URL: slack.url, DELIVERY_RETRY_BASE_MS: "50" });
    const secretBox = new SecretBox("test secret key of thirty-two characters or more");
    const settings = new SettingsStore(database.db, secretBox);
    await settings.updateSystemSettings({ enableSlackNotifications: true, slackChannel: "#security", slackToken: SLACK_PEER_TOKEN });
    worker = new DeliveryWorker({
      db: database.db,
      settings,
      preferences: new PreferencesStore(database.db, secretBox),
      secretBox,
      templates: new TemplateStore(database.db),
      channels: createChannels({ ...config, smtpUrl: null }),
      tuning: { ...config.delivery, pollIntervalMs: 100 },
      logger: quietLogger(),
      recipients: null,
    });
    await worker.start();
  });
  afterEach(async () => {
    await worker.stop();
    await database.close();
    await slack.close();
  });

  it("is skipped with the reason, while a system-wide one beside it is sent", async () => {
    const event = parseWebhookPayload("scan_added", null, webhookFixture("scan_added"));
    await storeEvent(
      database.db,
      { event, source: "webhook", idempotencyKeys: ["left-over"], receivedAt: Date.now(), fanout: FanoutStatus.DONE },
      async () => [
        { channel: Channel.SLACK, target: "alice@example.com", recipientUserId: 2 },
        { channel: Channel.SLACK, target: "#security", recipientUserId: null },
      ],
    );
    worker.wake();
    const rows = await eventually(async () => {
      const all = await database.db.manager.find(DeliveryEntity, { order: { id: "ASC" } });
      return all.every((row) => row.status !== DeliveryStatus.PENDING && row.status !== DeliveryStatus.RETRYING) ? all : undefined;
    });
    expect(rows.map((row) => [row.target, row.status, row.attempts, row.lastError])).toEqual([
      ["alice@example.com", DeliveryStatus.SKIPPED, 0, "recipient cannot be checked: DOJO_URL and DOJO_API_KEY are not both set"],
      ["#security", DeliveryStatus.SENT, 1, null],
    ]);
    expect(slack.callsOf("chat.postMessage").map((call) => call.args.channel)).toEqual(["#security"]);
  });
});
