import { ArgsType, Field, Int } from "type-graphql";
import { Channel, NotificationEvent } from "./enums";

const CHANNELS_DESCRIPTION = "Each channel once; [] turns the event's personal notifications off.";

/** A class (not two @Arg) so the SDL lists `event` before `channels`, as the contract spells it. */
@ArgsType()
export class PersonalNotificationArgs {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => [Channel], { description: CHANNELS_DESCRIPTION })
  channels: Channel[];
}

/** `setUserNotification(userId, event, channels)`, in the contract's order. */
@ArgsType()
export class UserNotificationArgs {
  @Field(() => Int, { description: "The DefectDojo user id." })
  userId: number;

  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => [Channel], { description: CHANNELS_DESCRIPTION })
  channels: Channel[];
}
