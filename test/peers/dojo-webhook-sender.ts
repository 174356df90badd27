import { request } from "node:http";
import { DojoPeer } from "./dojo-peer";

/** What DefectDojo's delivery made of one webhook POST. */
export type DojoWebhookOutcome =
  | { outcome: "sent"; status: number }
  /** The endpoint is not active (inactive_tmp, inactive_permanent): DefectDojo does not even try. */
  | { outcome: "skipped" }
  | { outcome: "temporary"; status?: number; error?: string }
  | { outcome: "permanent"; status?: number; error?: string };

/**
 * DefectDojo's own webhook delivery to one of the peer's endpoints, as
 * dojo/notifications/helper.py WebhookNotificationManger does it (2.58.2-changelog and HEAD, the
 * same code): only active and active_tmp endpoints are tried; the headers of
 * `_generate_request_details` (User-Agent `DefectDojo-<version>`, X-DefectDojo-Event,
 * X-DefectDojo-Instance = SITE_URL, Accept, the endpoint's header) plus python-requests' own, the
 * body as `json=`; a 2xx is success, a 5xx or 429 or a Timeout temporary (inactive_tmp), any other
 * status or exception (a reset, a refused connection) permanent (inactive_permanent). The 24-hour
 * rule and the one-minute reactivation are left out. `rawBody` stands for a body DefectDojo would
 * not make (the bridge must still cope).
 */
export async function deliverDojoWebhook(
  peer: DojoPeer,
  endpointId: number,
  event: string,
  payload: { body?: unknown; rawBody?: string | Buffer },
  options: { version?: string; siteUrl?: string; timeoutMs?: number } = {},
): Promise<DojoWebhookOutcome> {
  const endpoint = peer.webhookEndpoints().find((candidate) => candidate.id === endpointId);
  if (!endpoint) throw new Error(`no webhook endpoint ${endpointId}`);
  if (endpoint.status !== "active" && endpoint.status !== "active_tmp") return { outcome: "skipped" };

  const body = Buffer.from(payload.rawBody ?? JSON.stringify(payload.body));
  const headers: Record<string, string | number> = {
    "User-Agent": `DefectDojo-${options.version ?? "2.58.2"}`,
    "X-DefectDojo-Event": event,
    "X-DefectDojo-Instance": options.siteUrl ?? "http://localhost:8080",
    Accept: "application/json",
    // python-requests: json= sets the type; its session adds these.
    "Content-Type": "application/json",
    "Accept-Encoding": "gzip, deflate",
    Connection: "keep-alive",
    "Content-Length": body.length,
  };
  if (endpoint.headerName !== null) headers[endpoint.headerName] = endpoint.headerValue ?? "";

  const result = await new Promise<DojoWebhookOutcome>((resolve) => {
    const req = request(endpoint.url, { method: "POST", headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ outcome: "sent", status });
        else if ((status >= 500 && status < 600) || status === 429) resolve({ outcome: "temporary", status });
        else resolve({ outcome: "permanent", status });
      });
      res.on("error", (error) => resolve({ outcome: "permanent", error: error.message }));
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => {
      resolve({ outcome: "temporary", error: "timeout" });
      req.destroy();
    });
    req.on("error", (error) => resolve({ outcome: "permanent", error: error.message }));
    req.end(body);
  });

  if (result.outcome === "temporary") peer.setWebhookStatus(endpointId, "inactive_tmp", `Response status code: ${result.status ?? result.error}`);
  if (result.outcome === "permanent") peer.setWebhookStatus(endpointId, "inactive_permanent", `Response status code: ${result.status ?? result.error}`);
  return result;
}
