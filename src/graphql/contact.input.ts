import { IsEmail, MaxLength, ValidateIf } from "class-validator";
import { Field, InputType } from "type-graphql";
import { ContactUpdate } from "../storage/preferences-store";
import { EMAIL_MAX_LENGTH } from "../storage/entities/user-contact.entity";
import { MSTEAMS_URL_MAX_LENGTH } from "./system-settings.input";

const EMAIL_MESSAGE = "must be an e-mail address (or empty to clear it)";

/**
 * A partial update of the caller's own contact addresses: absent or null fields are left as they
 * are, "" clears one. `msteamsUrl` is checked against the allowlist by the resolver, which has it.
 */
@InputType({ description: "Absent or null fields are left unchanged; an empty string clears a field." })
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
}
