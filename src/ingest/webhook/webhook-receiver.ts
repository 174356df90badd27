import { IncomingMessage, ServerResponse } from "node:http";
import { DojoEvent } from "../../events/dojo-event";
import { InvalidPayloadError, parseWebhookPayload } from "../../events/webhook-payload";
import { sendJson } from "../../http/respond";
import { Logger } from "../../logging/logger";
import { readBody } from "./read-body";
import { headerValueMatches } from "./webhook-auth";

/** DefectDojo event names are snake_case identifiers; anything else never came from DefectDojo. */
export const EVENT_NAME = /^[a-z][a-z0-9_]{0,99}$/;
const MAX_INSTANCE_LENGTH = 500;

export type AcceptOutcome = { stored: true; eventId: number } | { stored: false; eventId: number };

export interface WebhookReceiverOptions {
  headerName: string;
  /** Null: the receiver refuses every request (no secret configured). */
  headerValue: string | null;
  maxBodyBytes: number;
  logger: Logger;
  /** Stores the event and its outbox rows durably; resolves only once they are committed. */
  accept(event: DojoEvent, rawBody: Buffer): Promise<AcceptOutcome>;
}

/**
 * `POST /webhooks/defectdojo`. DefectDojo permanently disables an endpoint on any 4xx but 429 and
 * drops the event on 5xx, so a 4xx is given only to requests DefectDojo itself never sends, and a
 * 2xx only once the event is committed.
 */
export function createWebhookReceiver(options: WebhookReceiverOptions) {
  const headerKey = options.headerName.toLowerCase();
  const log = options.logger.child({ component: "webhook" });

  return async function receiveWebhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Auth and size are decided from the headers alone, before a byte of the body is read.
    if (options.headerValue === null) {
      return reject(res, 401, "the webhook receiver is disabled: WEBHOOK_HEADER_VALUE is not configured");
    }
    // Node keeps only the first of a repeated Authorization header (and joins repeats of others):
    // DefectDojo sends the header once, so a second one, whichever is right, is refused.
    const received = req.headersDistinct[headerKey];
    if (!headerValueMatches(options.headerValue, received?.length === 1 ? received[0] : undefined)) {
      return reject(res, 401, `missing or wrong ${options.headerName} header`);
    }
    const declaredLength = Number(req.headers["content-length"]);
    if (Number.isFinite(declaredLength) && declaredLength > options.maxBodyBytes) {
      return reject(res, 413, `body of ${declaredLength} bytes is larger than ${options.maxBodyBytes}`);
    }
    const contentType = req.headers["content-type"];
    if (contentType !== undefined && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
      return reject(res, 415, "the body must be application/json");
    }
    const eventName = req.headers["x-defectdojo-event"];
    if (typeof eventName !== "string" || !EVENT_NAME.test(eventName)) {
      return reject(res, 400, "missing or malformed X-DefectDojo-Event header");
    }
    const instanceHeader = req.headers["x-defectdojo-instance"];
    const instance = typeof instanceHeader === "string" ? instanceHeader.slice(0, MAX_INSTANCE_LENGTH) : null;

    const read = await readBody(req, options.maxBodyBytes);
    if (!read.ok) {
      if (read.reason === "too_large") return reject(res, 413, `body is larger than ${options.maxBodyBytes} bytes`);
      log.info("webhook request aborted by the client; nothing stored");
      return;
    }

    let event: DojoEvent;
    try {
      event = parseWebhookPayload(eventName, instance, JSON.parse(read.body.toString("utf8")));
    } catch (error) {
      if (error instanceof SyntaxError) return reject(res, 400, "the body is not valid JSON");
      if (error instanceof InvalidPayloadError) return reject(res, 400, error.message);
      throw error;
    }

    let outcome: AcceptOutcome;
    try {
      outcome = await options.accept(event, read.body);
    } catch (error) {
      log.error({ err: error, event: eventName }, "could not store webhook event");
      res.setHeader("Retry-After", "5");
      return sendJson(res, 503, { error: "the event could not be stored; nothing was kept" });
    }
    log.info({ event: eventName, eventId: outcome.eventId, duplicate: !outcome.stored }, "webhook accepted");
    sendJson(res, outcome.stored ? 202 : 200, {
      status: outcome.stored ? "accepted" : "duplicate",
      eventId: outcome.eventId,
    });
  };

  function reject(res: ServerResponse, status: number, message: string): void {
    log.warn({ status, reason: message }, "webhook rejected");
    sendJson(res, status, { error: message });
  }
}
