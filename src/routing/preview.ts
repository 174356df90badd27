import { Channel } from "../vocabulary/channel";
import { DojoEvent } from "../events/dojo-event";
import { RoutingRuleStore } from "../storage/routing-rule-store";
import { SettingsStore } from "../storage/settings-store";
import { FactsSource, gatherFacts } from "./event-facts";
import { ruleRoutes } from "./rule-routes";

/** One place an event would go system-wide, and the rule that sent it there (null: the system-wide settings). */
export interface RoutePreview {
  channel: Channel;
  target: string;
  ruleName: string | null;
  /** Seconds the message would wait in a digest window; 0: sent at once. */
  digestWindowSeconds: number;
}

/**
 * Where an event would go by the current rules and settings, computed exactly as for a real event
 * and writing nothing. Personal notifications are not part of it (they depend on who may see the event).
 */
export async function previewRoutes(
  deps: { rules: RoutingRuleStore; settings: SettingsStore; facts: FactsSource | null },
  event: DojoEvent,
): Promise<RoutePreview[]> {
  const [rules, settings, systemChannels] = await Promise.all([
    deps.rules.rules(),
    deps.settings.publicSystemSettings(),
    deps.settings.systemChannelsFor(event.setting),
  ]);
  const facts = await gatherFacts(event, rules, deps.facts);
  return ruleRoutes(event, facts, rules, settings, systemChannels, Date.now()).map((route) => ({
    channel: route.channel,
    target: route.target,
    ruleName: route.ruleName ?? null,
    digestWindowSeconds: route.digest?.windowSeconds ?? 0,
  }));
}
