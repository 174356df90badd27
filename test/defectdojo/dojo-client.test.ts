import { createServer, Server } from "node:http";
import { z } from "zod";
import { createDojoClient, DOJO_PAGE_SIZE, DojoApiError } from "../../src/defectdojo/dojo-client";
import { closeServer, listenOnLoopback, readRequestBody } from "../peers/http-peer";
import { startDojoPeer } from "../peers/dojo-peer";

const KEY = "service-key-must-stay-secret";
const user = z.object({ id: z.number(), username: z.string() });

type Answer = [status: number, body: unknown, headers?: Record<string, string>];

/** A server answering from a script of [status, body, headers] and recording what it was asked. */
async function scripted(answers: Answer[]) {
  const seen: Array<{ url: string; authorization?: string; at: number; method?: string; contentType?: string; body: string }> = [];
  const server: Server = createServer(async (req, res) => {
    const at = Date.now();
    const sent = await readRequestBody(req);
    seen.push({ url: req.url ?? "", authorization: req.headers.authorization, at, method: req.method, contentType: req.headers["content-type"], body: sent });
    const [status, body, headers] = answers.shift() ?? [500, {}];
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  const port = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, seen, close: () => closeServer(server) };
}

async function failureOf(work: Promise<unknown>): Promise<DojoApiError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof DojoApiError)) throw new Error(`expected a DojoApiError, got ${String(error)}`);
  return error;
}

/** Everything an error could be logged as. */
const everythingSaidBy = (error: Error) => [error.message, error.stack ?? "", String(error), JSON.stringify(error), String((error as { cause?: unknown }).cause ?? "")].join("\n");

