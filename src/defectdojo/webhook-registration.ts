import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../events/notification-event";
import { isPersonalOnlyEvent } from "../events/personal-only-events";
import { DojoApiError, DojoClient } from "./dojo-client";
import {
  dojoField,
  dojoNotificationsRow,
  DojoNotificationsRow,
  dojoSystemSettingsRow,
  readNotificationRows,
  readSystemSettings,
  systemRowOf,
} from "./notification-settings";
import { dojoWebhookEndpointRow, findOurEndpoint, listWebhookEndpoints, WEBHOOK_ENDPOINT_NAME, WEBHOOK_PATH } from "./webhook-endpoint";

/** `Notification_Webhooks.url` is a URLField of 200 characters. */
export const DOJO_WEBHOOK_URL_MAX_LENGTH = 200;
/** `Notification_Webhooks.header_name` and `header_value` hold 100 characters each. */
export const DOJO_WEBHOOK_HEADER_MAX_LENGTH = 100;
/** DefectDojo's own deliveries, which the bridge takes over when asked to. */
const DIRECT_CHANNELS: readonly string[] = ["slack", "msteams", "mail"];
/** A new Notifications row's default per field (`DEFAULT_NOTIFICATION`; scan_added_empty defaults to none). */
const defaultChannels = (event: NotificationEvent): string[] => (event === NotificationEvent.SCAN_ADDED_EMPTY ? [] : ["alert"]);

export interface WebhookRegistration {
  endpointId: number;
  /** What DefectDojo now posts to: `<publicUrl>/webhooks/defectdojo`. */
  url: string;
  /** A new endpoint; false: the bridge's existing one was updated. */
  created: boolean;
  /** DefectDojo's status of the endpoint (its API cannot change it). */
  status: string;
  /** Events of DefectDojo's system notifications that now include webhooks and did not before. */
  eventsAdded: number;
  /** DefectDojo's own Slack, Teams and mail are off in every event of its system notifications. */
  directChannelsStopped: boolean;
  /** What else to know or do, in sentences. */
  notes: string[];
}

/**
 * The endpoint URL for the bridge's public address (http or https, no query, fragment or user),
 * or why there is none. The text is the caller's own input, so problems may name parts of it.
 */
