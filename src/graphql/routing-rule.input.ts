import {
  ArrayMaxSize,
  ArrayMinSize,
  IsDefined,
  IsEmail,
  IsPositive,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
} from "class-validator";
import { ArgsType, Field, ID, InputType, Int } from "type-graphql";
import { TARGET_MAX_LENGTH } from "../storage/entities/delivery.entity";
import { EMAIL_MAX_LENGTH } from "../storage/entities/user-contact.entity";
import { Channel, DigestGroupBy, NotificationEvent, Severity } from "./enums";
import { isHttpUrl, MSTEAMS_URL_MAX_LENGTH } from "../storage/settings-rules";

/** The `routing_rule.name` column. */
export const RULE_NAME_MAX_LENGTH = 200;
export const MAX_RULE_POSITION = 1_000_000;
/** Per id list: far more than anyone writes by hand, and a bound on what each event is matched against. */
export const MAX_RULE_IDS = 1_000;
export const MAX_RULE_TAGS = 100;
export const RULE_TAG_MAX_LENGTH = 100;
export const MAX_RULE_TARGETS = 20;
export const RULE_SLACK_CHANNEL_MAX_LENGTH = 100;
export const MAX_RULE_EMAILS = 50;
/** One day. */
export const MAX_DIGEST_WINDOW_SECONDS = 86_400;

/** A string whose trimmed length is within bounds (the resolver stores it trimmed). */
function TrimmedLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: "trimmedLength",
      validator: {
        validate: (value: unknown) => typeof value === "string" && value.trim().length >= min && value.trim().length <= max,
        defaultMessage: () => `must be ${min} to ${max} characters (not counting surrounding spaces)`,
      },
    },
    options,
  );
}

/** Refuses a field set on a target of another channel: it would be silently ignored. */
function OnlyFor(channel: Channel): PropertyDecorator {
  return ValidateBy({
    name: "onlyFor",
    validator: {
      validate: (_value: unknown, args) => (args?.object as RouteTargetInput).channel === channel,
      defaultMessage: () => `is only for ${channel} targets`,
    },
  });
}

function IsHttpUrl(): PropertyDecorator {
  return ValidateBy({
    name: "isHttpUrl",
    validator: {
      validate: (value: unknown) => typeof value === "string" && isHttpUrl(value),
      defaultMessage: () => "must be an http:// or https:// URL",
    },
  });
}

const isSet = (value: unknown) => value !== null && value !== undefined;

/**
 * Where a rule sends: exactly the fields of its channel. Fields are validated only when they are
 * set or their channel needs them (validateInput skips absent fields otherwise).
 */
@InputType({ description: "A Slack channel, a Teams Workflows URL or mail addresses: only the field of `channel`." })
export class RouteTargetInput {
  @Field(() => Channel)
  channel: Channel;

  @Field(() => String, { nullable: true, description: "SLACK: the channel (`#sec-high`) or channel id the bot posts to." })
  @ValidateIf((target: RouteTargetInput) => target.channel === Channel.SLACK || isSet(target.slackChannel))
  @IsDefined({ message: "is required for SLACK targets" })
  @OnlyFor(Channel.SLACK)
  @TrimmedLength(1, RULE_SLACK_CHANNEL_MAX_LENGTH)
  slackChannel?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "MSTEAMS, write-only: a Teams Workflows URL. Required on create; on update, leaving it out keeps the URL " +
      "of the rule's Teams target in the same place (first, second, … Teams target).",
  })
  @ValidateIf((target: RouteTargetInput) => isSet(target.msteamsUrl))
  @OnlyFor(Channel.MSTEAMS)
  @IsHttpUrl()
  @MaxLength(MSTEAMS_URL_MAX_LENGTH, { message: `must be at most ${MSTEAMS_URL_MAX_LENGTH} characters` })
  msteamsUrl?: string | null;

  @Field(() => [String], { nullable: true, description: `MAIL: 1 to ${MAX_RULE_EMAILS} addresses, all on one message.` })
  @ValidateIf((target: RouteTargetInput) => target.channel === Channel.MAIL || isSet(target.emails))
  @IsDefined({ message: "is required for MAIL targets" })
  @OnlyFor(Channel.MAIL)
  @ArrayMinSize(1, { message: `must have 1 to ${MAX_RULE_EMAILS} addresses` })
  @ArrayMaxSize(MAX_RULE_EMAILS, { message: `must have 1 to ${MAX_RULE_EMAILS} addresses` })
  @IsEmail({}, { each: true, message: "must contain only e-mail addresses" })
  @MaxLength(EMAIL_MAX_LENGTH, { each: true, message: `must contain addresses of at most ${EMAIL_MAX_LENGTH} characters` })
  // They are one delivery target, "a@x, b@y", stored in a column of this length.
  @ValidateBy({
    name: "fitsOneTarget",
    validator: {
      validate: (emails: unknown) => !Array.isArray(emails) || emails.join(", ").length <= TARGET_MAX_LENGTH,
      defaultMessage: () => `must be at most ${TARGET_MAX_LENGTH} characters together`,
    },
  })
  emails?: string[] | null;
}

