import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { ALL_NOTIFICATION_EVENTS } from "../events/notification-event";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { perRow } from "./cost";
import { EventChannelsInput, validateMatrix } from "./event-channels.input";
import { eventChannelsLine, EventChannelsType, refuseUnreceivableEvent } from "./event-channels.type";
import { SystemNotificationArgs } from "./system-notification.args";

@Resolver()
export class SystemNotificationsResolver {
  @Authorized(SUPERUSER)
  @Query(() => [EventChannelsType], {
    description: "One entry per NotificationEvent, in DefectDojo's order.",
    complexity: perRow(ALL_NOTIFICATION_EVENTS.length),
  })
  async systemNotifications(@Ctx() { services }: RelayContext): Promise<EventChannelsType[]> {
    return (await services.settings.systemNotifications()).map(eventChannelsLine);
  }

  @Authorized(SUPERUSER)
  @Mutation(() => EventChannelsType, {
    description: "Replaces the channels of one event; [] sends it nowhere. Channels for a personalOnly event are refused (BAD_USER_INPUT).",
  })
  async setSystemNotification(
    @Args(() => SystemNotificationArgs) { event, channels }: SystemNotificationArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<EventChannelsType> {
    refuseUnreceivableEvent(event, channels);
    return eventChannelsLine(await services.settings.setSystemNotification(event, channels));
  }

  @Authorized(SUPERUSER)
  @Mutation(() => [EventChannelsType], {
    description:
      "Replaces the channels of every event listed, all in one transaction (one refused row changes nothing); events left out keep theirs. " +
      "Each event at most once; channels for a personalOnly event are refused (BAD_USER_INPUT). Returns the whole matrix, in DefectDojo's order.",
    complexity: perRow(ALL_NOTIFICATION_EVENTS.length),
  })
  async setSystemNotifications(
    @Arg("input", () => [EventChannelsInput]) input: EventChannelsInput[],
    @Ctx() { services }: RelayContext,
  ): Promise<EventChannelsType[]> {
    validateMatrix(input);
    return (await services.settings.setSystemNotifications(input)).map(eventChannelsLine);
  }
}
