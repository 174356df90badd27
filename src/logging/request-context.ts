import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { IncomingMessage } from "node:http";

/** What every log line written while handling one HTTP request carries (see `createLogger`'s mixin). */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** An incoming `X-Request-Id` is kept only when it is a short token: no spaces, quotes or control characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@+=-]{1,128}$/;

/** The caller's `X-Request-Id` when it is a sane short token, else a fresh UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Runs `work` (and everything it awaits or schedules) as part of the request `context`. */
export function runInRequest<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/**
 * Runs `work` outside any request: for background loops woken by a request (the delivery worker
 * after a webhook is stored), whose log lines belong to no request and carry the `eventId` instead.
 */
export function outsideRequest<T>(work: () => T): T {
  return storage.exit(work);
}

/** The id of the request being handled, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
