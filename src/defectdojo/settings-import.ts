import { isEmail } from "class-validator";
import { ALL_CHANNELS, Channel } from "../vocabulary/channel";
import { nonPublicLiteralReason, parseWebhookAllowlist, WebhookAllowlist } from "../channels/msteams/webhook-allowlist";
import { ALL_NOTIFICATION_EVENTS } from "../events/notification-event";
import { isPersonalOnlyEvent, PERSONAL_ONLY_EVENTS, PERSONAL_ONLY_NOTE } from "../events/personal-only-events";
// The same rules as a superuser's own input: what the bridge would refuse there is not imported either.
import {
  isHttpUrl,
  MSTEAMS_URL_MAX_LENGTH,
  SLACK_CHANNEL,
  SLACK_TOKEN_MAX_LENGTH,
  SLACK_USERNAME_MAX_LENGTH,
} from "../storage/settings-rules";
import { EMAIL_MAX_LENGTH } from "../storage/entities/user-contact.entity";
import { PreferencesStore } from "../storage/preferences-store";
import { SettingsStore, SystemSettingsUpdate, SystemSettingsWithSecrets } from "../storage/settings-store";
import { DojoClient } from "./dojo-client";
import {
  DojoNotificationsRow,
  DojoSystemSettings,
  DojoUserContactInfo,
  dojoUserContactInfoRow,
  readNotificationRows,
  readSystemSettings,
  systemRowOf,
} from "./notification-settings";
import { dojoUserRow } from "./user-row";

/** One thing the import looked at: e.g. "system setting slackChannel", with why when it was skipped. */
export interface ImportItem {
  what: string;
  reason: string | null;
}

export interface ImportReport {
  /** Written into the bridge (they differed). */
  imported: ImportItem[];
  /** Already the same in the bridge: nothing written. */
  unchanged: ImportItem[];
  /** Not imported, each with its reason. */
  skipped: ImportItem[];
}

/** DefectDojo's channels the bridge delivers on; `alert` and `webhooks` are not among them. */
const BRIDGE_CHANNELS: Readonly<Record<string, Channel>> = { slack: Channel.SLACK, msteams: Channel.MSTEAMS, mail: Channel.MAIL };
const NOT_BRIDGE_CHANNEL: Readonly<Record<string, string>> = {
  alert: "DefectDojo's alert channel (in-app alerts) is not a channel the bridge delivers to",
  webhooks: "DefectDojo's webhooks channel sends to webhook endpoints kept in DefectDojo, not a channel the bridge delivers to",
};
const WEBHOOKS_IN_SYSTEM_ROW =
  "DefectDojo already sends this event to its webhook endpoints (the bridge's, once registered), so the bridge's own channels for it are kept";
/** How DefectDojo's `mail_notifications_to` (one text field) is seen to separate several addresses. */
const ADDRESS_SEPARATORS = /[\s,;]+/;

/**
 * Copies DefectDojo's notification settings into the bridge: the system settings, the system
 * notification matrix, every user's personal (all-products) matrix and users' Slack e-mails. Reads
 * everything first, so DefectDojo failing midway changes nothing; then writes only what differs,
 * so a second run writes nothing and reports it all unchanged. Secrets (Slack token, Teams URL)
 * are imported but never named by value.
 *
 * @throws DojoApiError when DefectDojo cannot be read
 */
export async function importFromDefectDojo(deps: {
  client: DojoClient;
  settings: SettingsStore;
  preferences: PreferencesStore;
  /** SYSTEM_WEBHOOK_ALLOWLIST: a Teams URL at an address that is not public is skipped unless it names the host. */
  systemWebhookAllowlist?: WebhookAllowlist;
}): Promise<ImportReport> {
  const { client, settings, preferences } = deps;
  const exempt = deps.systemWebhookAllowlist ?? parseWebhookAllowlist("");
  const [dojoSettings, rows, users, contacts] = await Promise.all([
    readSystemSettings(client),
    readNotificationRows(client),
    client.list("users/", {}, dojoUserRow),
    client.list("user_contact_infos/", {}, dojoUserContactInfoRow),
  ]);
  const report: ImportReport = { imported: [], unchanged: [], skipped: [] };
  const usernames = new Map(users.map((user) => [user.id, user.username]));
  const nameOf = (userId: number) => usernames.get(userId) ?? `user ${userId}`;

  await importSystemSettings(settings, dojoSettings, report, exempt);
  await importSystemMatrix(settings, systemRowOf(rows), report);
  await importPersonalMatrices(preferences, rows, nameOf, report);
  await importSlackEmails(preferences, contacts, nameOf, report);
  return report;
}

