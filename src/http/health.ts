import { Database } from "../storage/database";
import { Handler } from "./http-server";
import { sendJson } from "./respond";

/** `GET /healthz`: 200 while the database answers, 503 when it does not. Cheap: one `SELECT 1`. */
export function createHealthHandler(db: Database): Handler {
  return async (_req, res) => {
    try {
      await db.manager.query("SELECT 1");
      sendJson(res, 200, { status: "ok", database: "ok" });
    } catch {
      sendJson(res, 503, { status: "unavailable", database: "unreachable" });
    }
  };
}
