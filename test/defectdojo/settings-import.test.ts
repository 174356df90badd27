import { Channel } from "../../src/vocabulary/channel";
import { createDojoClient, DojoApiError } from "../../src/defectdojo/dojo-client";
import { dojoUserContactInfoRow } from "../../src/defectdojo/notification-settings";
import { importFromDefectDojo, ImportReport } from "../../src/defectdojo/settings-import";
import { ALL_CHANNELS } from "../../src/vocabulary/channel";
import { NotificationEvent } from "../../src/events/notification-event";
import { PreferencesStore } from "../../src/storage/preferences-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { DojoAuthorizationModel, DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { migratedDatabase } from "../support/database";

const SLACK_TOKEN = "xoxb-imported-slack-token-77";
const TEAMS_URL = "https://prod-12.westeurope.logic.azure.com/workflows/w1/triggers/manual/paths/invoke?sig=TEAMSSIG";
const ALICE = 2;
const BOB = 3;
const CAROL = 4;

/** DefectDojo as a first run finds it: channels set up there, and users with their own settings. */
function seed(peer: DojoPeer): void {
  peer.addUser({ id: 1, username: "admin", isSuperuser: true });
  peer.addUser({ id: ALICE, username: "alice" });
  peer.addUser({ id: BOB, username: "bob" });
  peer.addUser({ id: CAROL, username: "carol" });
  peer.addProductType({ id: 1, name: "web" });
  peer.addProduct({ id: 4, name: "shop", productTypeId: 1 });
  peer.setSystemSettings({
    enable_slack_notifications: true,
    slack_token: SLACK_TOKEN,
    slack_channel: "#appsec",
    slack_username: "DefectDojo",
    enable_msteams_notifications: true,
    msteams_url: TEAMS_URL,
    enable_mail_notifications: true,
    // One text field: several addresses, separated as people do, and one that is none.
    mail_notifications_to: "secops@example.com; ciso@example.com,\nnot-an-address",
  });
  peer.addNotificationsRow({
    channels: {
      scan_added: ["slack", "mail", "alert"],
      product_added: ["msteams"],
      engagement_added: [],
      sla_breach: ["slack", "webhooks", "alert"],
    },
  });
  peer.addNotificationsRow({ user: ALICE, channels: { scan_added: ["mail", "alert"], user_mentioned: ["slack", "msteams"] } });
  peer.addNotificationsRow({ user: BOB, channels: { other: ["webhooks"] } });
  peer.addNotificationsRow({ user: ALICE, product: 4, channels: { scan_added: ["slack"] } });
  peer.addNotificationsRow({ template: true, channels: { scan_added: ["mail"] } });
  peer.addUserContactInfo({ userId: ALICE, slackEmail: "alice@slack.example" });
  peer.addUserContactInfo({ userId: BOB, slackEmail: "bob at slack" });
  peer.addUserContactInfo({ userId: CAROL, slackEmail: null });
}

async function importBed(model: DojoAuthorizationModel) {
  const peer = await startDojoPeer({ model });
  seed(peer);
  const database = await migratedDatabase();
  const secretBox = new SecretBox("import test key, thirty-two characters or more");
  const settings = new SettingsStore(database.db, secretBox);
  const preferences = new PreferencesStore(database.db, secretBox);
  const client = createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retryBaseMs: 5 });
  return {
    peer,
    settings,
    preferences,
    run: () => importFromDefectDojo({ client, settings, preferences }),
    /** Every row the import may write, as stored. */
    rows: async () => {
      const query = (sql: string) => database.db.dataSource.query(sql);
      return {
        settings: await query("SELECT * FROM system_settings"),
        system: await query("SELECT * FROM system_notification ORDER BY event"),
        personal: await query("SELECT * FROM user_notification ORDER BY user_id, event"),
        contacts: await query("SELECT * FROM user_contact ORDER BY user_id"),
      };
    },
    close: async () => {
      await database.close();
      await peer.close();
    },
  };
}

const whats = (items: ImportReport["imported"]) => items.map((item) => item.what).sort();