async function importSystemSettings(
  settings: SettingsStore,
  dojo: DojoSystemSettings,
  report: ImportReport,
  exempt: WebhookAllowlist,
): Promise<void> {
  const current = await settings.systemSettings();
  const update: SystemSettingsUpdate = {};
  /** Records one setting; `problem` skips it, and an unchanged one is not written. */
  const consider = <K extends keyof SystemSettingsUpdate>(key: K, value: SystemSettingsUpdate[K], same: boolean, problem?: string) => {
    const item = { what: `system setting ${key}`, reason: problem ?? null };
    if (problem) report.skipped.push(item);
    else if (same) report.unchanged.push(item);
    else {
      update[key] = value;
      report.imported.push(item);
    }
  };

  consider("enableSlackNotifications", dojo.enable_slack_notifications, dojo.enable_slack_notifications === current.enableSlackNotifications);
  const channel = dojo.slack_channel.trim();
  consider("slackChannel", channel, channel === current.slackChannel, SLACK_CHANNEL.test(channel) ? undefined : "not a Slack channel name or id");
  const username = dojo.slack_username.trim();
  consider(
    "slackUsername",
    username,
    username === current.slackUsername,
    username.length > SLACK_USERNAME_MAX_LENGTH ? `longer than ${SLACK_USERNAME_MAX_LENGTH} characters` : undefined,
  );
  considerSecret("slackToken", dojo.slack_token.trim(), current, consider, (token) =>
    /^\S+$/.test(token) && token.length <= SLACK_TOKEN_MAX_LENGTH ? undefined : "not a usable Slack token (whitespace, or too long)",
  );

  consider("enableMsteamsNotifications", dojo.enable_msteams_notifications, dojo.enable_msteams_notifications === current.enableMsteamsNotifications);
  considerSecret("msteamsUrl", dojo.msteams_url.trim(), current, consider, (url) =>
    isHttpUrl(url) && url.length <= MSTEAMS_URL_MAX_LENGTH ? (nonPublicLiteralReason(exempt, url) ?? undefined) : "not an http(s) URL",
  );

  consider("enableMailNotifications", dojo.enable_mail_notifications, dojo.enable_mail_notifications === current.enableMailNotifications);
  const addresses = [...new Set(dojo.mail_notifications_to.split(ADDRESS_SEPARATORS).filter(Boolean))];
  const valid = addresses.filter((address) => isEmail(address) && address.length <= EMAIL_MAX_LENGTH);
  for (const address of addresses.filter((address) => !valid.includes(address))) {
    report.skipped.push({ what: `system setting mailNotificationsTo: ${JSON.stringify(address)}`, reason: "not an e-mail address" });
  }
  consider(
    "mailNotificationsTo",
    valid,
    sameList(valid, current.mailNotificationsTo),
    // Only bad addresses: an empty list would clear the bridge's rather than copy DefectDojo's.
    addresses.length > 0 && valid.length === 0 ? "none of DefectDojo's addresses is usable" : undefined,
  );

  if (Object.keys(update).length > 0) await settings.updateSystemSettings(update);
}

/**
 * A secret: compared with the bridge's opened value, never shown. DefectDojo's being empty does not
 * clear the bridge's: the bridge may have been given one DefectDojo lacks.
 */
function considerSecret(
  key: "slackToken" | "msteamsUrl",
  value: string,
  current: SystemSettingsWithSecrets,
  consider: (key: "slackToken" | "msteamsUrl", value: string, same: boolean, problem?: string) => void,
  problemWith: (value: string) => string | undefined,
): void {
  const stored = current[key];
  if (value === "") {
    consider(key, value, stored === null, stored === null ? undefined : "empty in DefectDojo; the bridge keeps its own");
  } else {
    consider(key, value, value === stored, problemWith(value));
  }
}

async function importSystemMatrix(settings: SettingsStore, row: DojoNotificationsRow | undefined, report: ImportReport): Promise<void> {
  if (!row) {
    report.skipped.push({ what: "system notifications", reason: "DefectDojo has no system notification settings saved yet" });
    return;
  }
  const current = new Map((await settings.systemNotifications()).map((line) => [line.event, line.channels]));
  const notDelivered = new Map<string, number>();
  for (const event of ALL_NOTIFICATION_EVENTS) {
    const what = `system notification ${event}`;
    if (isPersonalOnlyEvent(event)) {
      report.skipped.push({ what, reason: PERSONAL_ONLY_NOTE });
      continue;
    }
    const dojoChannels = row.channels.get(event) ?? [];
    if (dojoChannels.includes("webhooks")) {
      report.skipped.push({ what, reason: WEBHOOKS_IN_SYSTEM_ROW });
      continue;
    }
    const { channels, unsupported } = bridgeChannels(dojoChannels);
    for (const channel of unsupported) notDelivered.set(channel, (notDelivered.get(channel) ?? 0) + 1);
    if (sameList(channels, current.get(event) ?? [])) report.unchanged.push({ what, reason: null });
    else {
      await settings.setSystemNotification(event, channels);
      report.imported.push({ what, reason: null });
    }
  }
  for (const [channel, events] of notDelivered) {
    report.skipped.push({ what: `${channel} channel of system notifications (${plural(events, "event")})`, reason: notBridgeChannel(channel) });
  }
}

