import { Channel } from "../../src/vocabulary/channel";
import { storeEvent } from "../../src/delivery/outbox";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { Database } from "../../src/storage/database";
import { FanoutStatus } from "../../src/storage/entities/event.entity";
import { PreferencesStore } from "../../src/storage/preferences-store";
import { RoutingRuleStore } from "../../src/storage/routing-rule-store";
import { SecretBox, secretFields } from "../../src/storage/secret-box";
import { resealLegacySecrets } from "../../src/storage/secret-reseal";
import { SettingsStore } from "../../src/storage/settings-store";
import { sql } from "../../src/storage/sql";
import { migratedDatabase } from "../support/database";
import { webhookFixture } from "../support/fixtures";
import { legacySeal } from "../support/legacy-seal";
import { describePostgres, migratedPostgres } from "../support/postgres";
import { startPeers, startTestRelay } from "../support/relay-harness";
import { quietLogger } from "../support/quiet-logger";
import { testDraft } from "../support/routing-rules";

/** The harness's key before issue 17: shorter than the rule now asks. */
const OLD_KEY = "test secret key";
const NEW_KEY = "a new secret key of thirty-two characters or more";
const SLACK_TOKEN = "xoxb-legacy-token";
const SYSTEM_URL = "https://prod-01.westeurope.logic.azure.com/workflows/system?sig=s1";
const PERSONAL_URL = "https://prod-02.westeurope.logic.azure.com/workflows/personal?sig=s2";
const RULE_URL = "https://prod-03.westeurope.logic.azure.com/workflows/rule?sig=s3";

/**
 * A database as a deployment before issue 17 left it: every secret sealed with the old scheme
 * (SHA-256 of a short key, no associated data), in each place the bridge keeps one.
 */
async function legacyDatabase(db: Database): Promise<{ ruleId: number; ruleTarget: string }> {
  const box = new SecretBox(NEW_KEY); // only to create the rows; their secrets are replaced below
  await new SettingsStore(db, box).updateSystemSettings({ slackToken: "x", msteamsUrl: "https://x.example/" });
  await new PreferencesStore(db, box).updateContact(7, { msteamsUrl: "https://x.example/" });
  const rule = await new RoutingRuleStore(db, box).create(testDraft({ targets: [{ channel: Channel.MSTEAMS, msteamsUrl: RULE_URL }] }));
  const ruleTarget = `${rule.targets[0].msteamsLabel}`;
  await db.write(async (manager) => {
    await sql(manager, "UPDATE system_settings SET slack_token_encrypted = ?, msteams_url_encrypted = ?", [
      legacySeal(SLACK_TOKEN, OLD_KEY),
      legacySeal(SYSTEM_URL, OLD_KEY),
    ]);
    await sql(manager, "UPDATE user_contact SET msteams_url_encrypted = ? WHERE user_id = 7", [legacySeal(PERSONAL_URL, OLD_KEY)]);
    const [row]: Array<{ targets: string }> = await sql(manager, "SELECT targets FROM routing_rule WHERE id = ?", [rule.id]);
    const targets = JSON.parse(row.targets);
    targets[0].msteamsUrlSealed = legacySeal(RULE_URL, OLD_KEY);
    await sql(manager, "UPDATE routing_rule SET targets = ? WHERE id = ?", [JSON.stringify(targets), rule.id]);
  });
  const event = parseWebhookPayload("product_added", "http://localhost:8080", webhookFixture("product_added"));
  await storeEvent(db, { event, source: "webhook", idempotencyKeys: ["k1"], receivedAt: Date.now(), fanout: FanoutStatus.NONE }, async () => [
    { channel: Channel.MSTEAMS, target: ruleTarget, recipientUserId: null, targetSecret: legacySeal(RULE_URL, OLD_KEY) },
  ]);
  return { ruleId: Number(rule.id), ruleTarget };
}

async function storedSecrets(db: Database): Promise<string[]> {
  const rows = await Promise.all([
    sql(db.manager, "SELECT slack_token_encrypted AS v FROM system_settings"),
    sql(db.manager, "SELECT msteams_url_encrypted AS v FROM system_settings"),
    sql(db.manager, "SELECT msteams_url_encrypted AS v FROM user_contact"),
    sql(db.manager, "SELECT targets AS v FROM routing_rule"),
    sql(db.manager, "SELECT target_secret AS v FROM delivery"),
  ]);
  return rows.flat().map((row: { v: string }) => row.v);
}

