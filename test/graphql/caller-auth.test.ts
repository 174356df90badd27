import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { GraphQLError } from "graphql";
import {
  CALLER_CACHE_TTL_MS,
  createCallerAuth,
  FAILED_LOOKUP_TTL_MS,
  LOOKUP_BURST,
  LOOKUP_REFILL_MS,
} from "../../src/graphql/caller-auth";
import { DojoPeer, startDojoPeer } from "../peers/dojo-peer";

const ADMIN_TOKEN = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
const READER_TOKEN = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";

/** The GraphQL error `promise` rejects with (fails the test if it resolves or throws something else). */
async function graphqlError(promise: Promise<unknown>): Promise<GraphQLError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return error as GraphQLError;
}

describe("createCallerAuth", () => {
  let dojo: DojoPeer;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    clock = 1_000_000;
    dojo = await startDojoPeer();
    dojo.addUser({ id: 1, username: "admin", email: "admin@example.com", isSuperuser: true, token: ADMIN_TOKEN });
    dojo.addUser({ id: 2, username: "reader", token: READER_TOKEN });
  });
  afterEach(() => dojo.close());

  it("resolves `Token <key>` to the caller and asks DefectDojo once within the TTL", async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    const first = await auth.authenticate(`Token ${ADMIN_TOKEN}`);
    expect(first).toEqual({ id: 1, username: "admin", email: "admin@example.com", isSuperuser: true });
    clock += CALLER_CACHE_TTL_MS - 1;
    await expect(auth.authenticate(`Token ${ADMIN_TOKEN}`)).resolves.toEqual(first);
    expect(dojo.profileCalls).toBe(1);

    // Past the TTL DefectDojo is asked again, so a demotion there takes effect here.
    dojo.addUser({ id: 1, username: "admin", isSuperuser: false, token: ADMIN_TOKEN });
    clock += 2;
    await expect(auth.authenticate(`Token ${ADMIN_TOKEN}`)).resolves.toMatchObject({ isSuperuser: false });
    expect(dojo.profileCalls).toBe(2);
  });

  it("keeps only a SHA-256 of the key, never the key itself", async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    await auth.authenticate(`Token ${ADMIN_TOKEN}`);
    const cached = auth.cached();
    expect(cached.map((entry) => entry.keyHash)).toEqual([createHash("sha256").update(ADMIN_TOKEN).digest("hex")]);
    expect(JSON.stringify(cached)).not.toContain(ADMIN_TOKEN);
  });

  it("shares one lookup between concurrent requests with the same key", async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    const callers = await Promise.all([1, 2, 3].map(() => auth.authenticate(`Token ${READER_TOKEN}`)));
    expect(callers.map((caller) => caller.id)).toEqual([2, 2, 2]);
    expect(dojo.profileCalls).toBe(1);
  });

  it("evicts the oldest entry beyond the size bound", async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now, maxEntries: 2 });
    dojo.addUser({ id: 3, username: "third", token: "third-token" });
    await auth.authenticate(`Token ${ADMIN_TOKEN}`);
    await auth.authenticate(`Token ${READER_TOKEN}`);
    await auth.authenticate("Token third-token");
    expect(auth.cached().map((entry) => entry.caller.id)).toEqual([2, 3]);
    await auth.authenticate(`Token ${ADMIN_TOKEN}`);
    expect(dojo.profileCalls).toBe(4);
  });

  // Security review (issue 17): an unknown key cost a DefectDojo lookup on every request.
  it("answers an unknown key with UNAUTHENTICATED (HTTP 401) and keeps the refusal briefly", async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    const error = await graphqlError(auth.authenticate("Token not-a-known-key"));
    expect(error.extensions).toEqual({ code: "UNAUTHENTICATED", http: { status: 401 } });
    expect(error.message).not.toContain("not-a-known-key");

    // Asked again within FAILED_LOOKUP_TTL_MS: refused without asking DefectDojo.
    dojo.addUser({ id: 9, username: "late", token: "not-a-known-key" });
    clock += FAILED_LOOKUP_TTL_MS - 1;
    expect((await graphqlError(auth.authenticate("Token not-a-known-key"))).extensions.code).toBe("UNAUTHENTICATED");
    expect(dojo.profileCalls).toBe(1);

    // Then the key created in DefectDojo meanwhile works.
    clock += 1;
    await expect(auth.authenticate("Token not-a-known-key")).resolves.toMatchObject({ id: 9 });
    expect(dojo.profileCalls).toBe(2);
    expect(auth.cached()).toHaveLength(1);
  });

  it(`lets one client address cause ${LOOKUP_BURST} lookups of unknown keys, then one per ${LOOKUP_REFILL_MS / 1000} s (HTTP 429)`, async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    for (let i = 0; i < LOOKUP_BURST; i++) await graphqlError(auth.authenticate(`Token sprayed-${i}`, "203.0.113.7"));
    expect(dojo.profileCalls).toBe(LOOKUP_BURST);

    const limited = await graphqlError(auth.authenticate("Token sprayed-next", "203.0.113.7"));
    expect(limited.extensions).toMatchObject({ code: "RATE_LIMITED", http: { status: 429 } });
    expect(dojo.profileCalls).toBe(LOOKUP_BURST);
    // Another address is not held up, and a key already known is served from the cache.
    await expect(auth.authenticate(`Token ${ADMIN_TOKEN}`, "198.51.100.9")).resolves.toMatchObject({ id: 1 });
    await expect(auth.authenticate(`Token ${ADMIN_TOKEN}`, "203.0.113.7")).resolves.toMatchObject({ id: 1 });

    clock += LOOKUP_REFILL_MS;
    await graphqlError(auth.authenticate("Token sprayed-next", "203.0.113.7"));
    expect(dojo.profileCalls).toBe(LOOKUP_BURST + 2);
    expect((await graphqlError(auth.authenticate("Token sprayed-last", "203.0.113.7"))).extensions.code).toBe("RATE_LIMITED");
  });

  it("never limits lookups that find a user, however many come from one address (a proxy)", async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    for (let i = 0; i < 3 * LOOKUP_BURST; i++) {
      clock += CALLER_CACHE_TTL_MS; // each one a fresh lookup
      await expect(auth.authenticate(`Token ${i % 2 ? ADMIN_TOKEN : READER_TOKEN}`, "10.0.0.1")).resolves.toBeDefined();
    }
    expect(dojo.profileCalls).toBe(3 * LOOKUP_BURST);
  });

  it.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["a bearer token", "Bearer abc"],
    ["the keyword alone", "Token"],
    ["a key with a space", "Token a b"],
    ["basic auth", "Basic YWRtaW46cGFzcw=="],
    ["an overlong key", `Token ${"x".repeat(300)}`],
  ])("refuses %s without asking DefectDojo", async (_label, header) => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    const error = await graphqlError(auth.authenticate(header));
    expect(error.extensions.code).toBe("UNAUTHENTICATED");
    expect(dojo.profileCalls).toBe(0);
  });

  it("accepts the keyword in any case, as DRF does", async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    await expect(auth.authenticate(`token ${READER_TOKEN}`)).resolves.toMatchObject({ id: 2 });
  });

  it("says so when DOJO_URL is not configured", async () => {
    const auth = createCallerAuth({ dojoUrl: null, now });
    const error = await graphqlError(auth.authenticate(`Token ${ADMIN_TOKEN}`));
    expect(error.extensions).toEqual({ code: "UNAUTHENTICATED", http: { status: 401 } });
    expect(error.message).toContain("DOJO_URL");
  });

  it("answers DEFECTDOJO_UNAVAILABLE (HTTP 503) when DefectDojo fails or cannot be reached", async () => {
    const auth = createCallerAuth({ dojoUrl: dojo.url, now });
    dojo.failWith(500);
    const failed = await graphqlError(auth.authenticate(`Token ${ADMIN_TOKEN}`));
    expect(failed.extensions).toEqual({ code: "DEFECTDOJO_UNAVAILABLE", http: { status: 503 } });
    expect(auth.cached()).toHaveLength(0);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = createCallerAuth({ dojoUrl: `http://127.0.0.1:${port}`, now });
    const error = await graphqlError(unreachable.authenticate(`Token ${ADMIN_TOKEN}`));
    expect(error.extensions.code).toBe("DEFECTDOJO_UNAVAILABLE");
    expect(error.message).not.toContain(ADMIN_TOKEN);
  });
});