describe("DojoClient", () => {
  it("walks every page of a list with the service key, DOJO_PAGE_SIZE rows a request", async () => {
    const peer = await startDojoPeer();
    try {
      for (let id = 1; id <= 600; id++) peer.addUser({ id, username: `u${id}`, isActive: id !== 7 });
      const client = createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken });
      const rows = await client.list("users/", { is_active: "true" }, user);
      expect(rows.map((row) => row.id)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1).filter((id) => id !== 7));
      expect(peer.apiRequests.map((request) => request.query)).toEqual([0, 250, 500].map((offset) => ({ is_active: "true", limit: String(DOJO_PAGE_SIZE), offset: String(offset) })));
    } finally {
      await peer.close();
    }
  });

  it("follows pages until `next` is null, stepping by the rows received when the server caps the page size", async () => {
    const next = "http://dojo.internal/api/v2/users/?limit=2";
    const server = await scripted([
      [200, { count: 5, next, previous: null, results: [{ id: 1, username: "a" }, { id: 2, username: "b" }] }],
      [200, { count: 5, next, previous: next, results: [{ id: 3, username: "c" }, { id: 4, username: "d" }] }],
      [200, { count: 5, next: null, previous: next, results: [{ id: 5, username: "e" }] }],
    ]);
    try {
      const rows = await createDojoClient({ baseUrl: server.url, apiKey: KEY }).list("users/", {}, user);
      expect(rows.map((row) => row.id)).toEqual([1, 2, 3, 4, 5]);
      expect(server.seen.map((request) => new URL(request.url, server.url).searchParams.get("offset"))).toEqual(["0", "2", "4"]);
    } finally {
      await server.close();
    }
  });

  it("refuses a list that never ends: an empty page with a next one", async () => {
    const server = await scripted([[200, { count: 9, next: "http://x/?offset=0", previous: null, results: [] }]]);
    try {
      const error = await failureOf(createDojoClient({ baseUrl: server.url, apiKey: KEY }).list("users/", {}, user));
      expect(error).toMatchObject({ kind: "bad_response", retryable: false });
      expect(server.seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("retries a 503 and a 429 (after its Retry-After), then answers", async () => {
    const server = await scripted([[503, {}], [429, {}, { "Retry-After": "1" }], [200, { id: 1, username: "a" }]]);
    try {
      const client = createDojoClient({ baseUrl: server.url, apiKey: KEY, retryBaseMs: 10 });
      expect(await client.get("users/1/", {}, user)).toEqual({ id: 1, username: "a" });
      expect(server.seen).toHaveLength(3);
      expect(server.seen[2].at - server.seen[1].at).toBeGreaterThanOrEqual(1000);
      expect(server.seen.map((request) => request.authorization)).toEqual(Array(3).fill(`Token ${KEY}`));
    } finally {
      await server.close();
    }
  });

  it("does not wait out a Retry-After beyond its cap: the caller is told DefectDojo is unavailable at once", async () => {
    const server = await scripted([[429, {}, { "Retry-After": "3600" }], [200, { id: 1, username: "a" }]]);
    try {
      const started = Date.now();
      const error = await failureOf(createDojoClient({ baseUrl: server.url, apiKey: KEY }).get("users/1/", {}, user));
      expect(error).toMatchObject({ kind: "unavailable", retryable: true });
      expect(server.seen).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await server.close();
    }
  });

  it("gives up as unavailable after its retries, and retries no 401, 403 or 404", async () => {
    const down = await scripted([[502, {}], [502, {}], [502, {}], [200, { id: 1, username: "late" }]]);
    try {
      const unavailable = await failureOf(createDojoClient({ baseUrl: down.url, apiKey: KEY, retryBaseMs: 5 }).get("users/1/", {}, user));
      expect(unavailable).toMatchObject({ kind: "unavailable", retryable: true });
      expect(down.seen).toHaveLength(3);
    } finally {
      await down.close();
    }
    for (const [status, kind] of [
      [401, "unauthorized"],
      [403, "forbidden"],
      [404, "not_found"],
      [400, "bad_response"],
    ] as const) {
      const server = await scripted([[status, { detail: "no" }], [200, { id: 1, username: "a" }]]);
      try {
        const error = await failureOf(createDojoClient({ baseUrl: server.url, apiKey: KEY, retryBaseMs: 5 }).get("users/1/", {}, user));
        expect(error).toMatchObject({ kind, retryable: false });
        expect(server.seen).toHaveLength(1);
      } finally {
        await server.close();
      }
    }
  });

  it("retries a refused connection, then reports DefectDojo unavailable", async () => {
    const gone = await scripted([]);
    await gone.close();
    const error = await failureOf(createDojoClient({ baseUrl: gone.url, apiKey: KEY, retryBaseMs: 5 }).get("users/1/", {}, user));
    expect(error).toMatchObject({ kind: "unavailable", retryable: true });
    expect(error.message).toContain("unreachable");
  });

  it("refuses an answer of the wrong shape or not JSON, and drops keys the schema does not name", async () => {
    const server = await scripted([[200, { id: "one" }], [200, "<html>login</html>"], [200, { id: 1, username: "a", is_superuser: true, password: "x" }]]);
    try {
      const client = createDojoClient({ baseUrl: server.url, apiKey: KEY });
      const wrongShape = await failureOf(client.get("users/1/", {}, user));
      expect(wrongShape).toMatchObject({ kind: "bad_response", retryable: false });
      expect(wrongShape.message).toContain("id");
      expect(await failureOf(client.get("users/1/", {}, user))).toMatchObject({ kind: "bad_response" });
      expect(await client.get("users/1/", {}, user)).toStrictEqual({ id: 1, username: "a" });
    } finally {
      await server.close();
    }
  });

  it("times out a silent server and reports it unavailable", async () => {
    const silent = createServer(() => undefined);
    const port = await listenOnLoopback(silent);
    try {
      const client = createDojoClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY, timeoutMs: 100, retries: 1, retryBaseMs: 5 });
      const started = Date.now();
      const error = await failureOf(client.get("users/1/", {}, user));
      expect(error).toMatchObject({ kind: "unavailable", retryable: true });
      expect(error.message).toContain("100 ms");
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await closeServer(silent);
    }
  });

  it("follows no redirect, so the key never leaves DOJO_URL", async () => {
    const elsewhere = await scripted([[200, { id: 1, username: "a" }]]);
    const redirecting = await scripted([[302, {}, { Location: `${elsewhere.url}/api/v2/users/1/` }]]);
    try {
      const error = await failureOf(createDojoClient({ baseUrl: redirecting.url, apiKey: KEY }).get("users/1/", {}, user));
      expect(error).toMatchObject({ kind: "bad_response", retryable: false });
      expect(error.message).toContain(elsewhere.url);
      expect(elsewhere.seen).toHaveLength(0);
    } finally {
      await elsewhere.close();
      await redirecting.close();
    }
  });

  it("keeps DefectDojo's url_prefix from DOJO_URL", async () => {
    const server = await scripted([[200, { id: 1, username: "a" }]]);
    try {
      await createDojoClient({ baseUrl: `${server.url}/defectdojo/`, apiKey: KEY }).get("users/1/", { x: 1 }, user);
      expect(server.seen[0].url).toBe("/defectdojo/api/v2/users/1/?x=1");
    } finally {
      await server.close();
    }
  });

  it("never puts the key in an error, whatever went wrong", async () => {
    const server = await scripted([
      [401, { detail: `Invalid token ${KEY}` }],
      [403, {}],
      [404, {}],
      [503, {}],
      [200, { id: KEY }],
      [200, `not json ${KEY}`],
      [301, {}, { Location: `https://dojo.example/api/v2/users/1/?key=${KEY}` }],
    ]);
    const silent = createServer(() => undefined);
    const silentPort = await listenOnLoopback(silent);
    try {
      const client = createDojoClient({ baseUrl: server.url, apiKey: KEY, retries: 0 });
      const errors = [];
      for (let i = 0; i < 7; i++) errors.push(await failureOf(client.get("users/1/", {}, user)));
      errors.push(await failureOf(createDojoClient({ baseUrl: `http://127.0.0.1:${silentPort}`, apiKey: KEY, retries: 0, timeoutMs: 50 }).get("users/1/", {}, user)));
      expect(errors.map((error) => error.kind)).toEqual(["unauthorized", "forbidden", "not_found", "unavailable", "bad_response", "bad_response", "bad_response", "unavailable"]);
      for (const error of errors) expect(everythingSaidBy(error)).not.toContain(KEY);
    } finally {
      await server.close();
      await closeServer(silent);
    }
  });

  it("redacts the key from whatever a failing fetch says", async () => {
    const leaky: typeof fetch = async () => {
      throw new TypeError(`Headers.append: "Token ${KEY}" is an invalid header value.`);
    };
    const error = await failureOf(createDojoClient({ baseUrl: "http://dojo.invalid", apiKey: KEY, fetch: leaky, retries: 0 }).get("users/1/", {}, user));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain("<secret>");
    expect(everythingSaidBy(error)).not.toContain(KEY);
  });

  it("refuses a key that cannot be sent as a header without sending it, and without quoting it", async () => {
    const server = await scripted([[200, { id: 1, username: "a" }]]);
    try {
      const malformed = `${KEY}\r\nX-Injected: 1`;
      const error = await failureOf(createDojoClient({ baseUrl: server.url, apiKey: malformed }).get("users/1/", {}, user));
      expect(error).toMatchObject({ kind: "unauthorized", retryable: false });
      expect(everythingSaidBy(error)).not.toContain(KEY);
      expect(server.seen).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

describe("DojoClient writes", () => {
  const row = z.object({ id: z.number(), name: z.string() });

  it("PATCHes and POSTs JSON with the service key, and validates the answer", async () => {
    const server = await scripted([[200, { id: 3, name: "patched", extra: 1 }], [201, { id: 4, name: "made" }]]);
    try {
      const client = createDojoClient({ baseUrl: `${server.url}/prefix`, apiKey: KEY });
      expect(await client.patch("things/3/", { name: "patched" }, row)).toStrictEqual({ id: 3, name: "patched" });
      expect(await client.post("things/", { name: "made", owner: null }, row)).toEqual({ id: 4, name: "made" });
      expect(server.seen.map(({ method, url, authorization, contentType, body }) => ({ method, url, authorization, contentType, body }))).toEqual([
        { method: "PATCH", url: "/prefix/api/v2/things/3/", authorization: `Token ${KEY}`, contentType: "application/json", body: '{"name":"patched"}' },
        { method: "POST", url: "/prefix/api/v2/things/", authorization: `Token ${KEY}`, contentType: "application/json", body: '{"name":"made","owner":null}' },
      ]);
    } finally {
      await server.close();
    }
  });

  it("retries a PATCH like a GET, but makes a POST once: a lost answer may hide a create", async () => {
    const server = await scripted([[503, {}], [200, { id: 3, name: "x" }], [503, {}], [201, { id: 4, name: "twice?" }]]);
    try {
      const client = createDojoClient({ baseUrl: server.url, apiKey: KEY, retryBaseMs: 5 });
      expect(await client.patch("things/3/", { name: "x" }, row)).toEqual({ id: 3, name: "x" });
      const error = await failureOf(client.post("things/", { name: "y" }, row));
      expect(error).toMatchObject({ kind: "unavailable", retryable: true });
      expect(error.message).toBe("POST /api/v2/things/: DefectDojo HTTP 503");
      expect(server.seen.map((request) => request.method)).toEqual(["PATCH", "PATCH", "POST"]);
    } finally {
      await server.close();
    }
  });

  it("reports DefectDojo's 400 as rejected, naming the fields and not their texts", async () => {
    const server = await scripted([
      [400, { name: ["notification_ webhooks with this name already exists."], url: ["Enter a valid URL."], message: "{'name': [ErrorDetail(string='Token sekrit')]}" }],
      [400, "<html>bad request</html>"],
    ]);
    try {
      const client = createDojoClient({ baseUrl: server.url, apiKey: KEY });
      const error = await failureOf(client.post("notification_webhooks/", { name: "n", header_value: "Token sekrit" }, row));
      expect(error).toMatchObject({ kind: "rejected", retryable: false, fields: ["name", "url"] });
      expect(error.message).toBe("POST /api/v2/notification_webhooks/: DefectDojo refused the change (HTTP 400) over name, url");
      expect(everythingSaidBy(error)).not.toContain("sekrit");
      const unexplained = await failureOf(client.patch("things/1/", {}, row));
      expect(unexplained).toMatchObject({ kind: "rejected", fields: [] });
      expect(server.seen).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it("follows no redirect with a write either: neither key nor body leaves DOJO_URL", async () => {
    const elsewhere = await scripted([[200, { id: 1, name: "a" }]]);
    const redirecting = await scripted([[307, {}, { Location: `${elsewhere.url}/api/v2/things/1/` }]]);
    try {
      const error = await failureOf(createDojoClient({ baseUrl: redirecting.url, apiKey: KEY }).patch("things/1/", { header_value: "s" }, row));
      expect(error).toMatchObject({ kind: "bad_response", retryable: false });
      expect(error.message).toMatch(/^PATCH \/api\/v2\/things\/1\/: redirected \(HTTP 307\)/);
      expect(elsewhere.seen).toHaveLength(0);
    } finally {
      await elsewhere.close();
      await redirecting.close();
    }
  });
});
