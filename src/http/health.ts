import { PollerHealth } from "../ingest/poll/poller";
import { Database } from "../storage/database";
import { Handler } from "./http-server";
import { sendJson } from "./respond";

/**
 * `GET /healthz`: 200 while the database answers, 503 when it does not. Cheap: one `SELECT 1`.
 * A poller that DefectDojo refuses, or that fails, makes the status `degraded`; it is not a reason
 * to restart the bridge, so the answer stays 200. Unauthenticated, so it shows states only, never
 * an error's text (which may name hosts or paths): the log and the authenticated `pollerStatus`
 * query say why.
 */
export function createHealthHandler(db: Database, poller: { status(): PollerHealth } | null = null): Handler {
  return async (_req, res) => {
    const polling = poller?.status();
    const pollerReport = polling && { poller: polling.status };
    try {
      await db.manager.query("SELECT 1");
      const degraded = polling && (polling.status === "unauthorized" || polling.status === "failing");
      sendJson(res, 200, { status: degraded ? "degraded" : "ok", database: "ok", ...pollerReport });
    } catch {
      sendJson(res, 503, { status: "unavailable", database: "unreachable", ...pollerReport });
    }
  };
}
