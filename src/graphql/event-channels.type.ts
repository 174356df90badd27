import { Field, ObjectType } from "type-graphql";
import { EventChannels } from "../storage/settings-store";
import { Channel, NotificationEvent } from "./enums";

/** One line of DefectDojo's System Notifications page. */
@ObjectType("EventChannels", { description: "Which system-wide channels an event goes to." })
export class EventChannelsType implements EventChannels {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => [Channel])
  channels: Channel[];
}
