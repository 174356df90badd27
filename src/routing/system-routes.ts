import { Channel } from "../vocabulary/channel";
import { DojoEvent } from "../events/dojo-event";
import { isSilentEvent } from "../events/notification-event";
import { DigestReason } from "../storage/entities/digest.entity";
import { Presentation } from "../storage/entities/delivery.entity";
import { SystemSettings } from "../storage/settings-store";
import { presentation } from "./presentation";

/** One place a message goes: what a delivery row records. Never holds a secret. */
export interface RouteTarget {
  channel: Channel;
  target: string;
  /** DefectDojo user id for a personal notification; null for system-wide ones. */
  recipientUserId: number | null;
  /** Narrows what the message shows (a rule's findings, link-only); absent: the whole event. */
  presentation?: Presentation | null;
  /** A rule's sealed Teams URL; the target is then only its label. */
  targetSecret?: string | null;
  /** The routing rule that chose this target; absent for system-wide settings and personal preferences. */
  ruleName?: string;
  /** Set when the message waits in a digest window instead of going out at once. */
  digest?: DigestPlan;
}

/** Which digest window a message joins, and when a new one closes. */
export interface DigestPlan {
  /** Rule or user, channel, target and group: messages with the same key share a window. */
  key: string;
  ruleId: number | null;
  windowSeconds: number;
  /** When a window opened now is sent (epoch ms). */
  dueAt: number;
  reason: DigestReason;
  groupLabel: string | null;
  groupUrl: string | null;
}

/** The label stored for the system Teams webhook: its URL is a credential and stays in the settings. */
export const MSTEAMS_SYSTEM_TARGET = "system Teams webhook";

/**
 * Where DefectDojo's system-wide notification would go: each channel the System Notifications
 * matrix selects for the event and whose switch is on. A channel switched on but not set up still
 * gets its row, so the delivery log says what is missing instead of the message vanishing.
 */
export function systemRoutes(event: DojoEvent, settings: SystemSettings, selected: Channel[]): RouteTarget[] {
  if (isSilentEvent(event.name)) return [];
  const targets: RouteTarget[] = [];
  for (const channel of selected) {
    const target = systemTarget(channel, settings);
    if (target !== null) targets.push({ channel, target, recipientUserId: null, presentation: presentation(null, settings.linkOnly) });
  }
  return targets;
}

/** The system-wide target of a channel, or null when its switch is off. */
export function systemTarget(channel: Channel, settings: SystemSettings, ignoreSwitch = false): string | null {
  switch (channel) {
    case Channel.SLACK:
      return settings.enableSlackNotifications || ignoreSwitch ? settings.slackChannel : null;
    case Channel.MSTEAMS:
      return settings.enableMsteamsNotifications || ignoreSwitch ? MSTEAMS_SYSTEM_TARGET : null;
    case Channel.MAIL:
      return settings.enableMailNotifications || ignoreSwitch ? settings.mailNotificationsTo.join(", ") : null;
  }
}