async function importPersonalMatrices(
  preferences: PreferencesStore,
  rows: readonly DojoNotificationsRow[],
  nameOf: (userId: number) => string,
  report: ImportReport,
): Promise<void> {
  const personal = rows.filter((row) => row.user !== null && row.product === null).sort((a, b) => nameOf(a.user!).localeCompare(nameOf(b.user!)));
  const notDelivered = new Map<string, Set<number>>();
  const personalOnlyChosen = new Set<number>();
  for (const row of personal) {
    const userId = row.user!;
    const what = `personal notifications of ${nameOf(userId)}`;
    const current = new Map((await preferences.notifications(userId)).map((line) => [line.event, line.channels]));
    let changed = false;
    for (const event of ALL_NOTIFICATION_EVENTS) {
      const { channels, unsupported } = bridgeChannels(row.channels.get(event) ?? []);
      if (isPersonalOnlyEvent(event)) {
        if (channels.length > 0) personalOnlyChosen.add(userId);
        continue;
      }
      for (const channel of unsupported) notDelivered.set(channel, (notDelivered.get(channel) ?? new Set()).add(userId));
      if (sameList(channels, current.get(event) ?? [])) continue;
      await preferences.setNotification(userId, event, channels);
      changed = true;
    }
    (changed ? report.imported : report.unchanged).push({ what, reason: null });
  }
  for (const [channel, users] of notDelivered) {
    report.skipped.push({ what: `${channel} channel of personal notifications (${plural(users.size, "user")})`, reason: notBridgeChannel(channel) });
  }
  if (personalOnlyChosen.size > 0) {
    report.skipped.push({
      what: `${[...PERSONAL_ONLY_EVENTS].join(" and ")} in personal notifications (${plural(personalOnlyChosen.size, "user")})`,
      reason: PERSONAL_ONLY_NOTE,
    });
  }
  const perProduct = rows.filter((row) => row.user !== null && row.product !== null).length;
  if (perProduct > 0) {
    report.skipped.push({
      what: `per-product personal notifications (${plural(perProduct, "row")})`,
      reason: "the bridge's personal settings cover all products at once; it has none per product",
    });
  }
}

async function importSlackEmails(
  preferences: PreferencesStore,
  contacts: readonly DojoUserContactInfo[],
  nameOf: (userId: number) => string,
  report: ImportReport,
): Promise<void> {
  for (const contact of [...contacts].sort((a, b) => nameOf(a.userId).localeCompare(nameOf(b.userId)))) {
    // Nothing set in DefectDojo: what the bridge has (or its fallback, the user's own e-mail) stays.
    if (contact.slackEmail === "") continue;
    const what = `Slack e-mail of ${nameOf(contact.userId)}`;
    if (!isEmail(contact.slackEmail) || contact.slackEmail.length > EMAIL_MAX_LENGTH) {
      report.skipped.push({ what, reason: "not an e-mail address" });
    } else if ((await preferences.contact(contact.userId)).slackEmail === contact.slackEmail) {
      report.unchanged.push({ what, reason: null });
    } else {
      await preferences.updateContact(contact.userId, { slackEmail: contact.slackEmail });
      report.imported.push({ what, reason: null });
    }
  }
}

/** DefectDojo's channel ids as the bridge's channels (in Channel order), and those it does not deliver on. */
function bridgeChannels(dojoChannels: readonly string[]): { channels: Channel[]; unsupported: string[] } {
  const mapped = new Set(dojoChannels.map((channel) => BRIDGE_CHANNELS[channel]).filter(Boolean));
  return {
    channels: ALL_CHANNELS.filter((channel) => mapped.has(channel)),
    unsupported: [...new Set(dojoChannels.filter((channel) => !Object.hasOwn(BRIDGE_CHANNELS, channel)))],
  };
}

const notBridgeChannel = (channel: string) => NOT_BRIDGE_CHANNEL[channel] ?? `DefectDojo's ${channel} channel is not one the bridge knows`;
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((value, i) => value === b[i]);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;
