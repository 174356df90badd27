import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { Channel } from "../vocabulary/channel";
import { nonPublicLiteralReason, WebhookAllowlist } from "../channels/msteams/webhook-allowlist";
import { RoutePreview } from "../routing/preview";
import { DigestGroupBy } from "../vocabulary/digest-group-by";
import { MissingTeamsUrlError, RuleDraft, RuleTargetDraft } from "../storage/routing-rule-store";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { perRow } from "./cost";
import { previewEvent } from "./preview-event";
import { badUserInput, notFound, parseRowId } from "./errors";
import {
  CreateRoutingRuleArgs,
  MAX_RULE_TARGETS,
  PreviewRoutingArgs,
  RouteTargetInput,
  RoutingRuleInput,
  UpdateRoutingRuleArgs,
} from "./routing-rule.input";
import { RoutePreviewType, RoutingRuleType, toRoutingRuleType } from "./routing-rule.type";

/**
 * Rows `routingRules` is weighed by. Rules are not paged, so this is an estimate, not a bound: a few
 * dozen rules is a large configuration, and every field of 50 of them (5,801) stays under the
 * default GRAPHQL_MAX_COST.
 */
export const ROUTING_RULES_COST_ROWS = 50;

/** Routing rules and their preview, for superusers only (the auth checker refuses everyone else). */
@Resolver()
export class RoutingRulesResolver {
  @Authorized(SUPERUSER)
  @Query(() => [RoutingRuleType], {
    description: "Every routing rule in evaluation order: by position, then oldest first.",
    complexity: perRow(ROUTING_RULES_COST_ROWS),
  })
  async routingRules(@Ctx() { services }: RelayContext): Promise<RoutingRuleType[]> {
    return (await services.rules.publicRules()).map(toRoutingRuleType);
  }

  @Authorized(SUPERUSER)
  @Mutation(() => RoutingRuleType, { description: "Adds a rule; it applies from the next event on." })
  async createRoutingRule(
    @Args(() => CreateRoutingRuleArgs) { input }: CreateRoutingRuleArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<RoutingRuleType> {
    const draft = ruleDraft(input, services.dojoApiConfigured);
    refuseNonPublicLiterals(input, services.systemWebhookAllowlist);
    // Named here, where the place is known; on update the store decides whether a URL can be kept.
    const missing = input.targets.findIndex((target) => target.channel === Channel.MSTEAMS && !target.msteamsUrl);
    if (missing >= 0) throw badUserInput(`input.targets.${missing}.msteamsUrl`, "is required for MSTEAMS targets");
    return toRoutingRuleType(await services.rules.create(draft));
  }

  @Authorized(SUPERUSER)
  @Mutation(() => RoutingRuleType, {
    description:
      "Replaces every field of a rule. A Teams target without `msteamsUrl` keeps the URL of the rule's Teams target " +
      "in the same place, as long as the rule keeps as many Teams targets (otherwise the URL must be given). " +
      "NOT_FOUND when there is no rule with this id.",
  })
  async updateRoutingRule(
    @Args(() => UpdateRoutingRuleArgs) { id, input }: UpdateRoutingRuleArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<RoutingRuleType> {
    const ruleId = parseRowId(id, "id", "a routing rule");
    const draft = ruleDraft(input, services.dojoApiConfigured);
    refuseNonPublicLiterals(input, services.systemWebhookAllowlist);
    let saved;
    try {
      saved = await services.rules.update(ruleId, draft);
    } catch (error) {
      if (error instanceof MissingTeamsUrlError) {
        throw badUserInput("input.targets", `${error.message}: the rule has no stored Teams URL in that place to keep`);
      }
      throw error;
    }
    if (!saved) throw notFound("id", "there is no routing rule with this id");
    return toRoutingRuleType(saved);
  }

  @Authorized(SUPERUSER)
  @Mutation(() => Boolean, { description: "Removes a rule; false when there was none with this id." })
  deleteRoutingRule(@Arg("id", () => ID) id: string, @Ctx() { services }: RelayContext): Promise<boolean> {
    return services.rules.remove(parseRowId(id, "id", "a routing rule"));
  }

  @Authorized(SUPERUSER)
  @Query(() => [RoutePreviewType], {
    description:
      "Where a DefectDojo webhook body would go system-wide by the current rules and settings, computed as for a real " +
      "event (asking DefectDojo what the rules need). Stores and sends nothing; personal notifications are not included.",
    // An estimate: the targets of the matching rules, usually of one rule.
    complexity: perRow(MAX_RULE_TARGETS),
  })
  previewRouting(
    @Args(() => PreviewRoutingArgs) { event, payload }: PreviewRoutingArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<RoutePreview[]> {
    return services.previewRouting(previewEvent(event, payload));
  }
}

/** The validated input as the store takes it: trimmed, defaults filled in, lists without repeats. */
/** A Teams URL at an IP address that is not public is refused when set (a host name is checked at each send). */
function refuseNonPublicLiterals(input: RoutingRuleInput, exempt: WebhookAllowlist): void {
  input.targets.forEach((target, index) => {
    const refused = target.msteamsUrl ? nonPublicLiteralReason(exempt, target.msteamsUrl) : null;
    if (refused) throw badUserInput(`input.targets.${index}.msteamsUrl`, refused);
  });
}

function ruleDraft(input: RoutingRuleInput, dojoApiConfigured: boolean): RuleDraft {
  const tags = unique((input.tags ?? []).map((tag) => tag.trim()), (tag) => tag.toLowerCase());
  if (!dojoApiConfigured) {
    // Only DefectDojo's API knows tags and finding status: without it such a rule would never match.
    const needsApi = tags.length > 0 ? "tags" : isSet(input.verified) ? "verified" : isSet(input.active) ? "active" : null;
    if (needsApi) {
      throw badUserInput(`input.${needsApi}`, "needs DefectDojo's API, which is not configured: set DOJO_URL and DOJO_API_KEY");
    }
  }
  return {
    name: input.name.trim(),
    position: input.position,
    events: unique(input.events ?? []),
    productTypeIds: unique(input.productTypeIds ?? []),
    productIds: unique(input.productIds ?? []),
    engagementIds: unique(input.engagementIds ?? []),
    minSeverity: input.minSeverity ?? null,
    tags,
    verified: input.verified ?? null,
    active: input.active ?? null,
    continue: input.continue ?? false,
    targets: input.targets.map(targetDraft),
    digestWindowSeconds: input.digestWindowSeconds ?? 0,
    digestGroupBy: input.digestGroupBy ?? DigestGroupBy.NONE,
    linkOnly: input.linkOnly ?? false,
  };
}

/** Validation made sure each target has its channel's field and no other. */
function targetDraft(target: RouteTargetInput): RuleTargetDraft {
  switch (target.channel) {
    case Channel.SLACK:
      return { channel: target.channel, slackChannel: target.slackChannel!.trim() };
    case Channel.MSTEAMS:
      return { channel: target.channel, msteamsUrl: target.msteamsUrl ?? null };
    case Channel.MAIL:
      return { channel: target.channel, emails: unique(target.emails!, (email) => email.toLowerCase()) };
  }
}

/** The first of each value (by `key`), in order. */
function unique<T>(values: T[], key: (value: T) => unknown = (value) => value): T[] {
  const seen = new Set<unknown>();
  return values.filter((value) => {
    const k = key(value);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const isSet = (value: unknown) => value !== null && value !== undefined;
