import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { Logger } from "../logging/logger";
import { Metrics } from "../metrics/metrics";
import { observeRequests } from "./request-observer";
import { sendJson } from "./respond";

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Path → method → handler. Four routes do not need a framework. */
export type Routes = Record<string, Partial<Record<string, Handler>>>;

/** One HTTP server for everything; a 404 or 405 for anything not routed, a 500 for a handler that throws. */
export function createHttpServer(routes: Routes, logger: Logger, metrics?: Metrics): Server {
  // Every request gets an id (X-Request-Id, on its log lines) and is timed by route.
  const handle = observeRequests(routes, metrics, (req, res) => {
    // An absolute-form target such as `http://[` fails to parse; thrown here it would end the process.
    let path: string;
    try {
      path = new URL(req.url ?? "/", "http://relay").pathname;
    } catch {
      return sendJson(res, 400, { error: "malformed request target" });
    }
    const methods = routes[path];
    if (!methods) return sendJson(res, 404, { error: `no route for ${path}` });
    const handler = methods[req.method ?? ""];
    if (!handler) {
      res.setHeader("Allow", Object.keys(methods).join(", "));
      return sendJson(res, 405, { error: `${req.method} is not allowed on ${path}` });
    }
    handler(req, res).catch((error) => {
      logger.error({ err: error, path }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  const server = createServer(handle);
  // Node answers an Expect other than 100-continue with 417 by itself; RFC 9110 §10.1.1 lets a
  // server ignore it instead, and a 4xx would switch DefectDojo's webhook off for good.
  server.on("checkExpectation", handle);
  return server;
}
