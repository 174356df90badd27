import { Field, ObjectType } from "type-graphql";
import { isPersonalOnlyEvent, PERSONAL_ONLY_NOTE } from "../events/personal-only-events";
import { EventChannels } from "../storage/settings-store";
import { badUserInput } from "./errors";
import { Channel, NotificationEvent } from "./enums";

/** One line of DefectDojo's System Notifications page, or of a user's personal notification settings. */
@ObjectType("EventChannels", { description: "Which channels an event goes to (system-wide, or for one user)." })
export class EventChannelsType implements EventChannels {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => [Channel], { description: "Always [] for a personalOnly event: nothing can send it." })
  channels: Channel[];

  @Field(() => Boolean, {
    description:
      "True for events DefectDojo sends only to the users they name, at their own webhook endpoints (USER_MENTIONED, " +
      "REVIEW_REQUESTED): the bridge never receives them, so they cannot be set here, system-wide or personally.",
  })
  personalOnly: boolean;

  @Field(() => String, { nullable: true, description: "Why the event cannot be set here, for a personalOnly event; null otherwise." })
  note: string | null;
}

/** A stored line as the API shows it: a personal-only event goes nowhere, whatever an older version stored. */
export function eventChannelsLine({ event, channels }: EventChannels): EventChannelsType {
  const personalOnly = isPersonalOnlyEvent(event);
  return { event, channels: personalOnly ? [] : channels, personalOnly, note: personalOnly ? PERSONAL_ONLY_NOTE : null };
}

/** Refuses channels for an event the bridge never receives; [] (nothing) is accepted, as it changes nothing that fires. */
export function refuseUnreceivableEvent(event: NotificationEvent, channels: readonly Channel[]): void {
  if (isPersonalOnlyEvent(event) && channels.length > 0) {
    throw badUserInput("channels", `${event} cannot be sent by the bridge: ${PERSONAL_ONLY_NOTE}`);
  }
}
