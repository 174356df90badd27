import { z } from "zod";
import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../events/notification-event";
import { DojoApiError, DojoClient } from "./dojo-client";

/*
 * DefectDojo's notification settings as its REST API v2 shows them (all superuser-only): the one
 * `system_settings/` row, `notifications/` rows (system, personal, per-product, template) and
 * `user_contact_infos/`. Validated where they enter; only the fields the bridge uses are kept, so
 * a secret such as an endpoint's header_value never travels further than the parser.
 */

/** DefectDojo's channel ids (`NOTIFICATION_CHOICES`), in its order. */
export const DOJO_CHANNELS = ["slack", "msteams", "mail", "webhooks", "alert"] as const;
export type DojoChannel = (typeof DOJO_CHANNELS)[number];

/** The Notifications field of an event: DefectDojo's own name, e.g. `scan_added`. */
export const dojoField = (event: NotificationEvent): string => event.toLowerCase();

/**
 * One event field. The declared fields are DRF MultipleChoiceFields (a JSON array, in any order);
 * `scan_added_empty` is not declared, so DRF serialises that MultiSelectField as a plain
 * ChoiceField, which echoes what a write stored: an array when read back, but the string written
 * (`"webhooks"`, `""`) in a write's own answer. Both are accepted; a string may hold a
 * comma-separated list, as the column does.
 */
const channelList = z
  .union([z.array(z.string()), z.string()])
  .transform((value) => (typeof value === "string" ? value.split(",").map((part) => part.trim()).filter(Boolean) : value));

const eventFields = Object.fromEntries(ALL_NOTIFICATION_EVENTS.map((event) => [dojoField(event), channelList])) as Record<
  string,
  typeof channelList
>;

/** A `notifications/` row: each event's channel ids, and whose row it is. */
export const dojoNotificationsRow = z
  .object({
    id: z.number().int(),
    user: z.number().int().nullable(),
    product: z.number().int().nullable(),
    template: z.boolean(),
    ...eventFields,
  })
  .transform((row) => ({
    id: row.id,
    user: row.user,
    product: row.product,
    template: row.template,
    channels: new Map(ALL_NOTIFICATION_EVENTS.map((event) => [event, (row as unknown as Record<string, string[]>)[dojoField(event)]])),
  }));
export type DojoNotificationsRow = z.infer<typeof dojoNotificationsRow>;

/** DefectDojo keeps "" (blank=True) for an unset text; null is tolerated. */
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? "");

/** The notification part of the single `system_settings/` row. */
export const dojoSystemSettingsRow = z.object({
  id: z.number().int(),
  enable_slack_notifications: z.boolean(),
  slack_channel: text,
  slack_token: text,
  slack_username: text,
  enable_msteams_notifications: z.boolean(),
  msteams_url: text,
  enable_mail_notifications: z.boolean(),
  mail_notifications_to: text,
  enable_webhooks_notifications: z.boolean(),
});
export type DojoSystemSettings = z.infer<typeof dojoSystemSettingsRow>;

/**
 * A `user_contact_infos/` row. DefectDojo 2.39 to 3.2 send both the user's id (`user`, from
 * `fields = "__all__"`) and the user nested as `user_profile`; either alone is enough.
 */
export const dojoUserContactInfoRow = z
  .object({
    user: z.number().int().optional(),
    user_profile: z.object({ id: z.number().int() }).nullish(),
    // "Slack Email Address" in DefectDojo's UI.
    slack_username: text,
  })
  .refine((row) => row.user !== undefined || row.user_profile?.id !== undefined, "names no user (neither user nor user_profile.id)")
  .transform((row) => ({ userId: (row.user ?? row.user_profile?.id) as number, slackEmail: row.slack_username.trim() }));
export type DojoUserContactInfo = z.infer<typeof dojoUserContactInfoRow>;

/** The only row of `system_settings/` (a list endpoint; DefectDojo has no detail GET for it). */
export async function readSystemSettings(client: DojoClient): Promise<DojoSystemSettings> {
  const rows = await client.list("system_settings/", {}, dojoSystemSettingsRow);
  if (rows.length !== 1) throw new DojoApiError("bad_response", `GET /api/v2/system_settings/: ${rows.length} rows, not one`);
  return rows[0];
}

/**
 * Every non-template `notifications/` row. DefectDojo's filter on `user` and `product` is a
 * ModelChoiceFilter without a null choice, so `?user=null` is a 400 there: the rows are asked for
 * by `template=false` and told apart here (again for `template`, should a version ignore it).
 */
export async function readNotificationRows(client: DojoClient): Promise<DojoNotificationsRow[]> {
  return (await client.list("notifications/", { template: "false" }, dojoNotificationsRow)).filter((row) => !row.template);
}

/** DefectDojo's system row (no user, no product), if one exists: its UI makes it on first visit. */
export const systemRowOf = (rows: readonly DojoNotificationsRow[]): DojoNotificationsRow | undefined =>
  rows.find((row) => row.user === null && row.product === null && !row.template);
