import { IncomingMessage } from "node:http";
import { LessThanOrEqual } from "typeorm";
import { Metrics } from "../metrics/metrics";
import { Database } from "../storage/database";
import { KeptAsideReason, KeptAsideRequestEntity, StoredHeader } from "../storage/entities/kept-aside-request.entity";

/** The most of a body a kept-aside row holds: enough to see what was wrong, bounded per row. */
export const KEPT_BODY_BYTES = 64 * 1024;
/** Rows kept; older ones go as new ones arrive, so a flood of bad requests cannot fill the disk. */
export const KEPT_ASIDE_MAX_ROWS = 1000;
const MAX_HEADERS = 50;
const MAX_HEADER_NAME = 100;
const MAX_HEADER_VALUE = 1000;
const MAX_SHORT_TEXT = 200;
const MAX_DETAIL = 1000;
export const REDACTED = "[redacted]";

/** Headers that carry credentials, whatever WEBHOOK_HEADER_NAME is: their values are never stored. */
const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];

/** What the receiver knows of a request it keeps aside. */
export interface KeptAsideRequest {
  reason: KeptAsideReason;
  detail: string;
  /** `X-DefectDojo-Event` as sent, or null. */
  eventName: string | null;
  /** The metric's `event` label: a valid event name, or "". */
  eventLabel: string;
  contentType: string | null;
  sizeBytes: number;
  headers: StoredHeader[];
  /** The whole body as received, or null when it was not kept (over the size limit). */
  body: Buffer | null;
}

/**
 * The request's headers as sent (name case and order kept, repeats apart), bounded in count and
 * length, with the secret header's value (and any credential header's) replaced by `[redacted]`.
 */
export function storableHeaders(req: IncomingMessage, secretHeaderName: string): StoredHeader[] {
  const secret = new Set([secretHeaderName.toLowerCase(), ...CREDENTIAL_HEADERS]);
  const headers: StoredHeader[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length && headers.length < MAX_HEADERS; i += 2) {
    const name = req.rawHeaders[i];
    headers.push({
      name: storableText(name, MAX_HEADER_NAME),
      value: secret.has(name.toLowerCase()) ? REDACTED : storableText(req.rawHeaders[i + 1], MAX_HEADER_VALUE),
    });
  }
  return headers;
}

/**
 * Text bounded to `max` characters, without NUL (PostgreSQL's text cannot hold it): replaced by
 * U+FFFD, as bytes that are not UTF-8 already are.
 */
export function storableText(text: string, max: number): string {
  return text.slice(0, max).replace(/\u0000/g, "\uFFFD");
}

export const boundedHeaderText = (text: string | undefined | null) =>
  text === undefined || text === null ? null : storableText(text, MAX_SHORT_TEXT);

function toRow(request: KeptAsideRequest, receivedAt: number): Omit<KeptAsideRequestEntity, "id"> {
  const kept = request.body?.subarray(0, KEPT_BODY_BYTES) ?? null;
  return {
    receivedAt,
    reason: request.reason,
    detail: storableText(request.detail, MAX_DETAIL),
    eventName: request.eventName === null ? null : storableText(request.eventName, MAX_SHORT_TEXT),
    contentType: request.contentType === null ? null : storableText(request.contentType, MAX_SHORT_TEXT),
    sizeBytes: request.sizeBytes,
    headers: request.headers,
    // A cut in the middle of a character shows as U+FFFD at the end.
    body: kept && kept.length > 0 ? storableText(kept.toString("utf8"), Infinity) : null,
    bodyTruncated: (kept?.length ?? 0) < request.sizeBytes,
  };
}

export interface KeepAsideDeps {
  db: Database;
  metrics?: Metrics;
  now?: () => number;
}

/**
 * Stores a kept-aside request (dropping the oldest beyond KEPT_ASIDE_MAX_ROWS) and counts it in
 * dojo_relay_events_received_total{outcome="kept_aside"}; resolves with its id once committed.
 * Nothing here reaches the outbox: a kept-aside request is never sent.
 */
export function createKeepAside(deps: KeepAsideDeps): (request: KeptAsideRequest) => Promise<number> {
  const now = deps.now ?? Date.now;
  return async (request) => {
    const id = await deps.db.write(async (manager) => {
      const saved = await manager.save(manager.create(KeptAsideRequestEntity, toRow(request, now())));
      if (saved.id > KEPT_ASIDE_MAX_ROWS) await manager.delete(KeptAsideRequestEntity, { id: LessThanOrEqual(saved.id - KEPT_ASIDE_MAX_ROWS) });
      return saved.id;
    });
    deps.metrics?.eventKeptAside(request.eventLabel);
    return id;
  };
}