describe.each(["RBAC", "LEGACY"] as const)("importFromDefectDojo from DefectDojo %s", (model) => {
  let bed: Awaited<ReturnType<typeof importBed>>;
  beforeEach(async () => {
    bed = await importBed(model);
  });
  afterEach(() => bed.close());

  it("copies the system settings, the system and personal matrices and the Slack e-mails", async () => {
    const report = await bed.run();

    expect(await bed.settings.systemSettings()).toEqual({
      enableSlackNotifications: true,
      slackChannel: "#appsec",
      slackUsername: "DefectDojo",
      slackTokenSet: true,
      slackToken: SLACK_TOKEN,
      enableMsteamsNotifications: true,
      msteamsUrlSet: true,
      msteamsUrl: TEAMS_URL,
      enableMailNotifications: true,
      mailNotificationsTo: ["secops@example.com", "ciso@example.com"],
      linkOnly: false,
    });

    const system = new Map((await bed.settings.systemNotifications()).map((line) => [line.event, line.channels]));
    expect(system.get(NotificationEvent.SCAN_ADDED)).toEqual([Channel.SLACK, Channel.MAIL]);
    expect(system.get(NotificationEvent.PRODUCT_ADDED)).toEqual([Channel.MSTEAMS]);
    // Alert-only and empty events reach none of the bridge's channels, as they reach none of DefectDojo's.
    expect(system.get(NotificationEvent.ENGAGEMENT_ADDED)).toEqual([]);
    expect(system.get(NotificationEvent.OTHER)).toEqual([]);
    // DefectDojo hands this one to its webhooks already: the bridge's own setting (its default) stays.
    expect(system.get(NotificationEvent.SLA_BREACH)).toEqual([...ALL_CHANNELS]);

    const alice = (await bed.preferences.notifications(ALICE)).filter((line) => line.channels.length > 0);
    // user_mentioned never reaches the bridge (DefectDojo 3.2 and 2.58.2-changelog dojo/notifications/helper.py:
    // recipients only, their own endpoints, `filter(owner=user)`): not imported, and the report says why.
    expect(alice).toEqual([{ event: NotificationEvent.SCAN_ADDED, channels: [Channel.MAIL] }]);
    expect((await bed.preferences.notifications(BOB)).every((line) => line.channels.length === 0)).toBe(true);
    expect((await bed.preferences.contact(ALICE)).slackEmail).toBe("alice@slack.example");
    expect((await bed.preferences.contact(BOB)).slackEmail).toBeNull();

    expect(whats(report.imported)).toEqual(
      [
        "Slack e-mail of alice",
        "personal notifications of alice",
        "system notification ENGAGEMENT_ADDED",
        "system notification PRODUCT_ADDED",
        "system notification SCAN_ADDED",
        ...[
          "AUTO_CLOSE_ENGAGEMENT",
          "CLOSE_ENGAGEMENT",
          "CODE_REVIEW",
          "JIRA_UPDATE",
          "OTHER",
          "PRODUCT_TYPE_ADDED",
          "RISK_ACCEPTANCE_EXPIRATION",
          "SLA_BREACH_COMBINED",
          "STALE_ENGAGEMENT",
          "TEST_ADDED",
          "UPCOMING_ENGAGEMENT",
        ].map((event) => `system notification ${event}`),
        ...["enableMailNotifications", "enableMsteamsNotifications", "enableSlackNotifications", "mailNotificationsTo", "msteamsUrl", "slackChannel", "slackToken", "slackUsername"].map(
          (key) => `system setting ${key}`,
        ),
      ].sort(),
    );
    // SCAN_ADDED_EMPTY: DefectDojo's default is none, as the bridge's; bob's row sends nothing the bridge delivers.
    expect(whats(report.unchanged)).toEqual(["personal notifications of bob", "system notification SCAN_ADDED_EMPTY"]);
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { what: 'system setting mailNotificationsTo: "not-an-address"', reason: "not an e-mail address" },
        { what: "system notification SLA_BREACH", reason: expect.stringMatching(/already sends this event to its webhook endpoints/) },
        { what: "system notification USER_MENTIONED", reason: expect.stringMatching(/only to the users it names/) },
        { what: "system notification REVIEW_REQUESTED", reason: expect.stringMatching(/only to the users it names/) },
        { what: "USER_MENTIONED and REVIEW_REQUESTED in personal notifications (1 user)", reason: expect.stringMatching(/never receives it/) },
        {
          // 18 events, less SLA_BREACH (left to the bridge), the three without alert and the two personal-only ones.
          what: "alert channel of system notifications (12 events)",
          reason: "DefectDojo's alert channel (in-app alerts) is not a channel the bridge delivers to",
        },
        { what: "alert channel of personal notifications (2 users)", reason: expect.stringMatching(/^DefectDojo's alert channel/) },
        { what: "webhooks channel of personal notifications (1 user)", reason: expect.stringMatching(/^DefectDojo's webhooks channel .* not a channel the bridge delivers to$/) },
        { what: "per-product personal notifications (1 row)", reason: expect.any(String) },
        { what: "Slack e-mail of bob", reason: "not an e-mail address" },
      ]),
    );
    expect(report.skipped).toHaveLength(10);
    // Carol set no Slack e-mail: nothing to say about her.
    expect(JSON.stringify(report)).not.toContain("carol");
    // Secrets are named, never shown.
    expect(JSON.stringify(report)).not.toContain(SLACK_TOKEN);
    expect(JSON.stringify(report)).not.toContain("TEAMSSIG");
  });

  it("changes no row the second time, and reports all it imported before as unchanged", async () => {
    const first = await bed.run();
    const rows = await bed.rows();
    const second = await bed.run();
    expect(await bed.rows()).toEqual(rows);
    expect(second.imported).toEqual([]);
    expect(whats(second.unchanged)).toEqual([...whats(first.imported), ...whats(first.unchanged)].sort());
    expect(second.skipped).toEqual(first.skipped);
    // Reads only: the import never writes to DefectDojo.
    expect(bed.peer.writes).toEqual([]);
  });

  it("reads everything before writing anything: DefectDojo failing midway changes nothing", async () => {
    bed.peer.failApiWith(503, "user_contact_infos");
    const error = await bed.run().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DojoApiError);
    expect(error).toMatchObject({ kind: "unavailable" });
    expect(await bed.rows()).toEqual({ settings: [], system: [], personal: [], contacts: [] });
  });
});

