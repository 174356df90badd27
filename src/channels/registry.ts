import { NotificationChannel } from "./channel";
import { Channel } from "../vocabulary/channel";
import { createMailChannel } from "./mail/mail-channel";
import { createMsteamsChannel } from "./msteams/msteams-channel";
import { WebhookAllowlist } from "./msteams/webhook-allowlist";
import { createSlackChannel } from "./slack/slack-channel";

export interface ChannelsOptions {
  slackApiUrl?: string;
  smtpUrl: string | null;
  mailFrom: string;
  dojoUrl: string | null;
  personalWebhookAllowlist: WebhookAllowlist;
  systemWebhookAllowlist: WebhookAllowlist;
}

/** Every channel the bridge speaks, one line each: a new channel is a folder plus a line here. */
const CHANNEL_FACTORIES: ReadonlyArray<(options: ChannelsOptions) => NotificationChannel> = [
  (options) => createSlackChannel({ slackApiUrl: options.slackApiUrl, dojoUrl: options.dojoUrl }),
  (options) =>
    createMsteamsChannel({ dojoUrl: options.dojoUrl, personalAllowlist: options.personalWebhookAllowlist, systemAllowlist: options.systemWebhookAllowlist }),
  (options) => createMailChannel({ smtpUrl: options.smtpUrl, mailFrom: options.mailFrom, dojoUrl: options.dojoUrl }),
];

/** Builds every channel once, at start-up. */
export function createChannels(options: ChannelsOptions): ReadonlyMap<Channel, NotificationChannel> {
  return registerChannels(CHANNEL_FACTORIES.map((create) => create(options)));
}

/** Indexes channels by id; throws on a duplicate id, which is a programming error to catch at start-up. */
export function registerChannels(channels: readonly NotificationChannel[]): ReadonlyMap<Channel, NotificationChannel> {
  const byId = new Map<Channel, NotificationChannel>();
  for (const channel of channels) {
    if (byId.has(channel.id)) throw new Error(`two channels have the id ${channel.id}`);
    byId.set(channel.id, channel);
  }
  return byId;
}
