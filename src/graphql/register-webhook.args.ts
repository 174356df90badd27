import { ArgsType, Field } from "type-graphql";

/** A class (not two @Arg) so the SDL lists `publicUrl` before `stopDirectNotifications`, as the contract spells it. */
@ArgsType()
export class RegisterWebhookArgs {
  @Field(() => String, { description: "How DefectDojo reaches the bridge, e.g. `https://relay.example.com`." })
  publicUrl: string;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: "Also stop DefectDojo's own Slack, Teams and mail system notifications, so nobody gets each message twice.",
  })
  stopDirectNotifications?: boolean | null;
}