export function endpointUrlFor(publicUrl: string): { url: string } | { problem: string } {
  let parsed: URL;
  try {
    parsed = new URL(publicUrl);
  } catch {
    return { problem: "is not a URL" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return { problem: "must be an http:// or https:// URL" };
  if (/[?#]/.test(publicUrl)) return { problem: "must have no query or fragment (the bridge's path is appended to it)" };
  if (parsed.username || parsed.password) return { problem: "must not carry a user name or password" };
  if (/\s/.test(publicUrl)) return { problem: "must not contain whitespace" };
  const url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
  if (url.length > DOJO_WEBHOOK_URL_MAX_LENGTH) {
    return { problem: `gives a webhook URL longer than the ${DOJO_WEBHOOK_URL_MAX_LENGTH} characters DefectDojo keeps` };
  }
  return { url };
}

/**
 * Makes DefectDojo send its system notifications to the bridge: creates or updates (never
 * duplicates) the system webhook endpoint `url` with the bridge's header, turns on
 * `enable_webhooks_notifications`, and adds `webhooks` to every event of DefectDojo's system
 * notifications; with `stopDirectNotifications` also takes slack, msteams and mail out of them so
 * nobody gets a message twice. Reads first; the endpoint is written first, so a URL DefectDojo
 * refuses changes nothing. Running it again changes nothing more. The header value is sent, never
 * returned or put in an error.
 *
 * @throws DojoApiError (`rejected` with `fields` when DefectDojo refuses a change)
 */
export async function registerWebhook(
  deps: { client: DojoClient; headerName: string; headerValue: string },
  request: { url: string; stopDirectNotifications: boolean },
): Promise<WebhookRegistration> {
  const { client } = deps;
  const [endpoints, dojoSettings, rows] = await Promise.all([listWebhookEndpoints(client), readSystemSettings(client), readNotificationRows(client)]);
  const ours = findOurEndpoint(endpoints, request.url);
  const taken = ours ? undefined : endpoints.find((endpoint) => endpoint.name === WEBHOOK_ENDPOINT_NAME);
  if (taken) {
    // Only a personal endpoint can hold the name without being ours; DefectDojo keeps names unique.
    throw new DojoApiError(
      "rejected",
      `DefectDojo's webhook endpoint ${taken.id}, owned by user ${taken.owner}, is named "${WEBHOOK_ENDPOINT_NAME}": rename or delete it there first`,
      { fields: ["name"] },
    );
  }

  const fields = { url: request.url, header_name: deps.headerName, header_value: deps.headerValue };
  const endpoint = ours
    ? await client.patch(`notification_webhooks/${ours.id}/`, fields, dojoWebhookEndpointRow)
    : await client.post("notification_webhooks/", { name: WEBHOOK_ENDPOINT_NAME, owner: null, ...fields }, dojoWebhookEndpointRow);
  const notes: string[] = [];
  if (!dojoSettings.enable_webhooks_notifications) {
    await client.patch(`system_settings/${dojoSettings.id}/`, { enable_webhooks_notifications: true }, dojoSystemSettingsRow);
    notes.push("Turned on Enable Webhook notifications in DefectDojo's System Settings.");
  }
  const matrix = await addWebhooksToSystemRow(client, systemRowOf(rows), request.stopDirectNotifications);
  notes.push(...matrix.notes);
  if (endpoint.status === "inactive_permanent") {
    notes.push(
      "DefectDojo keeps the endpoint inactive_permanent and its API cannot reactivate it: edit and save it under " +
        "Configuration > Notifications > Webhooks, which pings the bridge and makes it active.",
    );
  } else if (endpoint.status === "inactive_tmp") {
    notes.push("DefectDojo has paused the endpoint after errors (inactive_tmp); it tries it again by itself within minutes.");
  }
  return {
    endpointId: endpoint.id,
    url: endpoint.url,
    created: !ours,
    status: endpoint.status,
    eventsAdded: matrix.eventsAdded,
    directChannelsStopped: request.stopDirectNotifications && matrix.directLeft === 0,
    notes,
  };
}

/**
 * Adds `webhooks` to every event field of DefectDojo's system row (created when DefectDojo has
 * none), keeping its other channels unless `stopDirect`. Writes only the fields that change.
 * The personal-only events are left as they are: DefectDojo merges the system row into each
 * recipient's own settings for them (NOTIFICATIONS_SYSTEM_LEVEL_TRUMP, dojo/notifications/helper.py
 * _process_recipients), so `webhooks` there would post mentions to the recipients' own endpoints, and
 * stopping Slack or mail there would silence what the bridge can never send in their place.
 */
async function addWebhooksToSystemRow(
  client: DojoClient,
  row: DojoNotificationsRow | undefined,
  stopDirect: boolean,
): Promise<{ eventsAdded: number; directLeft: number; notes: string[] }> {
  const changes: Record<string, string[] | string> = {};
  const notes: string[] = [];
  let eventsAdded = 0;
  let directLeft = 0;
  const stopped = new Set<string>();
  for (const event of ALL_NOTIFICATION_EVENTS) {
    if (isPersonalOnlyEvent(event)) continue;
    const before = row?.channels.get(event) ?? defaultChannels(event);
    const after = new Set(before.filter((channel) => !(stopDirect && DIRECT_CHANNELS.includes(channel))));
    after.add("webhooks");
    if (row && sameSet(before, after)) {
      directLeft += before.filter((channel) => DIRECT_CHANNELS.includes(channel)).length;
      continue;
    }
    const ordered = [...after].sort();
    if (event === NotificationEvent.SCAN_ADDED_EMPTY && ordered.length > 1) {
      // DefectDojo's serializer does not declare this field, so DRF writes it as a single choice:
      // "" or one channel id. Anything more can only be ticked on its page.
      notes.push(
        "DefectDojo's API sets scan_added_empty to a single channel, and it has others there: tick Webhooks for " +
          '"Scan added empty" on DefectDojo\'s System Notifications page.',
      );
      directLeft += before.filter((channel) => DIRECT_CHANNELS.includes(channel)).length;
      continue;
    }
    for (const channel of before) if (!after.has(channel)) stopped.add(channel);
    if (!before.includes("webhooks")) eventsAdded++;
    changes[dojoField(event)] = event === NotificationEvent.SCAN_ADDED_EMPTY ? ordered[0] : ordered;
  }
  if (row && Object.keys(changes).length > 0) {
    await client.patch(`notifications/${row.id}/`, changes, dojoNotificationsRow);
  } else if (!row) {
    await client.post("notifications/", { user: null, product: null, template: false, ...changes }, dojoNotificationsRow);
    notes.push("Created DefectDojo's system notification settings, which it had none of yet.");
  }
  if (stopped.size > 0) {
    notes.push(`Took DefectDojo's own ${[...stopped].sort().join(", ")} out of its system notifications: the bridge sends them now.`);
  }
  return { eventsAdded, directLeft, notes };
}

const sameSet = (before: readonly string[], after: ReadonlySet<string>) => before.length === after.size && before.every((channel) => after.has(channel));
