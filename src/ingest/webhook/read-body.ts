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
    const declared = Number(req.headers["content-length"]);
    // A declared size is filled in place: no chunks to join, so the body is in memory once, not twice.
    // (Node's parser hands over exactly Content-Length bytes, or ends the request as aborted.)
    let body: Buffer | null = Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes ? Buffer.allocUnsafe(declared) : null;
    let chunks: Buffer[] | null = body ? null : [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      if (body) chunk.copy(body, received);
      received += chunk.length;
      if (received > maxBytes) body = chunks = null;
      else chunks?.push(chunk);
    };
    const onEnd = () => {
      if (body) return settle({ ok: true, body: body.subarray(0, received) });
      settle(chunks ? { ok: true, body: Buffer.concat(chunks, received) } : { ok: false, reason: "too_large", sizeBytes: received });
    };
    const onAbort = () => settle({ ok: false, reason: "aborted" });
    // A kept-alive connection keeps its request, and with it these listeners, until the socket
    // closes: they are removed once settled, lest they hold the body (and the chunks) that long.
    const settle = (result: BodyResult) => {
      body = chunks = null;
      req.off("data", onData).off("end", onEnd).off("aborted", onAbort).off("error", onAbort);
      req.on("error", ignoreError);
      resolve(result);
    };
    req.on("data", onData).on("end", onEnd).on("aborted", onAbort).on("error", onAbort);
  });
}

/** Kept on a read request: an 'error' without a listener would crash the process. */
function ignoreError(): void {}
