import { readFileSync } from "node:fs";
import { Channel } from "../../src/vocabulary/channel";
import { NotificationEvent } from "../../src/events/notification-event";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { migratedDatabase } from "../support/database";

const TOKEN = "xoxb-1111-2222-very-secret-token";
const TEAMS_URL = "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SIGSECRET123";

describe("SettingsStore", () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let store: SettingsStore;

  beforeEach(async () => {
    database = await migratedDatabase();
    store = new SettingsStore(database.db, new SecretBox("test key, thirty-two characters or more"));
  });
  afterEach(() => database.close());

  it("starts with everything off and sensible routing defaults", async () => {
    const settings = await store.systemSettings();
    expect(settings).toMatchObject({ enableSlackNotifications: false, slackTokenSet: false, mailNotificationsTo: [] });
    const matrix = await store.systemNotifications();
    expect(matrix).toHaveLength(18);
    expect(matrix.find((e) => e.event === NotificationEvent.PRODUCT_ADDED)?.channels).toEqual([
      Channel.SLACK,
      Channel.MSTEAMS,
      Channel.MAIL,
    ]);
    expect(matrix.find((e) => e.event === NotificationEvent.SCAN_ADDED_EMPTY)?.channels).toEqual([]);
  });

  it("keeps secrets encrypted at rest and returns them only to the channels' reader", async () => {
    const updated = await store.updateSystemSettings({ slackToken: TOKEN, msteamsUrl: TEAMS_URL, slackChannel: "#sec" });
    expect(updated).toMatchObject({ slackTokenSet: true, msteamsUrlSet: true, slackChannel: "#sec" });
    expect(JSON.stringify(updated)).not.toContain(TOKEN);
    expect(JSON.stringify(updated)).not.toContain("SIGSECRET123");

    const full = await store.systemSettings();
    expect(full.slackToken).toBe(TOKEN);
    expect(full.msteamsUrl).toBe(TEAMS_URL);
    const { slackToken: _token, msteamsUrl: _url, ...withoutSecrets } = full;
    expect(await store.publicSystemSettings()).toEqual({ ...withoutSecrets, slackTokenSet: true, msteamsUrlSet: true });
    expect(JSON.stringify(await store.publicSystemSettings())).not.toContain(TOKEN);

    // The bytes on disk (database and WAL) never hold the plain secrets.
    await database.db.dataSource.query("PRAGMA wal_checkpoint(TRUNCATE)");
    const onDisk = readFileSync(database.path).toString("latin1");
    expect(onDisk).toContain("#sec");
    expect(onDisk).not.toContain(TOKEN);
    expect(onDisk).not.toContain("SIGSECRET123");
  });

  it("reads the settings for routing without opening the secrets", async () => {
    await store.updateSystemSettings({ slackToken: TOKEN, msteamsUrl: TEAMS_URL, enableSlackNotifications: true });
    // A box with another key cannot open them: only a read that never tries still answers.
    const otherKey = new SettingsStore(database.db, new SecretBox("another key, thirty-two characters or more"));
    await expect(otherKey.systemSettings()).rejects.toThrow();
    expect(await otherKey.publicSystemSettings()).toMatchObject({ enableSlackNotifications: true, slackTokenSet: true, msteamsUrlSet: true });
  });

  it("clears a secret with an empty string and leaves unspecified fields alone", async () => {
    await store.updateSystemSettings({ slackToken: TOKEN, enableSlackNotifications: true });
    await store.updateSystemSettings({ slackToken: "" });
    const settings = await store.systemSettings();
    expect(settings.slackTokenSet).toBe(false);
    expect(settings.enableSlackNotifications).toBe(true);
  });

  it("cannot open secrets with another key", async () => {
    await store.updateSystemSettings({ slackToken: TOKEN });
    const other = new SettingsStore(database.db, new SecretBox("another key, thirty-two characters or more"));
    await expect(other.systemSettings()).rejects.toThrow(/does not open with this SECRET_KEY|unable to authenticate/);
  });

  it("stores the system notification matrix per event, without repeats", async () => {
    await store.setSystemNotification(NotificationEvent.SCAN_ADDED, [Channel.MAIL, Channel.SLACK, Channel.MAIL]);
    expect(await store.systemChannelsFor(NotificationEvent.SCAN_ADDED)).toEqual([Channel.SLACK, Channel.MAIL]);
    expect(await store.systemChannelsFor(NotificationEvent.TEST_ADDED)).toHaveLength(3);
  });
});
