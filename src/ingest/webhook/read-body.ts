import { IncomingMessage } from "node:http";

export type BodyResult =
  | { ok: true; body: Buffer }
  /** Larger than allowed: read to its end, none of it kept; `sizeBytes` is what arrived. */
  | { ok: false; reason: "too_large"; sizeBytes: number }
  | { ok: false; reason: "aborted" };

/**
 * Reads a request body to its end, keeping it only while it is at most `maxBytes`. Past the limit
 * it drops what it had and goes on counting without keeping a byte, so memory stays bounded and
 * the answer reaches a client that sends its whole body before reading the response (as
 * DefectDojo's python-requests does): answering mid-upload would reach it as a connection error,
 * which disables the endpoint for good. A slow drip is ended by the server's requestTimeout.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    let chunks: Buffer[] | null = [];
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
      if (received > maxBytes) chunks = null;
      else chunks?.push(chunk);
    });
    req.on("end", () =>
      settle(chunks ? { ok: true, body: Buffer.concat(chunks) } : { ok: false, reason: "too_large", sizeBytes: received }),
    );
    req.on("aborted", () => settle({ ok: false, reason: "aborted" }));
    req.on("error", () => settle({ ok: false, reason: "aborted" }));
  });
}
