import { NotificationEvent } from "./notification-event";

/**
 * Events DefectDojo sends only to the users they name, never to a system webhook. It creates them
 * with `recipients` (user_mentioned: dojo/notifications/helper.py process_tag_notifications;
 * review_requested: dojo/finding/ui/views.py), handles them in `_process_recipients` with each
 * recipient's own settings (the system row merged in: NOTIFICATIONS_SYSTEM_LEVEL_TRUMP), and posts
 * webhooks only to endpoints that recipient owns (`Notification_Webhooks.objects.filter(owner=user)`),
 * in 3.2 and in 2.58. The bridge is a system endpoint (no owner), so it never receives them.
 */
export const PERSONAL_ONLY_EVENTS: ReadonlySet<NotificationEvent> = new Set([
  NotificationEvent.USER_MENTIONED,
  NotificationEvent.REVIEW_REQUESTED,
]);

export function isPersonalOnlyEvent(event: NotificationEvent): boolean {
  return PERSONAL_ONLY_EVENTS.has(event);
}

/** Why no channel can be set for a personal-only event, system-wide or personally. */
export const PERSONAL_ONLY_NOTE =
  "DefectDojo sends this event only to the users it names, through their own notification settings and " +
  "their own webhook endpoints, never to a system webhook such as the bridge's: the bridge never receives it, " +
  "so no channel here can send it. DefectDojo notifies those users itself (alert, mail, Slack).";
