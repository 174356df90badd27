import { Channel } from "../vocabulary/channel";
import { DojoDirectory } from "../defectdojo/directory";
import { DojoEvent, listedFindings } from "../events/dojo-event";
import { meetsSeverity } from "../events/severity";
import { PreferencesStore, UserContactWithSecret } from "../storage/preferences-store";
import { presentation } from "./presentation";
import { quietHoursEnd } from "./quiet-hours";
import { digestKey } from "./rule-routes";
import { SystemSettingsWithSecrets } from "../storage/settings-store";
import { DigestPlan, MSTEAMS_SYSTEM_TARGET, RouteTarget } from "./system-routes";

/** What personalRoutes reads of the preferences: who subscribed to an event, and how to reach them. */
export type PersonalPreferences = Pick<PreferencesStore, "subscribers" | "contacts">;

/** Label stored for a personal Teams webhook: the URL is a credential and stays in the contact record. */
export const personalTeamsTarget = (username: string) => `personal Teams webhook of ${username}`;

/**
 * Personal copies of an event: every user who subscribed to it on a channel whose system switch is
 * on, is active in DefectDojo and may view the event's product by DefectDojo's own rules. Asks
 * DefectDojo nothing when nobody subscribed. Rejects (and the caller retries later) when DefectDojo
 * cannot answer: nobody is notified on a guess.
 *
 * A user already reached by the event's system-wide mail or Teams target gets no second copy there. A user's
 * minimum severity drops events whose listed findings are all below it (and lists only those at or
 * above it); their digest window or quiet hours hold the message in a digest.
 */
export async function personalRoutes(
  deps: { preferences: PersonalPreferences; directory: DojoDirectory },
  event: DojoEvent,
  settings: SystemSettingsWithSecrets,
  now: number,
  /** Where the event goes system-wide, when routing rules decided it; else the system-wide settings say. */
  systemWide?: ReadonlyArray<Pick<RouteTarget, "channel" | "target">>,
): Promise<RouteTarget[]> {
  const switchedOn = new Set<Channel>();
  if (settings.enableSlackNotifications) switchedOn.add(Channel.SLACK);
  if (settings.enableMsteamsNotifications) switchedOn.add(Channel.MSTEAMS);
  if (settings.enableMailNotifications) switchedOn.add(Channel.MAIL);

  const subscriptions = (await deps.preferences.subscribers(event.setting))
    .map((subscription) => ({ ...subscription, channels: subscription.channels.filter((c) => switchedOn.has(c)) }))
    .filter((subscription) => subscription.channels.length > 0);
  if (subscriptions.length === 0) return [];

  const [users, scope, contacts] = await Promise.all([
    deps.directory.activeUsers(),
    deps.directory.productScope(event),
    deps.preferences.contacts(subscriptions.map((subscription) => subscription.userId)),
  ]);
  const candidates = subscriptions.flatMap(({ userId }) => users.get(userId) ?? []);
  if (candidates.length === 0) return [];
  const viewers = await deps.directory.viewersOf(scope, undefined, candidates);
  const systemMail = new Set(
    (systemWide
      ? systemWide.filter((route) => route.channel === Channel.MAIL).flatMap((route) => route.target.split(", "))
      : settings.mailNotificationsTo
    ).map((address) => address.toLowerCase()),
  );
  const systemTeamsUsed = !systemWide || systemWide.some((route) => route.target === MSTEAMS_SYSTEM_TARGET);

  const listed = listedFindings(event);
  const routes: RouteTarget[] = [];
  for (const { userId, channels } of subscriptions) {
    const user = users.get(userId);
    if (!user || !viewers.mayView(user)) continue;
    const contact = contacts.get(userId)!;
    const passing = contact.minSeverity ? listed.filter((finding) => meetsSeverity(finding.severity, contact.minSeverity!)) : listed;
    if (listed.length > 0 && passing.length === 0) continue;
    const findingIds = passing.length < listed.length ? passing.map((finding) => finding.id) : undefined;
    const shown = presentation(findingIds, settings.linkOnly);
    const add = (channel: Channel, target: string) =>
      routes.push({ channel, target, recipientUserId: userId, presentation: shown, digest: personalDigest(userId, contact, channel, target, now) });
    for (const channel of channels) {
      switch (channel) {
        case Channel.SLACK:
          add(channel, contact.slackEmail || user.email);
          break;
        case Channel.MAIL: {
          const address = contact.email || user.email;
          if (!systemMail.has(address.toLowerCase())) add(channel, address);
          break;
        }
        case Channel.MSTEAMS:
          if (!contact.msteamsUrl || !systemTeamsUsed || contact.msteamsUrl !== settings.msteamsUrl) {
            add(channel, personalTeamsTarget(user.username));
          }
          break;
      }
    }
  }
  return routes;
}

/** A user's quiet hours hold a message until they end; else their digest window, if they set one, gathers it. */
function personalDigest(userId: number, contact: UserContactWithSecret, channel: Channel, target: string, now: number): DigestPlan | undefined {
  const quietUntil = contact.quietHours ? quietHoursEnd(now, contact.quietHours) : null;
  const base = { ruleId: null, groupLabel: null, groupUrl: null };
  if (quietUntil !== null) {
    const windowSeconds = Math.round((quietUntil - now) / 1000);
    return { ...base, key: digestKey(`user:${userId}`, channel, target, "quiet"), windowSeconds, dueAt: quietUntil, reason: "quiet_hours" };
  }
  if (contact.digestWindowSeconds > 0) {
    const windowSeconds = contact.digestWindowSeconds;
    return { ...base, key: digestKey(`user:${userId}`, channel, target, "window"), windowSeconds, dueAt: now + windowSeconds * 1000, reason: "window" };
  }
  return undefined;
}