async function expectResealed(db: Database) {
  const { ruleTarget } = await legacyDatabase(db);
  const box = new SecretBox(NEW_KEY);
  const logger = quietLogger();

  // Security review (issue 17): existing ciphertexts move to the HKDF key, bound to row and field.
  expect(await resealLegacySecrets(db, { box, legacyKey: OLD_KEY, logger })).toBe(5);
  const settings = await new SettingsStore(db, box).systemSettings();
  expect([settings.slackToken, settings.msteamsUrl]).toEqual([SLACK_TOKEN, SYSTEM_URL]);
  expect((await new PreferencesStore(db, box).contact(7)).msteamsUrl).toBe(PERSONAL_URL);
  const [rule] = await new RoutingRuleStore(db, box).rules();
  expect(box.open(rule.targets[0].sealedSecret!, secretFields.ruleTeamsUrl(rule.targets[0].target))).toBe(RULE_URL);
  const [delivery]: Array<{ target: string; target_secret: string }> = await sql(db.manager, "SELECT target, target_secret FROM delivery");
  expect(delivery.target).toBe(ruleTarget);
  expect(box.open(delivery.target_secret, secretFields.ruleTeamsUrl(delivery.target))).toBe(RULE_URL);
  const after = await storedSecrets(db);
  expect(after.join(" ")).not.toContain("v1:");

  // Idempotent: a second start changes nothing.
  expect(await resealLegacySecrets(db, { box, legacyKey: OLD_KEY, logger })).toBe(0);
  expect(await storedSecrets(db)).toEqual(after);
}

describe("re-sealing secrets stored by the old scheme, at start-up", () => {
  it("re-seals every stored secret on SQLite, once", async () => {
    const database = await migratedDatabase();
    try {
      await expectResealed(database.db);
    } finally {
      await database.close();
    }
  });

  it("leaves a value the old key cannot open as it was, and goes on", async () => {
    const database = await migratedDatabase();
    try {
      await legacyDatabase(database.db);
      const foreign = legacySeal("xoxb-other", "some other key entirely");
      await database.db.write((manager) => sql(manager, "UPDATE user_contact SET msteams_url_encrypted = ?", [foreign]));
      const box = new SecretBox(NEW_KEY);
      expect(await resealLegacySecrets(database.db, { box, legacyKey: OLD_KEY, logger: quietLogger() })).toBe(4);
      const [contact]: Array<{ v: string }> = await sql(database.db.manager, "SELECT msteams_url_encrypted AS v FROM user_contact");
      expect(contact.v).toBe(foreign);
      expect((await new SettingsStore(database.db, box).systemSettings()).slackToken).toBe(SLACK_TOKEN);
    } finally {
      await database.close();
    }
  });
});

describePostgres("re-sealing secrets on PostgreSQL", () => {
  it("re-seals every stored secret, once", async () => {
    const database = await migratedPostgres();
    try {
      await expectResealed(database.db);
    } finally {
      await database.close();
    }
  });
});

describe("the bridge's start-up with secrets stored by the old scheme", () => {
  it("re-seals them with PREVIOUS_SECRET_KEY and then sends with them", async () => {
    const peers = await startPeers();
    const database = await migratedDatabase();
    try {
      await new SettingsStore(database.db, new SecretBox(NEW_KEY)).updateSystemSettings({ enableMsteamsNotifications: true, msteamsUrl: "https://x.example/" });
      await database.db.write((manager) =>
        sql(manager, "UPDATE system_settings SET msteams_url_encrypted = ?", [legacySeal(peers.teams.url, OLD_KEY)]),
      );

      const relay = await startTestRelay(peers, { databasePath: database.path, env: { SECRET_KEY: NEW_KEY, PREVIOUS_SECRET_KEY: OLD_KEY } });
      try {
        const sent = await relay.graphql<{ sendTestNotification: { status: string } }>(`mutation { sendTestNotification(channel: MSTEAMS) { status } }`);
        expect(sent.data?.sendTestNotification.status).toBe("SENT");
        expect(peers.teams.requests).toHaveLength(1);
      } finally {
        await relay.close();
      }
    } finally {
      await peers.close();
      await database.close();
    }
  });
});
