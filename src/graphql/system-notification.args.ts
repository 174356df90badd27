import { ArgsType, Field } from "type-graphql";
import { Channel, NotificationEvent } from "./enums";

/** A class (not two @Arg) so the SDL lists `event` before `channels`, as the contract spells it. */
@ArgsType()
export class SystemNotificationArgs {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => [Channel], { description: "Each channel once; [] sends the event to no system channel." })
  channels: Channel[];
}
