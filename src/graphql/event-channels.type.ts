import { Field, ObjectType } from "type-graphql";
import { EventChannels } from "../storage/settings-store";
import { Channel, NotificationEvent } from "./enums";

/** One line of DefectDojo's System Notifications page, or of a user's personal notification settings. */
@ObjectType("EventChannels", { description: "Which channels an event goes to (system-wide, or for one user)." })
export class EventChannelsType implements EventChannels {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => [Channel])
  channels: Channel[];
}
