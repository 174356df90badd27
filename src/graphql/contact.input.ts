import { IsEmail, Max, MaxLength, Min, ValidateIf } from "class-validator";
import { Field, InputType, Int } from "type-graphql";
import { ContactUpdate } from "../storage/preferences-store";
import { EMAIL_MAX_LENGTH } from "../storage/entities/user-contact.entity";
import { Severity } from "./enums";
import { MAX_DIGEST_WINDOW_SECONDS } from "./routing-rule.input";
import { MSTEAMS_URL_MAX_LENGTH } from "../storage/settings-rules";

const EMAIL_MESSAGE = "must be an e-mail address (or empty to clear it)";

/**
 * A partial update of the caller's own contact settings: absent or null fields are left as they
 * are, "" clears one; minSeverity, which cannot be "", is cleared by null. The resolver checks
 * `msteamsUrl` against the allowlist, which it has, and the quiet hours as one (validateQuietHours).
 */
@InputType({
  description: "Absent or null fields are left unchanged; an empty string clears a text field, and null clears minSeverity.",
})
export class ContactInput implements ContactUpdate {
  @Field(() => String, { nullable: true, description: "The e-mail of your Slack account, when it is not your DefectDojo e-mail." })
  @ValidateIf((input: ContactInput) => input.slackEmail !== "")
  @IsEmail({}, { message: EMAIL_MESSAGE })
  @MaxLength(EMAIL_MAX_LENGTH, { message: `must be at most ${EMAIL_MAX_LENGTH} characters` })
  slackEmail?: string;

  @Field(() => String, { nullable: true, description: "Where personal e-mails go, when not to your DefectDojo e-mail." })
  @ValidateIf((input: ContactInput) => input.email !== "")
  @IsEmail({}, { message: EMAIL_MESSAGE })
  @MaxLength(EMAIL_MAX_LENGTH, { message: `must be at most ${EMAIL_MAX_LENGTH} characters` })
  email?: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Write-only: your own Teams Workflows URL (trigger \"When a Teams webhook request is received\"). " +
      "It must be on PERSONAL_WEBHOOK_ALLOWLIST (Microsoft's Workflows hosts by default); an empty string clears it.",
  })
  @MaxLength(MSTEAMS_URL_MAX_LENGTH, { message: `must be at most ${MSTEAMS_URL_MAX_LENGTH} characters` })
  msteamsUrl?: string;

  @Field(() => Severity, {
    nullable: true,
    description: "Only findings this severe or worse notify you (CRITICAL and HIGH: set HIGH); null clears it. Events that list no findings are not filtered.",
  })
  minSeverity?: Severity | null;

  @Field(() => Int, {
    nullable: true,
    description: `Gather your notifications for this many seconds into one digest per channel (0 to ${MAX_DIGEST_WINDOW_SECONDS}); 0: each at once.`,
  })
  @Min(0, { message: `must be from 0 to ${MAX_DIGEST_WINDOW_SECONDS} seconds` })
  @Max(MAX_DIGEST_WINDOW_SECONDS, { message: `must be from 0 to ${MAX_DIGEST_WINDOW_SECONDS} seconds` })
  digestWindowSeconds?: number;

  @Field(() => String, {
    nullable: true,
    description: "Start of your quiet hours, HH:MM (24-hour) in timeZone; give quietHoursEnd with it. Empty strings for both clear them.",
  })
  quietHoursStart?: string;

  @Field(() => String, { nullable: true, description: "End of your quiet hours, HH:MM (24-hour) in timeZone; give quietHoursStart with it." })
  quietHoursEnd?: string;

  @Field(() => String, { nullable: true, description: "The IANA time zone of your quiet hours, e.g. Europe/Berlin; an empty string means UTC." })
  timeZone?: string;
}