describe("importFromDefectDojo and values the bridge would refuse", () => {
  let bed: Awaited<ReturnType<typeof importBed>>;
  beforeEach(async () => {
    bed = await importBed("RBAC");
  });
  afterEach(() => bed.close());

  it("skips a Teams URL that is not http(s) and a bad channel without quoting them, and keeps the bridge's own secrets over empty ones", async () => {
    await bed.settings.updateSystemSettings({ slackToken: "xoxb-the-bridges-own", msteamsUrl: "https://bridge.example/teams" });
    bed.peer.setSystemSettings({ slack_token: "", msteams_url: "javascript:alert(TEAMSSIG)", slack_channel: "Not A Channel!", mail_notifications_to: "nobody; at all" });

    const report = await bed.run();
    const settings = await bed.settings.systemSettings();
    expect(settings).toMatchObject({ slackToken: "xoxb-the-bridges-own", msteamsUrl: "https://bridge.example/teams", slackChannel: "", mailNotificationsTo: [] });
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { what: "system setting slackToken", reason: "empty in DefectDojo; the bridge keeps its own" },
        { what: "system setting msteamsUrl", reason: "not an http(s) URL" },
        { what: "system setting slackChannel", reason: "not a Slack channel name or id" },
        { what: 'system setting mailNotificationsTo: "nobody"', reason: "not an e-mail address" },
        { what: "system setting mailNotificationsTo", reason: "none of DefectDojo's addresses is usable" },
      ]),
    );
    expect(JSON.stringify(report)).not.toContain("TEAMSSIG");
  });

  // Security review (issue 17): a superuser's Teams URL at an address that is not public is refused when set, imported too.
  it("skips a Teams URL at an address that is not public, saying how to allow it", async () => {
    bed.peer.setSystemSettings({ msteams_url: "http://169.254.169.254/latest/meta-data?sig=TEAMSSIG" });
    const report = await bed.run();
    expect(report.skipped).toEqual(
      expect.arrayContaining([{ what: "system setting msteamsUrl", reason: expect.stringMatching(/not a public address.*SYSTEM_WEBHOOK_ALLOWLIST/) }]),
    );
    expect((await bed.settings.systemSettings()).msteamsUrlSet).toBe(false);
    expect(JSON.stringify(report)).not.toContain("TEAMSSIG");
  });

  it("skips the system matrix when DefectDojo has no system row yet", async () => {
    const peer = await startDojoPeer();
    const database = await migratedDatabase();
    try {
      const secretBox = new SecretBox("k, thirty-two characters or more");
      const settings = new SettingsStore(database.db, secretBox);
      const report = await importFromDefectDojo({
        client: createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken }),
        settings,
        preferences: new PreferencesStore(database.db, secretBox),
      });
      expect(report.skipped).toEqual([{ what: "system notifications", reason: "DefectDojo has no system notification settings saved yet" }]);
      expect(await database.db.dataSource.query("SELECT * FROM system_notification")).toEqual([]);
    } finally {
      await database.close();
      await peer.close();
    }
  });
});

describe("a user_contact_infos row", () => {
  it("names its user by `user` or by the nested `user_profile`, whichever a version sends", () => {
    expect(dojoUserContactInfoRow.parse({ user: 7, slack_username: " a@b.example " })).toEqual({ userId: 7, slackEmail: "a@b.example" });
    expect(dojoUserContactInfoRow.parse({ user_profile: { id: 8, username: "x" }, slack_username: null })).toEqual({ userId: 8, slackEmail: "" });
    expect(dojoUserContactInfoRow.safeParse({ user_profile: null, slack_username: "a@b.example" }).success).toBe(false);
  });
});
