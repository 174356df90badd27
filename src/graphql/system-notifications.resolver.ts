import { Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { ALL_NOTIFICATION_EVENTS } from "../events/notification-event";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { perRow } from "./cost";
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
}
