/**
 * DefectDojo's 18 per-event notification settings (the fields of its `Notifications` model), in
 * the order DefectDojo's own pages list them. Any event name that is not one of these is routed
 * by the OTHER setting, exactly as DefectDojo does (`getattr(notifications, event, notifications.other)`).
 */
export enum NotificationEvent {
  PRODUCT_TYPE_ADDED = "PRODUCT_TYPE_ADDED",
  PRODUCT_ADDED = "PRODUCT_ADDED",
  ENGAGEMENT_ADDED = "ENGAGEMENT_ADDED",
  TEST_ADDED = "TEST_ADDED",
  SCAN_ADDED = "SCAN_ADDED",
  SCAN_ADDED_EMPTY = "SCAN_ADDED_EMPTY",
  JIRA_UPDATE = "JIRA_UPDATE",
  UPCOMING_ENGAGEMENT = "UPCOMING_ENGAGEMENT",
  STALE_ENGAGEMENT = "STALE_ENGAGEMENT",
  AUTO_CLOSE_ENGAGEMENT = "AUTO_CLOSE_ENGAGEMENT",
  CLOSE_ENGAGEMENT = "CLOSE_ENGAGEMENT",
  USER_MENTIONED = "USER_MENTIONED",
  CODE_REVIEW = "CODE_REVIEW",
  REVIEW_REQUESTED = "REVIEW_REQUESTED",
  OTHER = "OTHER",
  SLA_BREACH = "SLA_BREACH",
  SLA_BREACH_COMBINED = "SLA_BREACH_COMBINED",
  RISK_ACCEPTANCE_EXPIRATION = "RISK_ACCEPTANCE_EXPIRATION",
}

export const ALL_NOTIFICATION_EVENTS: readonly NotificationEvent[] = Object.values(NotificationEvent);

const BY_DOJO_NAME = new Map<string, NotificationEvent>(
  ALL_NOTIFICATION_EVENTS.map((setting) => [setting.toLowerCase(), setting]),
);

/** Events DefectDojo sends that are not notifications (`ping`, when an endpoint is saved): recorded, never delivered. */
export function isSilentEvent(dojoEventName: string): boolean {
  return dojoEventName === "ping";
}

/** The setting that decides where a DefectDojo event goes: its own field, or OTHER. */
export function settingForEvent(dojoEventName: string): NotificationEvent {
  return BY_DOJO_NAME.get(dojoEventName) ?? NotificationEvent.OTHER;
}

/** A human heading for an event name: `scan_added` becomes "Scan Added". */
export function eventHeading(dojoEventName: string): string {
  return dojoEventName
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(" ");
}