const IDS_MESSAGE = `must be at most ${MAX_RULE_IDS.toLocaleString("en")} positive ids`;

/**
 * A whole routing rule: create and update replace every field. Conditions left out (null or
 * empty) match anything; every condition given must hold.
 */
@InputType({ description: "A routing rule; null or empty conditions match anything." })
export class RoutingRuleInput {
  @Field(() => String, { description: `1 to ${RULE_NAME_MAX_LENGTH} characters; stored trimmed.` })
  @TrimmedLength(1, RULE_NAME_MAX_LENGTH)
  name: string;

  @Field(() => Int, { description: `Evaluation order, lowest first (0 to ${MAX_RULE_POSITION.toLocaleString("en")}); equal positions in creation order.` })
  @Min(0, { message: `must be from 0 to ${MAX_RULE_POSITION}` })
  @Max(MAX_RULE_POSITION, { message: `must be from 0 to ${MAX_RULE_POSITION}` })
  position: number;

  @Field(() => [NotificationEvent], { nullable: true, description: "The events it matches (by their setting); null or empty: every event." })
  events?: NotificationEvent[] | null;

  @Field(() => [Int], { nullable: true, description: "DefectDojo product type ids; null or empty: any." })
  @ArrayMaxSize(MAX_RULE_IDS, { message: IDS_MESSAGE })
  @IsPositive({ each: true, message: IDS_MESSAGE })
  productTypeIds?: number[] | null;

  @Field(() => [Int], { nullable: true, description: "DefectDojo product ids; null or empty: any." })
  @ArrayMaxSize(MAX_RULE_IDS, { message: IDS_MESSAGE })
  @IsPositive({ each: true, message: IDS_MESSAGE })
  productIds?: number[] | null;

  @Field(() => [Int], { nullable: true, description: "DefectDojo engagement ids; null or empty: any." })
  @ArrayMaxSize(MAX_RULE_IDS, { message: IDS_MESSAGE })
  @IsPositive({ each: true, message: IDS_MESSAGE })
  engagementIds?: number[] | null;

  @Field(() => Severity, { nullable: true, description: "Only findings of this severity or worse; events without findings then never match." })
  minSeverity?: Severity | null;

  @Field(() => [String], {
    nullable: true,
    description: "DefectDojo tags (any case) of the product or the finding; any one suffices. Needs DOJO_URL and DOJO_API_KEY.",
  })
  @ArrayMaxSize(MAX_RULE_TAGS, { message: `must have at most ${MAX_RULE_TAGS} tags` })
  @TrimmedLength(1, RULE_TAG_MAX_LENGTH, { each: true, message: `must contain tags of 1 to ${RULE_TAG_MAX_LENGTH} characters` })
  tags?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: "true or false: findings must (not) be verified; null: either. Needs DOJO_URL and DOJO_API_KEY." })
  verified?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "true or false: findings must (not) be active; null: either. Needs DOJO_URL and DOJO_API_KEY." })
  active?: boolean | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: "Go on to later rules after this one matched." })
  continue?: boolean | null;

  @Field(() => [RouteTargetInput], { description: `1 to ${MAX_RULE_TARGETS} targets.` })
  @ArrayMinSize(1, { message: `must have 1 to ${MAX_RULE_TARGETS} targets` })
  @ArrayMaxSize(MAX_RULE_TARGETS, { message: `must have 1 to ${MAX_RULE_TARGETS} targets` })
  @ValidateNested({ each: true })
  targets: RouteTargetInput[];

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: `Gather matching events for this many seconds into one message per target (0 to ${MAX_DIGEST_WINDOW_SECONDS}); 0: send each at once.`,
  })
  @Min(0, { message: `must be from 0 to ${MAX_DIGEST_WINDOW_SECONDS}` })
  @Max(MAX_DIGEST_WINDOW_SECONDS, { message: `must be from 0 to ${MAX_DIGEST_WINDOW_SECONDS}` })
  digestWindowSeconds?: number | null;

  @Field(() => DigestGroupBy, { nullable: true, defaultValue: DigestGroupBy.NONE, description: "One digest for everything, or one per product or engagement." })
  digestGroupBy?: DigestGroupBy | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: "Send only what happened and a link to DefectDojo: no titles or names (regulated environments).",
  })
  linkOnly?: boolean | null;
}

/** A class so validation names fields `input.…`, as for updateRoutingRule. */
@ArgsType()
export class CreateRoutingRuleArgs {
  @Field(() => RoutingRuleInput)
  @ValidateNested()
  input: RoutingRuleInput;
}

/** A class (not two @Arg) so the SDL lists `id` before `input`. */
@ArgsType()
export class UpdateRoutingRuleArgs {
  @Field(() => ID)
  id: string;

  @Field(() => RoutingRuleInput)
  @ValidateNested()
  input: RoutingRuleInput;
}

@ArgsType()
export class PreviewRoutingArgs {
  @Field(() => String, { description: "DefectDojo's event name, as in `X-DefectDojo-Event` (e.g. `scan_added`)." })
  event: string;

  @Field(() => String, { description: "A DefectDojo webhook body, as JSON text." })
  payload: string;
}
