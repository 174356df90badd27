import { Field, InputType } from "type-graphql";
import { badUserInput } from "./errors";
import { Channel, NotificationEvent } from "./enums";
import { refuseUnreceivableEvent } from "./event-channels.type";

/** One row of a notifications matrix to set: the fields of `setSystemNotification`/`setMyNotification`, in their order. */
@InputType("EventChannelsInput", { description: "The channels one event goes to; an event left out of a matrix keeps its channels." })
export class EventChannelsInput {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => [Channel], { description: "Each channel once; [] sends the event nowhere." })
  channels: Channel[];
}

/**
 * Checks a whole matrix before anything is written, so one bad row changes nothing: each event at
 * most once (two rows for one event would leave the result to their order), and no channel for an
 * event the bridge never receives.
 */
export function validateMatrix(input: readonly EventChannelsInput[]): void {
  const seen = new Set<NotificationEvent>();
  input.forEach(({ event, channels }, index) => {
    if (seen.has(event)) throw badUserInput(`input[${index}].event`, `${event} is given more than once`);
    seen.add(event);
    refuseUnreceivableEvent(event, channels);
  });
}
