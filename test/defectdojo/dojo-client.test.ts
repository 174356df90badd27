import { createServer, Server } from "node:http";
import { z } from "zod";
import { createDojoClient, DOJO_PAGE_SIZE, DojoApiError } from "../../src/defectdojo/dojo-client";
import { closeServer, listenOnLoopback } from "../peers/http-peer";
import { startDojoPeer } from "../peers/dojo-peer";

const KEY = "service-key-must-stay-secret";
const user = z.object({ id: z.number(), username: z.string() });

/** A server answering from a script of [status, body, headers] and recording what it was asked. */
async function scripted(answers: Array<[number, unknown, Record<string, string>?]>) {
  const seen: Array<{ url: string; authorization?: string; at: number }> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", authorization: req.headers.authorization, at: Date.now() });
    const [status, body, headers] = answers.shift() ?? [500, {}];
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  const port = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, seen, close: () => closeServer(server) };
}

async function failureOf(work: Promise<unknown>): Promise<DojoApiError> {
  const error = await work.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof DojoApiError)) throw new Error(`expected a DojoApiError, got ${String(error)}`);
  return error;
}

describe("DojoClient", () => {
  it("walks every page of a list with the service key", async () => {
    const peer = await startDojoPeer();
    try {
      for (let id = 1; id <= 600; id++) peer.addUser({ id, username: `u${id}` });
      const client = createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken });
      const rows = await client.list("users/", { is_active: "true" }, user);
      expect(rows.map((row) => row.id)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
      expect(peer.apiCalls).toHaveLength(Math.ceil(600 / DOJO_PAGE_SIZE));
    } finally {
      await peer.close();
    }
  });

  it("retries a 503 and a 429 (after its Retry-After), then answers", async () => {
    const server = await scripted([[503, {}], [429, {}, { "Retry-After": "1" }], [200, { id: 1, username: "a" }]]);
    try {
      const client = createDojoClient({ baseUrl: server.url, apiKey: KEY, retryBaseMs: 10 });
      expect(await client.get("users/1/", {}, user)).toEqual({ id: 1, username: "a" });
      expect(server.seen).toHaveLength(3);
      expect(server.seen[2].at - server.seen[1].at).toBeGreaterThanOrEqual(1000);
      expect(server.seen[0].authorization).toBe(`Token ${KEY}`);
    } finally {
      await server.close();
    }
  });

  it("gives up as unavailable after its retries, and does not retry a 401", async () => {
    const down = await scripted([[502, {}], [502, {}], [502, {}]]);
    const refused = await scripted([[401, { detail: "Invalid token." }]]);
    try {
      const unavailable = await failureOf(createDojoClient({ baseUrl: down.url, apiKey: KEY, retryBaseMs: 5 }).get("users/", {}, user));
      expect(unavailable).toMatchObject({ kind: "unavailable", retryable: true });
      expect(down.seen).toHaveLength(3);
      const unauthorized = await failureOf(createDojoClient({ baseUrl: refused.url, apiKey: KEY }).get("users/", {}, user));
      expect(unauthorized).toMatchObject({ kind: "unauthorized", retryable: false });
      expect(refused.seen).toHaveLength(1);
      for (const error of [unavailable, unauthorized]) expect(error.message).not.toContain(KEY);
    } finally {
      await down.close();
      await refused.close();
    }
  });

  it("refuses an answer of the wrong shape, and times out a silent server", async () => {
    const wrong = await scripted([[200, { id: "one" }], [200, "<html>"]]);
    try {
      const client = createDojoClient({ baseUrl: wrong.url, apiKey: KEY });
      expect(await failureOf(client.get("users/1/", {}, user))).toMatchObject({ kind: "bad_response" });
      expect(await failureOf(client.get("users/1/", {}, user))).toMatchObject({ kind: "bad_response" });
    } finally {
      await wrong.close();
    }
    const silent = createServer(() => undefined);
    const port = await listenOnLoopback(silent);
    try {
      const client = createDojoClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY, timeoutMs: 100, retries: 0 });
      expect(await failureOf(client.get("users/1/", {}, user))).toMatchObject({ kind: "unavailable" });
    } finally {
      await closeServer(silent);
    }
  });
});
