import { Handler } from "../http/http-server";
import { Metrics } from "./metrics";

/**
 * `GET /metrics`: the Prometheus text format. Unauthenticated like `/healthz`, as scrapers expect;
 * it holds counts by channel, event and route names only, nothing secret and no target.
 */
export function createMetricsHandler(metrics: Metrics): Handler {
  return async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.writeHead(200, {
      "Content-Type": metrics.registry.contentType,
      "Content-Length": Buffer.byteLength(text),
      "Cache-Control": "no-store",
    });
    res.end(text);
  };
}
