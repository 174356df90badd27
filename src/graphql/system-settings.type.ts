import { Field, ObjectType } from "type-graphql";
import { SystemSettings } from "../storage/settings-store";

/** The notification part of DefectDojo's System Settings. Secrets appear only as "set or not". */
@ObjectType("SystemSettings", { description: "System-wide channel settings; secrets are write-only." })
export class SystemSettingsType implements SystemSettings {
  @Field(() => Boolean)
  enableSlackNotifications: boolean;

  @Field(() => String)
  slackChannel: string;

  @Field(() => String)
  slackUsername: string;

  @Field(() => Boolean, { description: "Whether a Slack bot token is stored (the token itself is never returned)." })
  slackTokenSet: boolean;

  @Field(() => Boolean)
  enableMsteamsNotifications: boolean;

  @Field(() => Boolean, { description: "Whether a Teams Workflows URL is stored (the URL is a credential and never returned)." })
  msteamsUrlSet: boolean;

  @Field(() => Boolean)
  enableMailNotifications: boolean;

  @Field(() => [String])
  mailNotificationsTo: string[];

  @Field(() => Boolean, {
    description: "Link-only mode for every message no routing rule sends: what happened and a link to DefectDojo, no titles or names.",
  })
  linkOnly: boolean;
}
