import { GraphQLError } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { allowlistPermits, WebhookAllowlist } from "../channels/msteams/webhook-allowlist";
import { ALL_NOTIFICATION_EVENTS } from "../events/notification-event";
import { validateQuietHours } from "../routing/quiet-hours";
import { ContactUpdate } from "../storage/preferences-store";
import { ContactInput } from "./contact.input";
import { ContactType } from "./contact.type";
import { RelayContext } from "./context";
import { perRow } from "./cost";
import { badUserInput } from "./errors";
import { EventChannelsInput, validateMatrix } from "./event-channels.input";
import { eventChannelsLine, EventChannelsType, refuseUnreceivableEvent } from "./event-channels.type";
import { MeType, toMe } from "./me.type";
import { PersonalNotificationArgs } from "./personal-notification.args";

/**
 * The caller's own record. Every operation here acts on `context.caller` and takes no user id, so
 * nobody can reach another user's settings through it; superusers do that in UsersResolver.
 */
@Resolver(() => MeType)
export class MeResolver {
  @Authorized()
  @Query(() => MeType, { description: "You, as DefectDojo knows you, with your personal notification settings." })
  me(@Ctx() { caller }: RelayContext): MeType {
    return toMe(caller);
  }

  /** Runs only after the input passed validation (validateInput); a refused Teams URL or bad quiet hours change nothing either. */
  @Authorized()
  @Mutation(() => MeType, { description: "Sets your own contact addresses and delivery preferences; returns you with the result." })
  async updateMyContact(
    @Arg("input", () => ContactInput) input: ContactInput,
    @Ctx() { caller, services }: RelayContext,
  ): Promise<MeType> {
    // GraphQL lets a client send null for an optional field; here it means "unchanged", like absent.
    const update: ContactUpdate = Object.fromEntries(
      Object.entries(input).filter(([, value]) => value !== null && value !== undefined),
    );
    // Except minSeverity: a Severity cannot be "", so null is how a client clears it.
    if (input.minSeverity === null) update.minSeverity = null;
    const quietProblems = validateQuietHours(update.quietHoursStart, update.quietHoursEnd, update.timeZone);
    if (quietProblems.length > 0) throw invalidQuietHours(quietProblems);
    if (update.msteamsUrl) checkTeamsUrl(services.webhookAllowlist, update.msteamsUrl);
    await services.preferences.updateContact(caller.id, update);
    return toMe(caller);
  }

  @Authorized()
  @Mutation(() => EventChannelsType, {
    description: "Replaces the channels that notify you of one event; [] for none. Channels for a personalOnly event are refused (BAD_USER_INPUT).",
  })
  async setMyNotification(
    @Args(() => PersonalNotificationArgs) { event, channels }: PersonalNotificationArgs,
    @Ctx() { caller, services }: RelayContext,
  ): Promise<EventChannelsType> {
    refuseUnreceivableEvent(event, channels);
    return eventChannelsLine(await services.preferences.setNotification(caller.id, event, channels));
  }

  @Authorized()
  @Mutation(() => [EventChannelsType], {
    description:
      "Replaces the channels that notify you of every event listed, all in one transaction (one refused row changes nothing); events left out keep theirs. " +
      "Each event at most once; channels for a personalOnly event are refused (BAD_USER_INPUT). Returns your whole matrix, in DefectDojo's order.",
    complexity: perRow(ALL_NOTIFICATION_EVENTS.length),
  })
  async setMyNotifications(
    @Arg("input", () => [EventChannelsInput]) input: EventChannelsInput[],
    @Ctx() { caller, services }: RelayContext,
  ): Promise<EventChannelsType[]> {
    validateMatrix(input);
    return (await services.preferences.setNotifications(caller.id, input)).map(eventChannelsLine);
  }

  @FieldResolver(() => ContactType)
  async contact(@Root() user: MeType, @Ctx() { services }: RelayContext): Promise<ContactType> {
    const stored = await services.preferences.contact(user.id);
    // Django's User.email may be blank: then there is no address to fall back to.
    const dojoEmail = user.email || null;
    return {
      slackEmail: stored.slackEmail ?? dojoEmail,
      email: stored.email ?? dojoEmail,
      msteamsUrlSet: stored.msteamsUrlSet,
      minSeverity: stored.minSeverity,
      digestWindowSeconds: stored.digestWindowSeconds,
      quietHoursStart: stored.quietHours?.start ?? null,
      quietHoursEnd: stored.quietHours?.end ?? null,
      timeZone: stored.timeZone,
    };
  }

  @FieldResolver(() => [EventChannelsType], {
    description: "One entry per NotificationEvent, in DefectDojo's order: the channels that notify this user personally.",
    complexity: perRow(ALL_NOTIFICATION_EVENTS.length),
  })
  async notifications(@Root() user: MeType, @Ctx() { services }: RelayContext): Promise<EventChannelsType[]> {
    return (await services.preferences.notifications(user.id)).map(eventChannelsLine);
  }
}

/**
 * Reported like validateInput's errors, naming every field; each problem validateQuietHours finds
 * starts with the name of its field. The messages never quote the rejected value.
 */
function invalidQuietHours(problems: string[]): GraphQLError {
  const fields = problems.map((problem) => problem.slice(0, problem.indexOf(" ")));
  return new GraphQLError(`invalid input: ${problems.join("; ")}`, { extensions: { code: "BAD_USER_INPUT", field: fields[0], fields } });
}

/**
 * A personal Teams URL makes the bridge send requests where a user says: only an allowed prefix is
 * stored (the send-time check also resolves the host). The messages never quote the URL, a credential.
 */
function checkTeamsUrl(allowlist: WebhookAllowlist, url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = "";
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw badUserInput("msteamsUrl", "must be an http:// or https:// URL (or empty to clear it)");
  }
  if (!allowlistPermits(allowlist, url)) {
    const allowed = allowlist.entries.map((entry) => entry.text).join(", ") || "nothing";
    throw badUserInput("msteamsUrl", `is not on PERSONAL_WEBHOOK_ALLOWLIST (allowed: ${allowed})`);
  }
}
