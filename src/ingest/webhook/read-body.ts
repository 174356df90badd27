import { IncomingMessage } from "node:http";

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: "too_large" | "aborted" };

/**
 * Reads a request body of at most `maxBytes`. Past the limit it stops keeping chunks but goes on
 * draining the request, so the 413 answer reaches a client that sends its whole body before reading
 * the response (as DefectDojo's python-requests does) instead of a connection reset.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (result: BodyResult) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        chunks.length = 0;
        settle({ ok: false, reason: "too_large" });
      } else if (!settled) {
        chunks.push(chunk);
      }
    });
    req.on("end", () => settle({ ok: true, body: Buffer.concat(chunks) }));
    req.on("aborted", () => settle({ ok: false, reason: "aborted" }));
    req.on("error", () => settle({ ok: false, reason: "aborted" }));
  });
}
