import { z } from "zod";
import { createSharedAnswers } from "../cache/shared-answers";
import { Logger } from "../logging/logger";
import { redactSecrets } from "../logging/redact";
import { DojoClient } from "./dojo-client";

/** The name the bridge gives its endpoint in DefectDojo (unique there), as the README's manual steps do. */
export const WEBHOOK_ENDPOINT_NAME = "Dojo Relay";
/** Where the bridge receives DefectDojo's webhooks, below its public URL. */
export const WEBHOOK_PATH = "/webhooks/defectdojo";

/** DefectDojo's `Notification_Webhooks.Status`; the API cannot change it (not editable). */
export const WEBHOOK_STATUSES = ["active", "active_tmp", "inactive_tmp", "inactive_permanent"] as const;
/** DefectDojo skips an endpoint in these, and the events meant for it are lost. */
export const INACTIVE_STATUSES: readonly string[] = ["inactive_tmp", "inactive_permanent"];

/**
 * A `notification_webhooks/` row without `header_value`: the secret is never read back, so it
 * cannot leak from here.
 */
export const dojoWebhookEndpointRow = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  header_name: z.string().nullish(),
  // A string rather than the four known values: a status a later DefectDojo adds is shown, not refused.
  status: z.string(),
  note: z.string().nullish(),
  owner: z.number().int().nullish(),
  // When the endpoint's errors began and last happened (read-only in DefectDojo's API).
  first_error: z.string().nullish(),
  last_error: z.string().nullish(),
});
export type DojoWebhookEndpoint = z.infer<typeof dojoWebhookEndpointRow>;

export const listWebhookEndpoints = (client: DojoClient): Promise<DojoWebhookEndpoint[]> =>
  client.list("notification_webhooks/", {}, dojoWebhookEndpointRow);

/**
 * The bridge's system endpoint (no owner) among DefectDojo's: the one at `url` when given, else
 * the one named WEBHOOK_ENDPOINT_NAME, else (without `url`) the only one whose URL ends in
 * WEBHOOK_PATH. A personal endpoint is never taken for ours.
 */
export function findOurEndpoint(endpoints: readonly DojoWebhookEndpoint[], url?: string): DojoWebhookEndpoint | null {
  const system = endpoints.filter((endpoint) => endpoint.owner == null);
  const byUrl = url === undefined ? [] : system.filter((endpoint) => endpoint.url === url);
  if (byUrl.length > 0) return byUrl[0];
  const byName = system.find((endpoint) => endpoint.name === WEBHOOK_ENDPOINT_NAME);
  if (byName || url !== undefined) return byName ?? null;
  const byPath = system.filter((endpoint) => endpoint.url.replace(/\/+$/, "").endsWith(WEBHOOK_PATH));
  return byPath.length === 1 ? byPath[0] : null;
}

/** The bridge's endpoint in DefectDojo as last read. */
export interface WebhookStatusReading {
  endpointId: number;
  /** DefectDojo's own status string: active, active_tmp, inactive_tmp, inactive_permanent. */
  status: string;
  /** DefectDojo's note on the last error, e.g. `Response status code: 401`; the header value is masked. */
  note: string | null;
  /** DefectDojo's `first_error` (epoch ms): when the errors that turned it off began; null when none. */
  firstErrorAt: number | null;
  /** DefectDojo's `last_error` (epoch ms). */
  lastErrorAt: number | null;
  url: string;
  name: string;
}

/** A DefectDojo date-time (ISO, microseconds) as epoch ms; null when absent or unreadable. */
export function dojoTime(text: string | null | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

/** Reads the bridge's endpoint status, shared by /readyz, /metrics and the defectDojoConnection query. */
export interface WebhookStatusMonitor {
  /** The reading at most `ttlMs` old (a read in progress is joined); null: no endpoint of ours. @throws DojoApiError */
  current(): Promise<WebhookStatusReading | null>;
  /** A fresh reading, which the next `current()` calls reuse. @throws DojoApiError */
  refresh(): Promise<WebhookStatusReading | null>;
}

/** As long as /readyz reuses its DefectDojo check: probes every few seconds cost DefectDojo one listing per 10 s. */
export const WEBHOOK_STATUS_TTL_MS = 10_000;
const WEBHOOK_STATUS = "webhook_status";

export function createWebhookStatusMonitor(options: {
  client: DojoClient;
  logger: Logger;
  /** WEBHOOK_HEADER_VALUE: masked wherever DefectDojo's note might quote it (a refused header). */
  headerValue: string | null;
  ttlMs?: number;
  now?: () => number;
}): WebhookStatusMonitor {
  const ttlMs = options.ttlMs ?? WEBHOOK_STATUS_TTL_MS;
  const now = options.now ?? Date.now;
  // One reading: a read in progress is joined, a failed one not reused (the next caller asks again).
  const last = createSharedAnswers<WebhookStatusReading | null>({ max: 1, ttlMs, now });
  // Warned once per change into an inactive status, not on every read while it stays there.
  let warnedFor: string | null = null;

  async function read(): Promise<WebhookStatusReading | null> {
    const ours = findOurEndpoint(await listWebhookEndpoints(options.client));
    const reading = ours && {
      endpointId: ours.id,
      status: ours.status,
      note: ours.note ? redactSecrets(ours.note, [options.headerValue]) : null,
      firstErrorAt: dojoTime(ours.first_error),
      lastErrorAt: dojoTime(ours.last_error),
      url: ours.url,
      name: ours.name,
    };
    const key = reading !== null && INACTIVE_STATUSES.includes(reading.status) ? `${reading.endpointId}:${reading.status}` : null;
    if (reading !== null && key !== null && key !== warnedFor) {
      options.logger.warn(
        { endpointId: reading.endpointId, status: reading.status, note: reading.note },
        "DefectDojo has stopped sending webhooks to the bridge: its endpoint is inactive there",
      );
    }
    warnedFor = key;
    return reading;
  }

  return {
    current: () => last.get(WEBHOOK_STATUS, read),
    refresh: () => last.get(WEBHOOK_STATUS, read, { refresh: true }),
  };
}
