import { IsEmail, Matches, MaxLength, ValidateBy, ValidationOptions } from "class-validator";
import { Field, InputType } from "type-graphql";
import { SystemSettingsUpdate } from "../storage/settings-store";
import {
  isHttpUrl,
  MSTEAMS_URL_MAX_LENGTH,
  SLACK_CHANNEL,
  SLACK_TOKEN_MAX_LENGTH,
  SLACK_USERNAME_MAX_LENGTH,
} from "../storage/settings-rules";

/**
 * An http(s) URL, or "" (which clears the stored value). The address is checked apart: the resolver
 * refuses a non-public IP literal unless SYSTEM_WEBHOOK_ALLOWLIST names it, and the Teams channel
 * resolves names to public addresses only at send time.
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
