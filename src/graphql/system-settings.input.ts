import { IsEmail, Matches, MaxLength, ValidateBy, ValidationOptions } from "class-validator";
import { Field, InputType } from "type-graphql";
import { SystemSettingsUpdate } from "../storage/settings-store";

/**
 * A Slack channel name (lowercase letters, digits, `-`, `_`; at most 80 characters, Slack's limit;
 * an optional leading `#`) or a channel id such as `C0123ABCD` (C public, G private, D direct).
 * Empty means "no system channel".
 */
export const SLACK_CHANNEL = /^(?:#?[a-z0-9_-]{1,80}|[CGD][A-Z0-9]{6,20})?$/;
/** DefectDojo's slack_username field and our column are 100 characters. */
export const SLACK_USERNAME_MAX_LENGTH = 100;
/** Slack tokens are about 60 characters; a generous cap keeps junk out of the database. */
export const SLACK_TOKEN_MAX_LENGTH = 512;
/** Teams Workflows URLs run to ~400 characters; browsers and proxies handle up to about 8 KB. */
export const MSTEAMS_URL_MAX_LENGTH = 4096;

/**
 * An http(s) URL, or "" (which clears the stored value). Any host is allowed, loopback included:
 * only superusers set it, and they may point the system Teams URL at a local relay.
 */
function IsHttpUrlOrEmpty(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: "isHttpUrlOrEmpty",
      validator: {
        validate: (value: unknown) => typeof value === "string" && (value === "" || isHttpUrl(value)),
        defaultMessage: () => "must be an http:// or https:// URL (or empty to clear it)",
      },
    },
    options,
  );
}

/** Also what a routing rule's Teams URL must be. */
export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\/\S+$/i.test(value)) return false;
  try {
    return new URL(value).hostname !== "";
  } catch {
    return false;
  }
}

/** A partial update of the system settings: absent or null fields are left as they are. */
@InputType({ description: "Absent or null fields are left unchanged." })
export class SystemSettingsInput implements SystemSettingsUpdate {
  @Field(() => Boolean, { nullable: true })
  enableSlackNotifications?: boolean;

  @Field(() => String, {
    nullable: true,
    description: "A channel name (`#security`, `security-alerts`) or id (`C0123ABCD`); empty for none.",
  })
  @Matches(SLACK_CHANNEL, { message: "must be a Slack channel name (lowercase letters, digits, - and _, at most 80, optional #) or channel id" })
  slackChannel?: string;

  @Field(() => String, { nullable: true, description: "The name the bot posts as (needs chat:write.customize)." })
  @MaxLength(SLACK_USERNAME_MAX_LENGTH, { message: `must be at most ${SLACK_USERNAME_MAX_LENGTH} characters` })
  slackUsername?: string;

  @Field(() => String, { nullable: true, description: "Write-only Slack bot token (xoxb-…); an empty string clears it." })
  @Matches(/^\S*$/, { message: "must not contain whitespace" })
  @MaxLength(SLACK_TOKEN_MAX_LENGTH, { message: `must be at most ${SLACK_TOKEN_MAX_LENGTH} characters` })
  slackToken?: string;

  @Field(() => Boolean, { nullable: true })
  enableMsteamsNotifications?: boolean;

  @Field(() => String, { nullable: true, description: "Write-only Teams Workflows URL; an empty string clears it." })
  @IsHttpUrlOrEmpty()
  @MaxLength(MSTEAMS_URL_MAX_LENGTH, { message: `must be at most ${MSTEAMS_URL_MAX_LENGTH} characters` })
  msteamsUrl?: string;

  @Field(() => Boolean, { nullable: true })
  enableMailNotifications?: boolean;

  @Field(() => [String], { nullable: true, description: "Every address the system e-mails go to; [] for none." })
  @IsEmail({}, { each: true, message: "must contain only e-mail addresses" })
  mailNotificationsTo?: string[];

  @Field(() => Boolean, { nullable: true, description: "Link-only mode for messages no routing rule sends (regulated environments)." })
  linkOnly?: boolean;
}
