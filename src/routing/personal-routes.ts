import { Channel } from "../channels/channel-id";
import { DojoDirectory } from "../defectdojo/directory";
import { DojoEvent } from "../events/dojo-event";
import { PreferencesStore } from "../storage/preferences-store";
import { SystemSettingsWithSecrets } from "../storage/settings-store";
import { RouteTarget } from "./system-routes";

/** Label stored for a personal Teams webhook: the URL is a credential and stays in the contact record. */
export const personalTeamsTarget = (username: string) => `personal Teams webhook of ${username}`;

/**
 * Personal copies of an event: every user who subscribed to it on a channel whose system switch is
 * on, is active in DefectDojo and may view the event's product by DefectDojo's own rules. Asks
 * DefectDojo nothing when nobody subscribed. Rejects (and the caller retries later) when DefectDojo
 * cannot answer: nobody is notified on a guess.
 *
 * A user already reached by the system-wide mail or Teams target gets no second copy there.
 */
export async function personalRoutes(
  deps: { preferences: PreferencesStore; directory: DojoDirectory },
  event: DojoEvent,
  settings: SystemSettingsWithSecrets,
): Promise<RouteTarget[]> {
  const switchedOn = new Set<Channel>();
  if (settings.enableSlackNotifications) switchedOn.add(Channel.SLACK);
  if (settings.enableMsteamsNotifications) switchedOn.add(Channel.MSTEAMS);
  if (settings.enableMailNotifications) switchedOn.add(Channel.MAIL);

  const subscriptions = (await deps.preferences.subscribers(event.setting))
    .map((subscription) => ({ ...subscription, channels: subscription.channels.filter((c) => switchedOn.has(c)) }))
    .filter((subscription) => subscription.channels.length > 0);
  if (subscriptions.length === 0) return [];

  const [users, viewers, contacts] = await Promise.all([
    deps.directory.activeUsers(),
    deps.directory.productScope(event).then((scope) => deps.directory.viewersOf(scope)),
    deps.preferences.contacts(subscriptions.map((subscription) => subscription.userId)),
  ]);
  const systemMail = new Set(settings.mailNotificationsTo.map((address) => address.toLowerCase()));

  const routes: RouteTarget[] = [];
  for (const { userId, channels } of subscriptions) {
    const user = users.get(userId);
    if (!user || !viewers.mayView(user)) continue;
    const contact = contacts.get(userId);
    for (const channel of channels) {
      switch (channel) {
        case Channel.SLACK:
          routes.push({ channel, target: contact?.slackEmail || user.email, recipientUserId: userId });
          break;
        case Channel.MAIL: {
          const address = contact?.email || user.email;
          if (!systemMail.has(address.toLowerCase())) routes.push({ channel, target: address, recipientUserId: userId });
          break;
        }
        case Channel.MSTEAMS:
          if (!contact?.msteamsUrl || contact.msteamsUrl !== settings.msteamsUrl) {
            routes.push({ channel, target: personalTeamsTarget(user.username), recipientUserId: userId });
          }
          break;
      }
    }
  }
  return routes;
}
