import { ALL_CHANNELS, Channel } from "../vocabulary/channel";
import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../events/notification-event";
import { Severity } from "../events/severity";
import { QuietHours } from "../routing/quiet-hours";
import { Database } from "./database";
import { plainFind } from "./plain-find";
import { placeholders, sql } from "./sql";
import { UserContactEntity } from "./entities/user-contact.entity";
import { UserNotificationEntity } from "./entities/user-notification.entity";
import { SecretBox, secretFields } from "./secret-box";
import { EventChannels } from "./settings-store";

/** What a user set as their own addresses, as the API may show it: the Teams URL only as "set or not". */
export interface UserContact {
  /** null: not set (their DefectDojo e-mail is used). */
  slackEmail: string | null;
  /** null: not set (their DefectDojo e-mail is used). */
  email: string | null;
  msteamsUrlSet: boolean;
  /** Only findings this severe or worse reach the user; null: every finding. Events listing no findings are not filtered. */
  minSeverity: Severity | null;
  /** 0: each message at once; otherwise messages are gathered into one digest per this many seconds. */
  digestWindowSeconds: number;
  /** null: no quiet hours (start or end not set). Its time zone is UTC unless the user set one. */
  quietHours: QuietHours | null;
  /** The time zone as set (IANA name); null: UTC. Kept apart so it shows even without quiet hours. */
  timeZone: string | null;
}

/** The same with the Teams URL opened: for routing and channels at send time, never for an API response. */
export interface UserContactWithSecret extends UserContact {
  msteamsUrl: string | null;
}

/** A partial update: absent fields are left as they are, "" clears a field. */
export interface ContactUpdate {
  slackEmail?: string;
  email?: string;
  msteamsUrl?: string;
  /** null clears it (every finding). */
  minSeverity?: Severity | null;
  /** 0: at once. */
  digestWindowSeconds?: number;
  /** "HH:MM"; validated by the caller (validateQuietHours), which also sees that start and end come together. */
  quietHoursStart?: string;
  quietHoursEnd?: string;
  /** IANA name; "" clears it (UTC). */
  timeZone?: string;
}

/** A user who wants an event personally, on these channels (never empty). */
export interface Subscription {
  userId: number;
  channels: Channel[];
}

/**
 * Stays well under SQLite's 32,766 bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER since
 * 3.32): a fan-out to this many users or fewer is one query.
 */
const CONTACTS_PER_QUERY = 10_000;

const NO_CONTACT: UserContactWithSecret = {
  slackEmail: null,
  email: null,
  msteamsUrlSet: false,
  msteamsUrl: null,
  minSeverity: null,
  digestWindowSeconds: 0,
  quietHours: null,
  timeZone: null,
};

/**
 * Users' personal notification settings: their contact addresses and, per event, the channels
 * that notify them. Nothing is cached: every read goes to the database, so a change counts from
 * the very next event. Every write goes through `db.write`.
 */
