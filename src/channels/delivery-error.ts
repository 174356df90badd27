/** Why an attempt failed, in the words the delivery log and metrics use. */
export type FailureKind =
  | "rate_limited"
  | "server_error"
  | "client_error"
  | "auth_error"
  | "timeout"
  | "network_error"
  | "not_configured";

/**
 * Thrown by a channel's single send attempt. The delivery worker alone decides what happens next:
 * retryable errors are retried with backoff (never before `retryAfterMs`), the others end FAILED.
 * The message must never contain a secret (token, webhook URL, password).
 */
export class DeliveryError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** HTTP status → retry decision, shared by every HTTP-speaking channel: 429 and 5xx retry, other 4xx do not. */
export function deliveryErrorForStatus(status: number, detail: string, retryAfterMs?: number): DeliveryError {
  if (status === 429) return new DeliveryError("rate_limited", `HTTP 429 ${detail}`.trim(), true, retryAfterMs);
  if (status >= 500) return new DeliveryError("server_error", `HTTP ${status} ${detail}`.trim(), true, retryAfterMs);
  if (status === 401 || status === 403) return new DeliveryError("auth_error", `HTTP ${status} ${detail}`.trim(), false);
  return new DeliveryError("client_error", `HTTP ${status} ${detail}`.trim(), false);
}

/** `Retry-After` in seconds (the form Slack and Microsoft use) or as an HTTP date, in milliseconds. */
export function parseRetryAfter(header: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
