import { Field, ID, Int, ObjectType } from "type-graphql";
import { RoutePreview } from "../routing/preview";
import { PublicRule } from "../storage/routing-rule-store";
import { perRow } from "./cost";
import { Channel, DigestGroupBy, NotificationEvent, Severity } from "./enums";
import { MAX_RULE_TARGETS } from "./routing-rule.input";

type PublicTarget = PublicRule["targets"][number];

/** A rule's target as the API shows it: the Teams URL is a credential, so only whether it is set and its label. */
@ObjectType("RouteTarget", { description: "Where a rule sends; a Teams URL is never returned." })
export class RouteTargetType implements PublicTarget {
  @Field(() => Channel)
  channel: Channel;

  @Field(() => String, { nullable: true, description: "SLACK: the channel as written in the rule." })
  slackChannel: string | null;

  @Field(() => [String], { description: "MAIL: the addresses; [] for the other channels." })
  emails: string[];

  @Field(() => Boolean, { description: "MSTEAMS: whether a Teams Workflows URL is stored (the URL is write-only)." })
  msteamsUrlSet: boolean;

  @Field(() => String, { nullable: true, description: "MSTEAMS: what the delivery log and previews show for the URL (its host)." })
  msteamsLabel: string | null;
}

@ObjectType("RoutingRule", { description: "A superuser's routing rule: which events it matches and where they go." })
export class RoutingRuleType implements Omit<PublicRule, "id"> {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  name: string;

  @Field(() => Int, { description: "Evaluation order, lowest first; equal positions in creation order." })
  position: number;

  @Field(() => [NotificationEvent], { description: "[]: every event." })
  events: NotificationEvent[];

  @Field(() => [Int], { description: "[]: any." })
  productTypeIds: number[];

  @Field(() => [Int], { description: "[]: any." })
  productIds: number[];

  @Field(() => [Int], { description: "[]: any." })
  engagementIds: number[];

  @Field(() => Severity, { nullable: true })
  minSeverity: Severity | null;

  @Field(() => [String], { description: "[]: any." })
  tags: string[];

  @Field(() => Boolean, { nullable: true, description: "null: either." })
  verified: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "null: either." })
  active: boolean | null;

  @Field(() => Boolean, { description: "Whether later rules are evaluated after this one matched." })
  continue: boolean;

  @Field(() => [RouteTargetType], { complexity: perRow(MAX_RULE_TARGETS) })
  targets: RouteTargetType[];

  @Field(() => Int, { description: "0: each event is sent at once." })
  digestWindowSeconds: number;

  @Field(() => DigestGroupBy)
  digestGroupBy: DigestGroupBy;

  @Field(() => Boolean)
  linkOnly: boolean;
}

/** GraphQL's ID is a string; the rest is already safe to show. */
export function toRoutingRuleType(rule: PublicRule): RoutingRuleType {
  return { ...rule, id: String(rule.id) };
}

@ObjectType("RoutePreview", { description: "One place an event would go system-wide, and the rule that sends it there." })
export class RoutePreviewType implements RoutePreview {
  @Field(() => Channel)
  channel: Channel;

  @Field(() => String, { description: "The Slack channel as written, the mail addresses, or the Teams label; never a secret." })
  target: string;

  @Field(() => String, { nullable: true, description: "null: no rule matched, so the system-wide settings apply." })
  ruleName: string | null;

  @Field(() => Int, { description: "How long the message would wait in a digest window; 0: sent at once." })
  digestWindowSeconds: number;
}
