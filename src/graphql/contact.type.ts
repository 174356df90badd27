import { Field, Int, ObjectType } from "type-graphql";
import { Severity } from "./enums";

/** Where a user's personal notifications go. The Teams URL appears only as "set or not". */
@ObjectType("Contact", { description: "Where a user's personal notifications go; the Teams URL is write-only." })
export class ContactType {
  @Field(() => String, {
    nullable: true,
    description: "The e-mail of the user's Slack account (Slack finds them by it): the one set here, else their DefectDojo e-mail.",
  })
  slackEmail: string | null;

  @Field(() => String, { nullable: true, description: "Where personal e-mails go: the address set here, else their DefectDojo e-mail." })
  email: string | null;

  @Field(() => Boolean, { description: "Whether a personal Teams Workflows URL is stored (the URL is a credential and never returned)." })
  msteamsUrlSet: boolean;

  @Field(() => Severity, {
    nullable: true,
    description: "Only findings this severe or worse notify you; null: every finding. Events that list no findings are not filtered.",
  })
  minSeverity: Severity | null;

  @Field(() => Int, { description: "0: each notification at once; otherwise they are gathered into one digest per this many seconds." })
  digestWindowSeconds: number;

  @Field(() => String, {
    nullable: true,
    description: "Start of your quiet hours, HH:MM in timeZone: messages are held and sent as one digest when they end. null: none.",
  })
  quietHoursStart: string | null;

  @Field(() => String, { nullable: true, description: "End of your quiet hours, HH:MM in timeZone; null: none." })
  quietHoursEnd: string | null;

  @Field(() => String, { nullable: true, description: "The IANA time zone of your quiet hours, e.g. Europe/Berlin; null: UTC." })
  timeZone: string | null;
}
