import { Field, ObjectType } from "type-graphql";

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
}
