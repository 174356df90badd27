import { Channel } from "../../src/vocabulary/channel";
import { RoutingRule } from "../../src/routing/routing-rule";
import { DigestGroupBy } from "../../src/vocabulary/digest-group-by";
import { RuleDraft } from "../../src/storage/routing-rule-store";

/** A rule that matches every event and sends to Slack #all, with `changes` over it. */
export function testRule(changes: Partial<RoutingRule> = {}): RoutingRule {
  return {
    id: 1,
    name: "rule",
    position: 0,
    events: [],
    productTypeIds: [],
    productIds: [],
    engagementIds: [],
    minSeverity: null,
    tags: [],
    verified: null,
    active: null,
    continue: false,
    targets: [{ channel: Channel.SLACK, target: "#all", sealedSecret: null }],
    digestWindowSeconds: 0,
    digestGroupBy: DigestGroupBy.NONE,
    linkOnly: false,
    ...changes,
  };
}

/** The same as a draft for RoutingRuleStore. */
export function testDraft(changes: Partial<RuleDraft> = {}): RuleDraft {
  const { id: _id, targets: _targets, ...rule } = testRule();
  return { ...rule, targets: [{ channel: Channel.SLACK, slackChannel: "#all" }], ...changes };
}
