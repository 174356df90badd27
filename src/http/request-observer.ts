import { IncomingMessage, ServerResponse } from "node:http";
import { requestIdFor, runInRequest } from "../logging/request-context";
import { Metrics } from "../metrics/metrics";
import type { Routes } from "./http-server";

/**
 * Wraps the server's request listener: gives each request an id (the caller's `X-Request-Id` when it
 * is a sane token, else a UUID), answers it in `X-Request-Id`, puts it on every log line written
 * while the request is handled, and times the request into `metrics` by its route path.
 */
export function observeRequests(
  routes: Routes,
  metrics: Metrics | undefined,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = requestIdFor(req);
    res.setHeader("X-Request-Id", requestId);
    if (metrics) {
      const started = process.hrtime.bigint();
      // `close` comes after the answer is sent, and also when the client went away first.
      res.once("close", () => {
        metrics.httpRequest(req.method ?? "", routeOf(routes, req.url), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      });
    }
    runInRequest({ requestId }, () => listener(req, res));
  };
}

/** The route path the request matched, or `other`: never the raw URL, so the label set stays small. */
export function routeOf(routes: Routes, url: string | undefined): string {
  try {
    const path = new URL(url ?? "/", "http://relay").pathname;
    return Object.hasOwn(routes, path) ? path : "other";
  } catch {
    return "other";
  }
}
