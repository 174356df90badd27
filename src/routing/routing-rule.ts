import { Channel } from "../vocabulary/channel";
import { NotificationEvent } from "../events/notification-event";
import { Severity } from "../events/severity";
import { RoutingRuleEntity, StoredRuleTarget } from "../storage/entities/routing-rule.entity";
import { DigestGroupBy } from "../vocabulary/digest-group-by";

/** Where a rule sends: a Slack channel as written, mail addresses, or a Teams URL kept sealed. */
export interface RuleTarget {
  channel: Channel;
  /** What the delivery log and previews show: the Slack channel, the addresses, or the Teams label. */
  target: string;
  /** The sealed Teams URL; null for the other channels. */
  sealedSecret: string | null;
}

/** A routing rule as the router evaluates it. */
export interface RoutingRule {
  id: number;
  name: string;
  position: number;
  /** Empty: every event. */
  events: NotificationEvent[];
  productTypeIds: number[];
  productIds: number[];
  engagementIds: number[];
  minSeverity: Severity | null;
  tags: string[];
  verified: boolean | null;
  active: boolean | null;
  continue: boolean;
  targets: RuleTarget[];
  digestWindowSeconds: number;
  digestGroupBy: DigestGroupBy;
  linkOnly: boolean;
}

export function ruleFromEntity(row: RoutingRuleEntity): RoutingRule {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    events: row.events,
    productTypeIds: row.productTypeIds,
    productIds: row.productIds,
    engagementIds: row.engagementIds,
    minSeverity: row.minSeverity,
    tags: row.tags,
    verified: row.verified,
    active: row.active,
    continue: row.continueMatching,
    targets: row.targets.map((target) => ruleTarget(target, row.id)),
    digestWindowSeconds: row.digestWindowSeconds,
    digestGroupBy: row.digestGroupBy,
    linkOnly: row.linkOnly,
  };
}

function ruleTarget(stored: StoredRuleTarget, ruleId: number): RuleTarget {
  switch (stored.channel) {
    case Channel.SLACK:
      return { channel: stored.channel, target: stored.slackChannel ?? "", sealedSecret: null };
    case Channel.MAIL:
      return { channel: stored.channel, target: (stored.emails ?? []).join(", "), sealedSecret: null };
    case Channel.MSTEAMS:
      return { channel: stored.channel, target: teamsTargetLabel(stored, ruleId), sealedSecret: stored.msteamsUrlSealed ?? null };
  }
}

/**
 * What a rule's Teams target is known by (delivery log, previews, the API). The rule's id keeps two
 * rules' workflows on one host (Power Automate has one host per region) apart: as targets they are
 * also the unit of de-duplication, 429 pauses, the in-flight bound and digest windows.
 */
export function teamsTargetLabel(stored: StoredRuleTarget, ruleId: number): string {
  return `${stored.msteamsLabel ?? "Teams webhook"} (rule ${ruleId})`;
}

/**
 * The label a rule's Teams URL is shown by: its host only (the path and `sig` are the credential),
 * numbered when a rule has several.
 */
export function msteamsLabel(url: string, index: number, count: number): string {
  let host = "unknown host";
  try {
    host = new URL(url).host;
  } catch {
    // Validated before it is stored; the label must not echo a malformed credential either way.
  }
  return count > 1 ? `Teams webhook ${index + 1} at ${host}` : `Teams webhook at ${host}`;
}
