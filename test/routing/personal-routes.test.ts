import { Channel } from "../../src/vocabulary/channel";
import { createDojoClient } from "../../src/defectdojo/dojo-client";
import { createDojoDirectory, DojoDirectory } from "../../src/defectdojo/directory";
import { NotificationEvent } from "../../src/events/notification-event";
import { Severity } from "../../src/events/severity";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { personalRoutes } from "../../src/routing/personal-routes";
import { PreferencesStore } from "../../src/storage/preferences-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SystemSettingsWithSecrets } from "../../src/storage/settings-store";
import { DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { migratedDatabase } from "../support/database";
import { webhookFixture } from "../support/fixtures";

// scan_added lists finding 232 (Critical, new) and 234 (Low, reactivated); product 4.
const scan = parseWebhookPayload("scan_added", "http://dd", webhookFixture("scan_added"));
const productAdded = parseWebhookPayload("product_added", "http://dd", webhookFixture("product_added"));
const SETTINGS: SystemSettingsWithSecrets = {
  enableSlackNotifications: true,
  slackChannel: "#security",
  slackUsername: "",
  slackTokenSet: true,
  slackToken: "xoxb",
  enableMsteamsNotifications: false,
  msteamsUrlSet: false,
  msteamsUrl: null,
  enableMailNotifications: true,
  mailNotificationsTo: [],
  linkOnly: false,
};
const ALICE = 2;

describe("personal routes: severity, digest window and quiet hours", () => {
  let dojo: DojoPeer;
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let preferences: PreferencesStore;
  let directory: DojoDirectory;

  beforeEach(async () => {
    dojo = await startDojoPeer();
    dojo.addUser({ id: ALICE, username: "alice", email: "alice@example.com" });
    dojo.addProductType({ id: 4, name: "notif prod type" });
    dojo.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
    dojo.addProductMember(4, ALICE);
    database = await migratedDatabase();
    preferences = new PreferencesStore(database.db, new SecretBox("k, thirty-two characters or more"));
    directory = createDojoDirectory(createDojoClient({ baseUrl: dojo.url, apiKey: dojo.serviceToken }));
    for (const event of [NotificationEvent.SCAN_ADDED, NotificationEvent.PRODUCT_ADDED]) {
      await preferences.setNotification(ALICE, event, [Channel.SLACK, Channel.MAIL]);
    }
  });
  afterEach(async () => {
    await database.close();
    await dojo.close();
  });

  const routes = (event = scan, now = Date.UTC(2026, 10, 28, 12, 0), settings = SETTINGS) =>
    personalRoutes({ preferences, directory }, event, settings, now);

  it("lists only the findings at or above the user's minimum, and drops events with none", async () => {
    await preferences.updateContact(ALICE, { minSeverity: Severity.HIGH });
    const [slack] = await routes();
    expect(slack).toMatchObject({ channel: Channel.SLACK, recipientUserId: ALICE, presentation: { findingIds: [232] } });
    await preferences.updateContact(ALICE, { minSeverity: Severity.CRITICAL });
    expect((await routes())[0].presentation).toEqual({ findingIds: [232] });
    // Only a Low finding: below a High minimum, so nothing reaches the user.
    const lowOnly = { ...scan, findings: { ...scan.findings!, new: [], reactivated: scan.findings!.reactivated } };
    await preferences.updateContact(ALICE, { minSeverity: Severity.HIGH });
    expect(await routes(lowOnly)).toEqual([]);
    // Events that list no findings are not filtered by severity.
    expect(await routes(productAdded)).toHaveLength(2);
  });

  it("skips a personal mail only when the event's own system-wide mail reaches the user", async () => {
    const onSystemList = { ...SETTINGS, mailNotificationsTo: ["alice@example.com"] };
    const mailOf = (routes: Awaited<ReturnType<typeof personalRoutes>>) => routes.filter((route) => route.channel === Channel.MAIL);
    const now = Date.UTC(2026, 10, 28, 12, 0);
    // Without rules the system-wide mail goes to the list, alice included.
    expect(mailOf(await personalRoutes({ preferences, directory }, scan, onSystemList, now))).toEqual([]);
    // A rule sent the event elsewhere: the list got nothing, so alice gets her own copy.
    const ruled = [{ channel: Channel.MAIL, target: "pci@example.com", recipientUserId: null }];
    expect(mailOf(await personalRoutes({ preferences, directory }, scan, onSystemList, now, ruled))).toHaveLength(1);
    const toAlice = [{ channel: Channel.MAIL, target: "pci@example.com, Alice@example.com", recipientUserId: null }];
    expect(mailOf(await personalRoutes({ preferences, directory }, scan, onSystemList, now, toAlice))).toEqual([]);
  });

  it("gathers messages in the user's digest window", async () => {
    await preferences.updateContact(ALICE, { digestWindowSeconds: 600 });
    const now = Date.UTC(2026, 10, 28, 12, 0);
    const [slack, mail] = await routes(scan, now);
    expect(slack.digest).toMatchObject({ reason: "window", windowSeconds: 600, dueAt: now + 600_000, ruleId: null });
    expect(mail.digest!.key).not.toBe(slack.digest!.key);
    expect((await routes(productAdded, now + 1000))[0].digest!.key).toBe(slack.digest!.key);
  });

  it.each([
    // [time zone, quiet hours, now (UTC), quiet time ends at (UTC) or null]
    ["UTC", "22:00", "07:00", "2026-11-28T23:30:00Z", "2026-11-29T07:00:00Z"],
    ["UTC", "22:00", "07:00", "2026-11-28T06:59:00Z", "2026-11-28T07:00:00Z"],
    ["UTC", "22:00", "07:00", "2026-11-28T12:00:00Z", null],
    // 23:30 UTC is 08:30 in Tokyo: outside 22:00–07:00 there.
    ["Asia/Tokyo", "22:00", "07:00", "2026-11-28T23:30:00Z", null],
    // 14:00 UTC is 23:00 in Tokyo: quiet until 07:00 Tokyo, 22:00 UTC.
    ["Asia/Tokyo", "22:00", "07:00", "2026-11-28T14:00:00Z", "2026-11-28T22:00:00Z"],
    // 06:00 UTC is 22:00 in Los Angeles (PST, UTC−8): quiet until 07:00 PST, 15:00 UTC.
    ["America/Los_Angeles", "21:00", "07:00", "2026-11-28T06:00:00Z", "2026-11-28T15:00:00Z"],
  ])("in %s with quiet hours %s–%s, a message at %s is held until %s", async (timeZone, start, end, at, until) => {
    await preferences.updateContact(ALICE, { quietHoursStart: start, quietHoursEnd: end, timeZone });
    const [slack] = await routes(scan, Date.parse(at));
    if (until === null) expect(slack.digest).toBeUndefined();
    else expect(slack.digest).toMatchObject({ reason: "quiet_hours", dueAt: Date.parse(until) });
  });

  it("holds for quiet hours before the digest window, and marks link-only when the system says so", async () => {
    await preferences.updateContact(ALICE, { digestWindowSeconds: 60, quietHoursStart: "00:00", quietHoursEnd: "23:59", timeZone: "UTC" });
    const [slack] = await routes(scan, Date.parse("2026-11-28T12:00:00Z"), { ...SETTINGS, linkOnly: true });
    expect(slack.digest).toMatchObject({ reason: "quiet_hours", dueAt: Date.parse("2026-11-28T23:59:00Z") });
    expect(slack.presentation).toEqual({ linkOnly: true });
  });
});
