/**
 * The GraphQL enums as the page shows them. Event labels are DefectDojo's own (its Notifications
 * model's field names, or their verbose_name where it sets one), so DefectDojo's documentation
 * reads right against this page.
 */

export type Channel = "SLACK" | "MSTEAMS" | "MAIL";
export type Severity = "INFO" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
export type DeliveryStatus = "PENDING" | "SENT" | "RETRYING" | "FAILED" | "SKIPPED";
export type DigestGroupBy = "NONE" | "PRODUCT" | "ENGAGEMENT";

/** NotificationEvent in DefectDojo's order (the order of its notifications page). */
export const EVENTS = [
  "PRODUCT_TYPE_ADDED",
  "PRODUCT_ADDED",
  "ENGAGEMENT_ADDED",
  "TEST_ADDED",
  "SCAN_ADDED",
  "SCAN_ADDED_EMPTY",
  "JIRA_UPDATE",
  "UPCOMING_ENGAGEMENT",
  "STALE_ENGAGEMENT",
  "AUTO_CLOSE_ENGAGEMENT",
  "CLOSE_ENGAGEMENT",
  "USER_MENTIONED",
  "CODE_REVIEW",
  "REVIEW_REQUESTED",
  "OTHER",
  "SLA_BREACH",
  "SLA_BREACH_COMBINED",
  "RISK_ACCEPTANCE_EXPIRATION",
] as const;
export type NotificationEvent = (typeof EVENTS)[number];

// The fields whose verbose_name DefectDojo sets; the others are labelled by Django from the name.
const DOJO_VERBOSE_NAMES: Partial<Record<NotificationEvent, string>> = {
  JIRA_UPDATE: "JIRA problems",
  SLA_BREACH: "SLA breach",
  SLA_BREACH_COMBINED: "SLA breach (combined)",
  RISK_ACCEPTANCE_EXPIRATION: "Risk Acceptance Expiration",
};

/** DefectDojo's label of an event setting: `PRODUCT_TYPE_ADDED` is "Product type added". */
export function eventLabel(event: string): string {
  const verbose = DOJO_VERBOSE_NAMES[event as NotificationEvent];
  if (verbose) return verbose;
  const words = event.toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const CHANNELS: readonly Channel[] = ["SLACK", "MSTEAMS", "MAIL"];
export const CHANNEL_LABELS: Record<Channel, string> = { SLACK: "Slack", MSTEAMS: "Microsoft Teams", MAIL: "Mail" };

/** Least severe first, as DefectDojo orders them. */
export const SEVERITIES: readonly Severity[] = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
export const SEVERITY_LABELS: Record<Severity, string> = { INFO: "Info", LOW: "Low", MEDIUM: "Medium", HIGH: "High", CRITICAL: "Critical" };

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ["PENDING", "RETRYING", "SENT", "FAILED", "SKIPPED"];

export const DIGEST_GROUP_BY_LABELS: Record<DigestGroupBy, string> = {
  NONE: "Everything in one digest",
  PRODUCT: "One digest per product",
  ENGAGEMENT: "One digest per engagement",
};
