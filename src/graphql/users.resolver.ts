import { Arg, Args, Authorized, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { badUserInput } from "./errors";
import { eventChannelsLine, EventChannelsType, refuseUnreceivableEvent } from "./event-channels.type";
import { MeType, toMe } from "./me.type";
import { UserNotificationArgs } from "./personal-notification.args";

/**
 * Another user's personal settings, for superusers only. Everyone else is refused by the auth
 * checker (FORBIDDEN) before a resolver runs, whatever id they pass, their own included.
 */
@Resolver()
export class UsersResolver {
  @Authorized(SUPERUSER)
  @Query(() => MeType, { nullable: true, description: "Any DefectDojo user with their personal settings; null when DefectDojo has no such user." })
  async user(@Arg("id", () => Int) id: number, @Ctx() { services }: RelayContext): Promise<MeType | null> {
    // DefectDojo ids start at 1: nothing to ask for anything else.
    if (id < 1) return null;
    const user = await services.lookupUser(id);
    return user && toMe(user);
  }

  @Authorized(SUPERUSER)
  @Mutation(() => EventChannelsType, {
    description: "Replaces the channels that notify a user of one event; [] for none. Channels for a personalOnly event are refused (BAD_USER_INPUT).",
  })
  async setUserNotification(
    @Args(() => UserNotificationArgs) { userId, event, channels }: UserNotificationArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<EventChannelsType> {
    refuseUnreceivableEvent(event, channels);
    // Settings for an id DefectDojo does not know would never be used: refused rather than stored.
    if (userId < 1 || !(await services.lookupUser(userId))) {
      throw badUserInput("userId", "DefectDojo has no user with this id");
    }
    return eventChannelsLine(await services.preferences.setNotification(userId, event, channels));
  }
}