export class PreferencesStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {}

  /** The user's addresses, the Teams URL opened. All null for a user who set nothing. */
  async contact(userId: number): Promise<UserContactWithSecret> {
    const [row] = await plainFind(this.db.manager, UserContactEntity, "WHERE user_id = ?", [userId]);
    return row ? this.open(row) : { ...NO_CONTACT };
  }

  /**
   * The addresses of many users at once, for fanning one event out: one query (per
   * CONTACTS_PER_QUERY users). Every id asked for is in the map, users who set nothing included.
   */
  async contacts(userIds: number[]): Promise<Map<number, UserContactWithSecret>> {
    const ids = [...new Set(userIds)];
    const found = new Map<number, UserContactWithSecret>();
    for (let start = 0; start < ids.length; start += CONTACTS_PER_QUERY) {
      const slice = ids.slice(start, start + CONTACTS_PER_QUERY);
      const rows = await plainFind(this.db.manager, UserContactEntity, `WHERE user_id IN (${placeholders(slice)})`, slice);
      for (const row of rows) found.set(row.userId, this.open(row));
    }
    return new Map(ids.map((id) => [id, found.get(id) ?? { ...NO_CONTACT }]));
  }

  /** Applies a partial update; "" (null for minSeverity) clears a field. Returns the result without the Teams URL. */
  async updateContact(userId: number, update: ContactUpdate): Promise<UserContact> {
    const saved = await this.db.write(async (manager) => {
      const row =
        (await manager.findOneBy(UserContactEntity, { userId })) ??
        manager.create(UserContactEntity, {
          userId,
          slackEmail: null,
          email: null,
          msteamsUrlEncrypted: null,
          minSeverity: null,
          digestWindowSeconds: 0,
          quietHoursStart: null,
          quietHoursEnd: null,
          timeZone: null,
        });
      if (update.slackEmail !== undefined) row.slackEmail = update.slackEmail || null;
      if (update.email !== undefined) row.email = update.email || null;
      if (update.msteamsUrl !== undefined) {
        row.msteamsUrlEncrypted = update.msteamsUrl ? this.secrets.seal(update.msteamsUrl, secretFields.personalTeamsUrl(userId)) : null;
      }
      if (update.minSeverity !== undefined) row.minSeverity = update.minSeverity;
      if (update.digestWindowSeconds !== undefined) row.digestWindowSeconds = update.digestWindowSeconds;
      if (update.quietHoursStart !== undefined) row.quietHoursStart = update.quietHoursStart || null;
      if (update.quietHoursEnd !== undefined) row.quietHoursEnd = update.quietHoursEnd || null;
      if (update.timeZone !== undefined) row.timeZone = update.timeZone || null;
      row.updatedAt = Date.now();
      return manager.save(row);
    });
    return publicContact(this.open(saved));
  }

  /**
   * One entry per NotificationEvent, in DefectDojo's order. Unset events have no channel:
   * DefectDojo's own personal default sends nothing beyond its in-app alerts.
   */
  async notifications(userId: number): Promise<EventChannels[]> {
    const rows = await this.db.manager.findBy(UserNotificationEntity, { userId });
    const stored = new Map(rows.map((row) => [row.event, row.channels]));
    return ALL_NOTIFICATION_EVENTS.map((event) => ({ event, channels: stored.get(event) ?? [] }));
  }

  /** Replaces the user's channels for one event: each channel once, in Channel order; [] for none. */
  async setNotification(userId: number, event: NotificationEvent, channels: Channel[]): Promise<EventChannels> {
    const unique = ALL_CHANNELS.filter((channel) => channels.includes(channel));
    await this.db.write(async (manager) => {
      // No row for an empty list, so `subscribers` reads only users who want the event.
      if (unique.length === 0) await manager.delete(UserNotificationEntity, { userId, event });
      else await manager.save(UserNotificationEntity, { userId, event, channels: unique });
    });
    return { event, channels: unique };
  }

  /** Replaces the user's channels for several events in one transaction: all of them are stored, or none. Returns the whole matrix. */
  async setNotifications(userId: number, lines: readonly EventChannels[]): Promise<EventChannels[]> {
    await this.db.write(async (manager) => {
      for (const { event, channels } of lines) {
        const unique = ALL_CHANNELS.filter((channel) => channels.includes(channel));
        if (unique.length === 0) await manager.delete(UserNotificationEntity, { userId, event });
        else await manager.save(UserNotificationEntity, { userId, event, channels: unique });
      }
    });
    return this.notifications(userId);
  }

  /** Whether any user has a channel for this event. */
  async anySubscriber(event: NotificationEvent): Promise<boolean> {
    // Asked for every batch of webhooks: one row at most, however many subscribed.
    const rows: unknown[] = await sql(
      this.db.manager,
      "SELECT 1 AS one FROM user_notification WHERE event = ? AND channels <> '[]' LIMIT 1",
      [event],
    );
    return rows.length > 0;
  }

  /** Every user with at least one channel for this event, by user id: one query (on the event index). */
  async subscribers(event: NotificationEvent): Promise<Subscription[]> {
    const rows = await plainFind(this.db.manager, UserNotificationEntity, "WHERE event = ? ORDER BY user_id", [event]);
    return rows
      .filter((row) => row.channels.length > 0)
      .map((row) => ({ userId: row.userId, channels: row.channels }));
  }

  private open(row: UserContactEntity): UserContactWithSecret {
    const msteamsUrl = row.msteamsUrlEncrypted ? this.secrets.open(row.msteamsUrlEncrypted, secretFields.personalTeamsUrl(row.userId)) : null;
    const quietHours =
      row.quietHoursStart && row.quietHoursEnd
        ? { start: row.quietHoursStart, end: row.quietHoursEnd, timeZone: row.timeZone ?? "UTC" }
        : null;
    return {
      slackEmail: row.slackEmail,
      email: row.email,
      msteamsUrlSet: msteamsUrl !== null,
      msteamsUrl,
      minSeverity: row.minSeverity,
      digestWindowSeconds: row.digestWindowSeconds,
      quietHours,
      timeZone: row.timeZone,
    };
  }
}

/** Drops the opened Teams URL: the only shape that may leave through the API. */
export function publicContact(contact: UserContactWithSecret): UserContact {
  const { msteamsUrl: _url, ...rest } = contact;
  return rest;
}
