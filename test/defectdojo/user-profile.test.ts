import { createServer } from "node:net";
import { DefectDojoUnavailableError, fetchCaller, NotAuthenticatedError } from "../../src/defectdojo/user-profile";
import { DojoPeer, startDojoPeer } from "../peers/dojo-peer";

const ADMIN_TOKEN = "0123456789abcdef0123456789abcdef01234567";

/** A fetch that answers every request with one body, for shapes the DefectDojo peer never sends. */
const answering = (status: number, body: string): typeof fetch => async () =>
  new Response(body, { status, headers: { "Content-Type": "application/json" } });

/** A port that was free a moment ago: connecting to it is refused. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe("fetchCaller", () => {
  let dojo: DojoPeer;

  beforeEach(async () => {
    dojo = await startDojoPeer();
    dojo.addUser({ id: 7, username: "admin", email: "admin@example.com", isSuperuser: true, token: ADMIN_TOKEN });
    dojo.addUser({ id: 12, username: "reader", token: "reader-token" });
  });
  afterEach(() => dojo.close());

  it("maps DefectDojo's user profile to a caller, sending the key as DRF expects", async () => {
    await expect(fetchCaller(dojo.url, ADMIN_TOKEN)).resolves.toEqual({
      id: 7,
      username: "admin",
      email: "admin@example.com",
      isSuperuser: true,
    });
    await expect(fetchCaller(dojo.url, "reader-token")).resolves.toEqual({ id: 12, username: "reader", email: "", isSuperuser: false });
    expect(dojo.requests[0]).toEqual({ authorization: `Token ${ADMIN_TOKEN}`, accept: "application/json" });
  });

  it("keeps a url_prefix path and tolerates a trailing slash in DOJO_URL", async () => {
    let requested = "";
    const recording: typeof fetch = async (input, init) => {
      requested = String(input);
      return fetch(`${dojo.url}/api/v2/user_profile/`, init);
    };
    await fetchCaller("https://dojo.example.com/defectdojo/", ADMIN_TOKEN, recording);
    expect(requested).toBe("https://dojo.example.com/defectdojo/api/v2/user_profile/");
  });

  it("treats an unknown key as not authenticated", async () => {
    await expect(fetchCaller(dojo.url, "nobody")).rejects.toBeInstanceOf(NotAuthenticatedError);
  });

  it("treats a 403 and an inactive user in the body as not authenticated", async () => {
    await expect(fetchCaller(dojo.url, "t", answering(403, '{"detail":"nope"}'))).rejects.toBeInstanceOf(NotAuthenticatedError);
    // DRF refuses inactive users itself (the peer answers 401); the body check guards anything in between.
    const inactive = JSON.stringify({ user: { id: 3, username: "gone", email: "", is_active: false, is_superuser: true } });
    await expect(fetchCaller(dojo.url, "t", answering(200, inactive))).rejects.toBeInstanceOf(NotAuthenticatedError);
    dojo.addUser({ id: 4, username: "left", isActive: false, token: "left-token" });
    await expect(fetchCaller(dojo.url, "left-token")).rejects.toBeInstanceOf(NotAuthenticatedError);
  });

  it("reports a 5xx, a refused connection, a timeout and a foreign body as DefectDojo unavailable", async () => {
    dojo.failWith(502);
    await expect(fetchCaller(dojo.url, ADMIN_TOKEN)).rejects.toThrow(new DefectDojoUnavailableError("DefectDojo user profile lookup failed: HTTP 502"));
    await expect(fetchCaller(await closedPortUrl(), ADMIN_TOKEN)).rejects.toBeInstanceOf(DefectDojoUnavailableError);
    const timingOut: typeof fetch = async () => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    };
    await expect(fetchCaller(dojo.url, ADMIN_TOKEN, timingOut)).rejects.toThrow(/no answer within \d+ ms/);
    await expect(fetchCaller(dojo.url, "t", answering(200, "<html>login</html>"))).rejects.toBeInstanceOf(DefectDojoUnavailableError);
    await expect(fetchCaller(dojo.url, "t", answering(200, '{"user":{"id":"7","username":"x"}}'))).rejects.toBeInstanceOf(
      DefectDojoUnavailableError,
    );
    // A wrong DOJO_URL path is the bridge's misconfiguration, not the caller's fault.
    await expect(fetchCaller(`${dojo.url}/wrong`, ADMIN_TOKEN)).rejects.toBeInstanceOf(DefectDojoUnavailableError);
  });

  it("never puts the key into an error message", async () => {
    dojo.failWith(500);
    const error = await fetchCaller(dojo.url, ADMIN_TOKEN).catch((e: Error) => e);
    expect(error).toBeInstanceOf(DefectDojoUnavailableError);
    expect(String((error as Error).message)).not.toContain(ADMIN_TOKEN);
  });
});

describe("fetchCaller against each version's user_profile/", () => {
  let dojo: DojoPeer;
  afterEach(() => dojo.close());

  // DefectDojo 2.58.2-changelog dojo/api_v2/serializers.py UserProfileSerializer (user without is_staff, plus
  // global_role, dojo_group_member, product_type_member, product_member); 3.2 (HEAD) dojo/user/api/serializer.py
  // UserProfileSerializer (user and user_contact_info only).
  it.each([["RBAC", "2.58"], ["LEGACY", "3.2"]] as const)("reads the caller from %s (%s)'s shape", async (model, _version) => {
    dojo = await startDojoPeer({ model });
    dojo.addUser({ id: 12, username: "reader", email: "reader@example.com", token: "reader-token" });
    dojo.addUserContactInfo({ userId: 12, slackEmail: "reader@slack.example" });
    await expect(fetchCaller(dojo.url, "reader-token")).resolves.toEqual({ id: 12, username: "reader", email: "reader@example.com", isSuperuser: false });
  });
});
