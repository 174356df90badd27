import { Server } from "node:http";
import { AddressInfo, connect } from "node:net";
import { createCallerAuth, LOOKUP_BURST } from "../../src/graphql/caller-auth";
import { createGraphqlHandler, GraphqlHandler } from "../../src/graphql/graphql-handler";
import { createHttpServer } from "../../src/http/http-server";
import { DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { rawRequest, RawResponse } from "../support/http-client";
import { quietLogger } from "../support/quiet-logger";
import { graphqlTestbed, relaySchema, Testbed } from "./graphql-testbed";

const ADMIN_TOKEN = "1111111111111111111111111111111111111111";
const READER_TOKEN = "2222222222222222222222222222222222222222";
const SLACK_TOKEN = "xoxb-9999-HTTPSECRET";
const MAX_BODY_BYTES = 4096;

describe("POST /graphql over HTTP", () => {
  let dojo: DojoPeer;
  let bed: Testbed;
  let graphql: GraphqlHandler;
  let server: Server;
  let url: string;

  beforeEach(async () => {
    dojo = await startDojoPeer();
    dojo.addUser({ id: 1, username: "admin", isSuperuser: true, token: ADMIN_TOKEN });
    dojo.addUser({ id: 2, username: "reader", token: READER_TOKEN });
    bed = await graphqlTestbed();
    const logger = quietLogger();
    const callerAuth = createCallerAuth({ dojoUrl: dojo.url });
    graphql = createGraphqlHandler({
      schema: await relaySchema(),
      services: bed.services,
      authenticate: callerAuth.authenticate,
      refusedAtOnce: callerAuth.refusedAtOnce,
      logger,
      maxBodyBytes: MAX_BODY_BYTES,
    });
    await graphql.start();
    server = createHttpServer({ "/graphql": { GET: graphql.handle, POST: graphql.handle } }, logger);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await graphql.stop();
    await bed.close();
    await dojo.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> =>
    rawRequest(url, { headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  const asAdmin = { Authorization: `Token ${ADMIN_TOKEN}` };
  const errorsOf = (response: RawResponse) =>
    (JSON.parse(response.body).errors ?? []) as Array<{ message: string; extensions?: { code?: string } }>;

  it("answers a request without a token with 401 UNAUTHENTICATED, introspection included", async () => {
    for (const query of ["{ systemSettings { slackChannel } }", "{ __schema { types { name } } }"]) {
      const response = await post({ query });
      expect(response.status).toBe(401);
      expect(errorsOf(response).map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
      expect(JSON.parse(response.body).data).toBeUndefined();
    }
    expect(dojo.profileCalls).toBe(0);
  });

  // Security review (issue 17): the body was read (up to the limit, as slowly as the caller sent it) before the token was looked at.
  it.each([
    ["no Authorization header", ""],
    ["a Bearer token", "Authorization: Bearer abc\r\n"],
    ["a key with a space", "Authorization: Token a b\r\n"],
  ])("answers %s with 401 before reading any body", async (_label, authorization) => {
    const socket = connect(Number(new URL(url).port), "127.0.0.1");
    const answer = new Promise<string>((resolve, reject) => {
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        if (text.includes("\r\n\r\n")) resolve(text);
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(text));
    });
    // Headers announcing 900 KB, then nothing: a bridge that waits for the body never answers.
    socket.write(`POST /graphql HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n${authorization}Content-Length: 900000\r\n\r\n{"query":`);
    try {
      const head = await answer;
      expect(head).toMatch(/^HTTP\/1\.1 401 /);
      expect(head).toMatch(/connection: close/i);
    } finally {
      socket.destroy();
    }
    expect(dojo.profileCalls).toBe(0);
  });

  it("answers 429 RATE_LIMITED with Retry-After once one address sprayed unknown keys, asking DefectDojo no more", async () => {
    for (let i = 0; i < LOOKUP_BURST; i++) expect((await post({ query: "{ slackAppManifest }" }, { Authorization: `Token sprayed-${i}` })).status).toBe(401);
    const limited = await post({ query: "{ slackAppManifest }" }, { Authorization: "Token sprayed-more" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(errorsOf(limited)[0].extensions?.code).toBe("RATE_LIMITED");
    expect(dojo.profileCalls).toBe(LOOKUP_BURST);
  });

  it("answers an unknown token with 401 UNAUTHENTICATED", async () => {
    const response = await post({ query: "{ slackAppManifest }" }, { Authorization: "Token 0000" });
    expect(response.status).toBe(401);
    expect(errorsOf(response)[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect(dojo.profileCalls).toBe(1);
  });

  it("serves a superuser, asking DefectDojo once for several requests", async () => {
    const update = await post(
      {
        query: "mutation ($input: SystemSettingsInput!) { updateSystemSettings(input: $input) { slackChannel slackTokenSet } }",
        variables: { input: { slackChannel: "#security", slackToken: SLACK_TOKEN } },
      },
      asAdmin,
    );
    expect(update.status).toBe(200);
    expect(update.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(update.body)).toEqual({ data: { updateSystemSettings: { slackChannel: "#security", slackTokenSet: true } } });

    const read = await post({ query: "{ systemSettings { slackChannel slackTokenSet enableSlackNotifications } }" }, asAdmin);
    expect(JSON.parse(read.body).data.systemSettings).toEqual({ slackChannel: "#security", slackTokenSet: true, enableSlackNotifications: false });
    for (const response of [update, read]) expect(response.body).not.toContain(SLACK_TOKEN);
    expect(dojo.profileCalls).toBe(1);
  });

  it("gives a plain user FORBIDDEN on system settings but serves what any user may read", async () => {
    const reader = { Authorization: `Token ${READER_TOKEN}` };
    const forbidden = await post({ query: "{ systemSettings { slackChannel } }" }, reader);
    expect(forbidden.status).toBe(200);
    expect(errorsOf(forbidden).map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect(JSON.parse(forbidden.body).data).toBeNull();

    const manifest = await post({ query: "{ slackAppManifest }" }, reader);
    expect(JSON.parse(JSON.parse(manifest.body).data.slackAppManifest).display_information.name).toBe("Dojo Relay");
  });

  it("refuses CSRF-able requests (a GET, a text/plain POST) before running them or asking DefectDojo", async () => {
    const mutation = `mutation { updateSystemSettings(input: { enableSlackNotifications: true }) { enableSlackNotifications } }`;
    const get = await rawRequest(`${url}?query=${encodeURIComponent(mutation)}`, { method: "GET", headers: asAdmin });
    expect(get.status).toBe(400);
    expect(get.body).toMatch(/CSRF/);

    const textPlain = await rawRequest(url, {
      headers: { ...asAdmin, "Content-Type": "text/plain" },
      body: JSON.stringify({ query: mutation }),
    });
    expect(textPlain.status).toBe(400);
    expect(textPlain.body).toMatch(/CSRF/);

    expect(dojo.profileCalls).toBe(0);
    expect((await bed.settings.systemSettings()).enableSlackNotifications).toBe(false);
  });

  it("answers 503 DEFECTDOJO_UNAVAILABLE when DefectDojo fails", async () => {
    dojo.failWith(502);
    const response = await post({ query: "{ slackAppManifest }" }, asAdmin);
    expect(response.status).toBe(503);
    expect(errorsOf(response)[0].extensions?.code).toBe("DEFECTDOJO_UNAVAILABLE");
  });

  it("answers 413 for a body over the limit, declared or streamed", async () => {
    const big = JSON.stringify({ query: `{ slackAppManifest } # ${"x".repeat(MAX_BODY_BYTES)}` });
    const declared = await rawRequest(url, { headers: { ...asAdmin, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(big) }, body: big });
    expect(declared.status).toBe(413);
    expect(errorsOf(declared)[0].extensions?.code).toBe("PAYLOAD_TOO_LARGE");

    const half = Buffer.from(big).subarray(0, MAX_BODY_BYTES / 2);
    const streamed = await rawRequest(url, {
      headers: { ...asAdmin, "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
      chunks: [half, half, half],
    });
    expect(streamed.status).toBe(413);
    expect(dojo.profileCalls).toBe(0);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await rawRequest(url, { headers: { ...asAdmin, "Content-Type": "application/json" }, body: "{ query" });
    expect(response.status).toBe(400);
    expect(errorsOf(response)[0].extensions?.code).toBe("BAD_REQUEST");
  });

  it("hides the details of an unexpected failure", async () => {
    await bed.close(); // the database is gone: every resolver that reads it fails
    const response = await post({ query: "{ systemSettings { slackChannel } }" }, asAdmin);
    expect(errorsOf(response)).toEqual([expect.objectContaining({ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } })]);
    bed = await graphqlTestbed(); // for afterEach
  });
});
