import { Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { ALL_NOTIFICATION_EVENTS } from "../events/notification-event";
import { EventChannels } from "../storage/settings-store";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { perRow } from "./cost";
import { EventChannelsType } from "./event-channels.type";
import { SystemNotificationArgs } from "./system-notification.args";

@Resolver()
export class SystemNotificationsResolver {
  @Authorized(SUPERUSER)
  @Query(() => [EventChannelsType], {
    description: "One entry per NotificationEvent, in DefectDojo's order.",
    complexity: perRow(ALL_NOTIFICATION_EVENTS.length),
  })
  systemNotifications(@Ctx() { services }: RelayContext): Promise<EventChannels[]> {
    return services.settings.systemNotifications();
  }

  @Authorized(SUPERUSER)
  @Mutation(() => EventChannelsType, { description: "Replaces the channels of one event; [] sends it nowhere." })
  setSystemNotification(
    @Args(() => SystemNotificationArgs) { event, channels }: SystemNotificationArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<EventChannels> {
    return services.settings.setSystemNotification(event, channels);
  }
}
