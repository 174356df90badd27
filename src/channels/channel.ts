import { DojoEvent } from "../events/dojo-event";
import { Channel } from "../vocabulary/channel";
import { MessageTemplate } from "./message-template";

/** System-wide settings with secrets decrypted, as a channel needs them for one send. */
export interface ChannelSettings {
  slackToken: string | null;
  slackUsername: string;
  msteamsUrl: string | null;
}

/** The user a personal notification is for, with what their channels need beyond the target. */
export interface Recipient {
  /** DefectDojo user id. */
  userId: number;
  /** Their own Teams Workflows URL (a credential, opened from its encrypted column for this send). */
  msteamsUrl: string | null;
}

/** One message for one target, handed to a channel. */
export interface OutgoingMessage {
  event: DojoEvent;
  /**
   * The delivery row's target: a Slack channel, comma-separated mail addresses, or the Teams label
   * for system-wide messages; the user's Slack e-mail, mail address or Teams label for personal ones.
   */
  target: string;
  settings: ChannelSettings;
  /** Set for personal notifications only. */
  recipient?: Recipient;
  /**
   * Link-only mode (a rule's or the system-wide switch): the message says what happened and links
   * to the event's DefectDojo page, with no finding titles, descriptions or object names.
   */
  linkOnly?: boolean;
  /** The administrator's template for this event and channel, if one is set (ignored in link-only mode). */
  template?: MessageTemplate | null;
}

/**
 * A delivery channel: renders a DojoEvent its own way and sends it.
 *
 * `send` is called by the delivery worker once per attempt of one outbox row, possibly for several
 * rows at once. It makes exactly one attempt (clients' own retries are off) and either resolves
 * (delivered) or throws a DeliveryError saying whether a retry may help. Anything else it throws is
 * treated as a retryable network error. `close` is called once at shutdown.
 */
export interface NotificationChannel {
  readonly id: Channel;
  send(message: OutgoingMessage): Promise<void>;
  close?(): Promise<void>;
}
