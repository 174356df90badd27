import { IncomingMessage, ServerResponse } from "node:http";
import { DojoEvent } from "../../events/dojo-event";
import { isSilentEvent } from "../../events/notification-event";
import { InvalidPayloadError, parseWebhookPayload } from "../../events/webhook-payload";
import { sendJson } from "../../http/respond";
import { Logger } from "../../logging/logger";
import { KeptAsideReason } from "../../storage/entities/kept-aside-request.entity";
import type { KeptAsideRequest } from "../keep-aside";
import { boundedHeaderText, storableHeaders } from "../keep-aside";
import { namesNothing } from "./names-nothing";
import { readBody } from "./read-body";
import { headerValueCheck } from "./webhook-auth";

/** DefectDojo event names are snake_case identifiers; anything else never came from DefectDojo. */
export const EVENT_NAME = /^[a-z][a-z0-9_]{0,99}$/;
const MAX_INSTANCE_LENGTH = 500;
const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export type AcceptOutcome = { stored: true; eventId: number } | { stored: false; eventId: number };

export interface WebhookReceiverOptions {
  headerName: string;
  /** Null: the receiver refuses every request (no secret configured). */
  headerValue: string | null;
  maxBodyBytes: number;
  logger: Logger;
  /**
   * Stores the event and its outbox rows durably; resolves only once they are committed. The raw
   * body is for the idempotency keys: let go of it before waiting on the database.
   */
  accept(event: DojoEvent, rawBody: Buffer): Promise<AcceptOutcome>;
  /** Stores an authenticated request the bridge cannot use (never sent); resolves with its id once committed. */
  keepAside(request: KeptAsideRequest): Promise<number>;
  /** Called for each request that passed authentication, before its body is read (see IngestPressure). */
  authenticated?(): void;
}

/**
 * `POST /webhooks/defectdojo`. DefectDojo disables an endpoint for good on any 4xx but 429 (and on
 * a connection error) and pauses it on a 5xx (dojo/notifications/helper.py,
 * WebhookNotificationManger.send_webhooks_notification, 2.58.2-changelog and HEAD). So a request
 * with the right secret is always answered 2xx: with its event once committed, or kept aside (a
 * row to look at, never sent) when the bridge cannot use it. Only a wrong or missing secret is a
 * 401, and only the database failing is a 503.
 */
