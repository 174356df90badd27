import { ALL_CHANNELS, Channel } from "../vocabulary/channel";
import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../events/notification-event";
import { isPersonalOnlyEvent } from "../events/personal-only-events";
import { Database } from "./database";
import { plainFind } from "./plain-find";
import { SystemNotificationEntity } from "./entities/system-notification.entity";
import { SystemSettingsEntity } from "./entities/system-settings.entity";
import { SecretBox, secretFields } from "./secret-box";

/** System-wide settings as everyone but a channel may see them: secrets only as "set or not". */
export interface SystemSettings {
  enableSlackNotifications: boolean;
  slackChannel: string;
  slackUsername: string;
  slackTokenSet: boolean;
  enableMsteamsNotifications: boolean;
  msteamsUrlSet: boolean;
  enableMailNotifications: boolean;
  mailNotificationsTo: string[];
  /** Messages not sent by a routing rule say what happened and link to DefectDojo, with no titles or names. */
  linkOnly: boolean;
}

/** The same with secrets opened: for channels at send time only, never for an API response. */
export interface SystemSettingsWithSecrets extends SystemSettings {
  slackToken: string | null;
  msteamsUrl: string | null;
}

/** A partial update. For the secrets, an empty string clears the stored value. */
export interface SystemSettingsUpdate {
  enableSlackNotifications?: boolean;
  slackChannel?: string;
  slackUsername?: string;
  slackToken?: string;
  enableMsteamsNotifications?: boolean;
  msteamsUrl?: string;
  enableMailNotifications?: boolean;
  mailNotificationsTo?: string[];
  linkOnly?: boolean;
}

export interface EventChannels {
  event: NotificationEvent;
  channels: Channel[];
}

/**
 * What goes where until a superuser says otherwise: every event to every enabled system channel,
 * except SCAN_ADDED_EMPTY, which DefectDojo also leaves empty (it fires on every no-change import),
 * and the personal-only events, which DefectDojo never sends to the bridge.
 */
export function defaultSystemChannels(event: NotificationEvent): Channel[] {
  return event === NotificationEvent.SCAN_ADDED_EMPTY || isPersonalOnlyEvent(event) ? [] : [...ALL_CHANNELS];
}

const SETTINGS_ROW_ID = 1;

/**
 * Reads and writes the system settings and the system notification matrix. Nothing is cached:
 * every read goes to the database, so a change is in effect for the very next event.
 */
export class SettingsStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {}

  async systemSettings(): Promise<SystemSettingsWithSecrets> {
    const row = await this.settingsRow();
    return {
      ...withoutSecrets(row),
      slackToken: row?.slackTokenEncrypted ? this.secrets.open(row.slackTokenEncrypted, secretFields.slackToken(row.id)) : null,
      msteamsUrl: row?.msteamsUrlEncrypted ? this.secrets.open(row.msteamsUrlEncrypted, secretFields.systemTeamsUrl(row.id)) : null,
    };
  }

  /**
   * The same, secrets left sealed: all routing and the API need. The intake reads it for every
   * batch of webhooks, which then no longer decrypts two secrets it never uses.
   */
  async publicSystemSettings(): Promise<SystemSettings> {
    return withoutSecrets(await this.settingsRow());
  }

  private async settingsRow(): Promise<SystemSettingsEntity | null> {
    const [row] = await plainFind(this.db.manager, SystemSettingsEntity, "WHERE id = ?", [SETTINGS_ROW_ID]);
    return row ?? null;
  }

  async updateSystemSettings(update: SystemSettingsUpdate): Promise<SystemSettings> {
    await this.db.write(async (manager) => {
      const row =
        (await manager.findOneBy(SystemSettingsEntity, { id: SETTINGS_ROW_ID })) ??
        manager.create(SystemSettingsEntity, {
          id: SETTINGS_ROW_ID,
          enableSlackNotifications: false,
          slackChannel: "",
          slackUsername: "",
          slackTokenEncrypted: null,
          enableMsteamsNotifications: false,
          msteamsUrlEncrypted: null,
          enableMailNotifications: false,
          mailNotificationsTo: [],
          linkOnly: false,
        });
      const { slackToken, msteamsUrl, ...plain } = update;
      for (const [key, value] of Object.entries(plain)) {
        if (value !== undefined) (row as unknown as Record<string, unknown>)[key] = value;
      }
      if (slackToken !== undefined) row.slackTokenEncrypted = slackToken ? this.secrets.seal(slackToken, secretFields.slackToken(row.id)) : null;
      if (msteamsUrl !== undefined) {
        row.msteamsUrlEncrypted = msteamsUrl ? this.secrets.seal(msteamsUrl, secretFields.systemTeamsUrl(row.id)) : null;
      }
      row.updatedAt = Date.now();
      await manager.save(row);
    });
    return this.publicSystemSettings();
  }

  /** One entry per NotificationEvent, in DefectDojo's order. */
  async systemNotifications(): Promise<EventChannels[]> {
    const rows = await this.db.manager.find(SystemNotificationEntity);
    const stored = new Map(rows.map((row) => [row.event, row.channels]));
    return ALL_NOTIFICATION_EVENTS.map((event) => ({
      event,
      channels: stored.get(event) ?? defaultSystemChannels(event),
    }));
  }

  async systemChannelsFor(event: NotificationEvent): Promise<Channel[]> {
    const [row] = await plainFind(this.db.manager, SystemNotificationEntity, "WHERE event = ?", [event]);
    return row?.channels ?? defaultSystemChannels(event);
  }

  async setSystemNotification(event: NotificationEvent, channels: Channel[]): Promise<EventChannels> {
    const unique = ALL_CHANNELS.filter((channel) => channels.includes(channel));
    await this.db.write((manager) => manager.save(SystemNotificationEntity, { event, channels: unique }));
    return { event, channels: unique };
  }

  /** Replaces the channels of several events in one transaction: all of them are stored, or none. Returns the whole matrix. */
  async setSystemNotifications(lines: readonly EventChannels[]): Promise<EventChannels[]> {
    const rows = lines.map(({ event, channels }) => ({ event, channels: ALL_CHANNELS.filter((channel) => channels.includes(channel)) }));
    await this.db.write((manager) => manager.save(SystemNotificationEntity, rows));
    return this.systemNotifications();
  }
}

function withoutSecrets(row: SystemSettingsEntity | null): SystemSettings {
  return {
    enableSlackNotifications: row?.enableSlackNotifications ?? false,
    slackChannel: row?.slackChannel ?? "",
    slackUsername: row?.slackUsername ?? "",
    slackTokenSet: Boolean(row?.slackTokenEncrypted),
    enableMsteamsNotifications: row?.enableMsteamsNotifications ?? false,
    msteamsUrlSet: Boolean(row?.msteamsUrlEncrypted),
    enableMailNotifications: row?.enableMailNotifications ?? false,
    mailNotificationsTo: row?.mailNotificationsTo ?? [],
    linkOnly: row?.linkOnly ?? false,
  };
}
