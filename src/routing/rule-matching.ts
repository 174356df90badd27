import { FindingFacts } from "../defectdojo/directory";
import { DojoEvent, listedFindings } from "../events/dojo-event";
import { meetsSeverity } from "../events/severity";
import { RoutingRule } from "./routing-rule";


/**
 * What rules are matched against. The ids come from the event itself where it names its objects,
 * else from DefectDojo; tags and finding status only from DefectDojo, and only when a rule asks.
 */
export interface EventFacts {
  productTypeId: number | null;
  productId: number | null;
  engagementId: number | null;
  /** Lower-case. */
  productTags: string[];
  /** By finding id, for the listed findings; a finding missing here meets no status or tag condition. */
  findings: ReadonlyMap<number, FindingFacts>;
}

/** A rule that matched, and the listed findings its conditions let through (null: the event lists none, or all pass). */
export interface RuleMatch {
  rule: RoutingRule;
  findingIds: number[] | null;
}

/**
 * The rules an event matches, in order, Alertmanager style: evaluation stops at the first match
 * unless that rule says `continue`. Pure: the caller gathered the facts.
 */
export function matchRules(event: DojoEvent, facts: EventFacts, rules: readonly RoutingRule[]): RuleMatch[] {
  const matches: RuleMatch[] = [];
  for (const rule of rules) {
    const match = matchRule(event, facts, rule);
    if (!match) continue;
    matches.push(match);
    if (!rule.continue) break;
  }
  return matches;
}

/** Whether a rule has conditions on findings (severity, status): those need findings to match. */
export function hasFindingConditions(rule: RoutingRule): boolean {
  return rule.minSeverity !== null || rule.verified !== null || rule.active !== null;
}

export function matchRule(event: DojoEvent, facts: EventFacts, rule: RoutingRule): RuleMatch | null {
  if (rule.events.length > 0 && !rule.events.includes(event.setting)) return null;
  if (!within(rule.productTypeIds, facts.productTypeId)) return null;
  if (!within(rule.productIds, facts.productId)) return null;
  if (!within(rule.engagementIds, facts.engagementId)) return null;

  const tags = rule.tags.map((tag) => tag.toLowerCase());
  const productTagged = tags.length === 0 || facts.productTags.some((tag) => tags.includes(tag));
  const listed = listedFindings(event);
  const findingConditions = hasFindingConditions(rule);
  if (!findingConditions && productTagged) return { rule, findingIds: null };
  // From here on, findings decide: a finding passes when it meets every condition the rule has.
  const passing = listed.filter((finding) => {
    const known = facts.findings.get(finding.id);
    if (rule.minSeverity !== null && !meetsSeverity(finding.severity, rule.minSeverity)) return false;
    if (rule.verified !== null && known?.verified !== rule.verified) return false;
    if (rule.active !== null && known?.active !== rule.active) return false;
    return productTagged || (known?.tags ?? []).some((tag) => tags.includes(tag.toLowerCase()));
  });
  if (passing.length === 0) return null;
  return { rule, findingIds: passing.length === listed.length ? null : passing.map((finding) => finding.id) };
}

function within(allowed: number[], value: number | null): boolean {
  return allowed.length === 0 || (value !== null && allowed.includes(value));
}
