import { createHash } from "node:crypto";
import { Channel } from "../vocabulary/channel";
import { DojoEvent } from "../events/dojo-event";
import { isSilentEvent } from "../events/notification-event";
import { SystemSettings } from "../storage/settings-store";
import { EventFacts, matchRules } from "./rule-matching";
import { presentation } from "./presentation";
import { DigestGroupBy } from "../vocabulary/digest-group-by";
import { RoutingRule } from "./routing-rule";
import { DigestPlan, RouteTarget, systemRoutes } from "./system-routes";

/**
 * Where an event goes system-wide once rules exist: the targets of the rules it matches (in order,
 * with `continue`), or the system-wide settings when none matches. A target two matching rules
 * share gets one message, as the first of them shapes it.
 */
export function ruleRoutes(
  event: DojoEvent,
  facts: EventFacts,
  rules: readonly RoutingRule[],
  settings: SystemSettings,
  systemChannels: Channel[],
  now: number,
): RouteTarget[] {
  if (isSilentEvent(event.name)) return [];
  const matches = matchRules(event, facts, rules);
  if (matches.length === 0) return systemRoutes(event, settings, systemChannels);
  const routes = new Map<string, RouteTarget>();
  for (const { rule, findingIds } of matches) {
    for (const target of rule.targets) {
      const key = `${target.channel}|${target.target}`;
      if (routes.has(key)) continue;
      routes.set(key, {
        channel: target.channel,
        target: target.target,
        recipientUserId: null,
        presentation: presentation(findingIds, rule.linkOnly),
        targetSecret: target.sealedSecret,
        ruleName: rule.name,
        digest: rule.digestWindowSeconds > 0 ? ruleDigest(rule, key, event, facts, now) : undefined,
      });
    }
  }
  return [...routes.values()];
}

function ruleDigest(rule: RoutingRule, targetKey: string, event: DojoEvent, facts: EventFacts, now: number): DigestPlan {
  const group = digestGroup(rule.digestGroupBy, event, facts);
  return {
    key: digestKey(`rule:${rule.id}`, targetKey, group.id),
    ruleId: rule.id,
    windowSeconds: rule.digestWindowSeconds,
    dueAt: now + rule.digestWindowSeconds * 1000,
    reason: "window",
    groupLabel: group.label,
    groupUrl: group.url,
  };
}

/** The group a digest gathers: everything, one product, or one engagement (the event's, "none" if it has none). */
function digestGroup(groupBy: DigestGroupBy, event: DojoEvent, facts: EventFacts): { id: string; label: string | null; url: string | null } {
  switch (groupBy) {
    case DigestGroupBy.NONE:
      return { id: "all", label: null, url: null };
    case DigestGroupBy.PRODUCT:
      return { id: `product:${facts.productId ?? "none"}`, label: event.product?.name ?? null, url: event.product?.urlUi ?? null };
    case DigestGroupBy.ENGAGEMENT:
      return {
        id: `engagement:${facts.engagementId ?? "none"}`,
        label: event.engagement?.name ?? null,
        url: event.engagement?.urlUi ?? null,
      };
  }
}

/** A fixed-length key for the unique index, whatever the length of the target. */
export function digestKey(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}