export function createWebhookReceiver(options: WebhookReceiverOptions) {
  const headerKey = options.headerName.toLowerCase();
  const headerValueMatches = options.headerValue === null ? null : headerValueCheck(options.headerValue);
  const log = options.logger.child({ component: "webhook" });

  return async function receiveWebhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Auth is decided from the headers alone, before a byte of the body is read.
    if (headerValueMatches === null) {
      return reject(res, 401, "the webhook receiver is disabled: WEBHOOK_HEADER_VALUE is not configured");
    }
    // Node keeps only the first of a repeated Authorization header (and joins repeats of others):
    // DefectDojo sends the header once, so a second one, whichever is right, is refused.
    const received = req.headersDistinct[headerKey];
    if (!headerValueMatches(received?.length === 1 ? received[0] : undefined)) {
      return reject(res, 401, `missing or wrong ${options.headerName} header`);
    }
    options.authenticated?.();

    // Node joins a repeated header with ", ", which no event name matches.
    const eventHeader = req.headers["x-defectdojo-event"]?.toString();
    const eventName = eventHeader !== undefined && EVENT_NAME.test(eventHeader) ? eventHeader : null;
    const contentType = req.headers["content-type"];
    const aside = (reason: KeptAsideReason, detail: string, sizeBytes: number, body: Buffer | null) =>
      keepAside(res, {
        reason,
        detail,
        eventName: boundedHeaderText(eventHeader),
        eventLabel: eventName ?? "",
        contentType: boundedHeaderText(contentType),
        sizeBytes,
        headers: storableHeaders(req, options.headerName),
        body,
      });

    // Over the limit by its Content-Length: read to the end without keeping a byte.
    const declaredLength = Number(req.headers["content-length"]);
    const declaredTooLarge = Number.isFinite(declaredLength) && declaredLength > options.maxBodyBytes;
    const read = await readBody(req, declaredTooLarge ? 0 : options.maxBodyBytes);
    if (!read.ok) {
      if (read.reason === "aborted") {
        log.info("webhook request aborted by the client; nothing stored");
        return;
      }
      return aside(KeptAsideReason.TOO_LARGE, `the body is larger than WEBHOOK_MAX_BYTES (${options.maxBodyBytes} bytes)`, read.sizeBytes, null);
    }
    const body = read.body;
    const size = body.length;

    if (contentType !== undefined && !JSON_CONTENT_TYPE.test(contentType)) {
      return aside(KeptAsideReason.UNSUPPORTED_CONTENT_TYPE, "the body must be application/json", size, body);
    }
    if (eventHeader === undefined) {
      return aside(KeptAsideReason.MISSING_EVENT_HEADER, "no X-DefectDojo-Event header", size, body);
    }
    if (eventName === null) {
      return aside(KeptAsideReason.MALFORMED_EVENT_HEADER, "X-DefectDojo-Event is not one snake_case event name", size, body);
    }
    const instanceHeader = req.headers["x-defectdojo-instance"];
    const instance = typeof instanceHeader === "string" ? instanceHeader.slice(0, MAX_INSTANCE_LENGTH) : null;

    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return aside(KeptAsideReason.INVALID_JSON, "the body is not valid JSON", size, body);
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      return aside(KeptAsideReason.NOT_AN_OBJECT, "the body must be a JSON object", size, body);
    }
    let event: DojoEvent;
    try {
      event = parseWebhookPayload(eventName, instance, json);
    } catch (error) {
      // Anything the parser cannot take is kept aside: even a bug there must not answer DefectDojo 500.
      if (!(error instanceof InvalidPayloadError)) log.error({ err: error, event: eventName }, "the webhook parser failed");
      return aside(KeptAsideReason.INVALID_PAYLOAD, error instanceof InvalidPayloadError ? error.message : "the body could not be read", size, body);
    }
    if (!isSilentEvent(eventName) && namesNothing(event)) {
      return aside(KeptAsideReason.NAMES_NOTHING, "the event names nothing: no title, no DefectDojo object, no url_ui", size, body);
    }

    let storing: Promise<AcceptOutcome>;
    try {
      storing = options.accept(event, body);
    } catch (error) {
      storing = Promise.reject(error);
    }
    // Awaited in a function of its own: this one would hold the raw body (up to WEBHOOK_MAX_BYTES,
    // needed only for the idempotency keys) until the event is stored.
    return answerStored(res, eventName, storing);
  };

  async function answerStored(res: ServerResponse, eventName: string, storing: Promise<AcceptOutcome>): Promise<void> {
    let outcome: AcceptOutcome;
    try {
      outcome = await storing;
    } catch (error) {
      log.error({ err: error, event: eventName }, "could not store webhook event");
      return unavailable(res, "the event could not be stored; nothing was kept");
    }
    log.info({ event: eventName, eventId: outcome.eventId, duplicate: !outcome.stored }, "webhook accepted");
    sendJson(res, outcome.stored ? 202 : 200, {
      status: outcome.stored ? "accepted" : "duplicate",
      eventId: outcome.eventId,
    });
  }

  async function keepAside(res: ServerResponse, request: KeptAsideRequest): Promise<void> {
    let id: number;
    try {
      id = await options.keepAside(request);
    } catch (error) {
      log.error({ err: error, reason: request.reason }, "could not keep a webhook request aside");
      return unavailable(res, "the request could not be kept aside; nothing was kept");
    }
    log.warn({ keptAsideId: id, reason: request.reason, detail: request.detail, event: request.eventLabel || undefined }, "webhook kept aside");
    sendJson(res, 202, { status: "kept_aside", id, reason: request.reason, detail: request.detail });
  }

  /** The database is down: DefectDojo pauses the endpoint and tries again later, which is what we need. */
  function unavailable(res: ServerResponse, message: string): void {
    res.setHeader("Retry-After", "5");
    sendJson(res, 503, { error: message });
  }

  function reject(res: ServerResponse, status: number, message: string): void {
    log.warn({ status, reason: message }, "webhook rejected");
    sendJson(res, status, { error: message });
  }
}
