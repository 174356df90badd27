import { createDefectDojoAccess, DefectDojoAccess } from "../../src/defectdojo/connection";
import { createDojoDirectory } from "../../src/defectdojo/directory";
import { createDojoClient } from "../../src/defectdojo/dojo-client";
import { createLogger } from "../../src/logging/logger";
import { DojoAuthorizationModel, DojoPeer, startDojoPeer } from "../peers/dojo-peer";

const HEADER_VALUE = "Token relay-webhook-secret-4242";

let peer: DojoPeer;
let logs: Array<Record<string, unknown>>;
let clock: number;

function access(): DefectDojoAccess {
  const client = createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retryBaseMs: 5 });
  logs = [];
  return createDefectDojoAccess({
    client,
    probe: createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retries: 0, timeoutMs: 1000 }),
    directory: createDojoDirectory(client),
    logger: createLogger("debug", { write: (line: string) => void logs.push(JSON.parse(line)) } as never),
    webhookHeaderName: "Authorization",
    webhookHeaderValue: HEADER_VALUE,
    now: () => clock,
  });
}

beforeEach(() => {
  clock = 1_000_000;
});

describe.each([
  ["RBAC", "2.58.4"],
  ["LEGACY", "3.2.0"],
] as const)("connection() to DefectDojo %s", (model: DojoAuthorizationModel, version) => {
  beforeEach(async () => {
    peer = await startDojoPeer({ model });
  });
  afterEach(() => peer.close());

  it("says DefectDojo is reachable, its version and model, and the bridge's webhook status there", async () => {
    const dojo = access();
    expect(await dojo.connection()).toEqual({
      reachable: true,
      version,
      authorizationModel: model,
      webhookStatus: null,
      webhookNote: null,
      problem: null,
      // No database of windows given: nothing healed, nothing skipped.
      lastHealedAt: null,
      skippedWindow: null,
      skippedWindows: [],
    });
    // Someone's personal endpoint is not the bridge's; the one named Dojo Relay is.
    peer.addUser({ id: 2, username: "alice" });
    peer.addWebhookEndpoint({ name: "alice's", url: "https://alice.example.com/webhooks/defectdojo", owner: 2 });
    const id = peer.addWebhookEndpoint({ name: "Dojo Relay", url: "https://relay.example.com/webhooks/defectdojo" });
    peer.setWebhookStatus(id, "inactive_tmp", `Requests exception: Invalid header value 'Authorization: ${HEADER_VALUE}'`);
    expect(await dojo.connection()).toMatchObject({
      reachable: true,
      webhookStatus: "inactive_tmp",
      webhookNote: "Requests exception: Invalid header value 'Authorization: <secret>'",
    });
  });

  it("is still reachable without a version when DefectDojo's schema cannot be read", async () => {
    peer.failApiWith(500, "oa3");
    expect(await access().connection()).toMatchObject({ reachable: true, version: null, authorizationModel: model });
  });
});

describe("connection() to a DefectDojo that is not there", () => {
  beforeEach(async () => {
    peer = await startDojoPeer();
  });

  it.each([
    ["stopped", async () => peer.close(), /^GET \/api\/v2\/notification_webhooks\/: DefectDojo unreachable/],
    ["failing", async () => peer.failApiWith(503), /^GET \/api\/v2\/notification_webhooks\/: DefectDojo HTTP 503$/],
    ["refusing the key", async () => peer.removeToken(peer.serviceToken), /refused DOJO_API_KEY \(401\)$/],
  ])("says why when DefectDojo is %s, without the key", async (_case, breakIt, problem) => {
    await breakIt();
    const connection = await access().connection();
    expect(connection).toEqual({
      reachable: false,
      version: null,
      authorizationModel: null,
      webhookStatus: null,
      webhookNote: null,
      problem: expect.stringMatching(problem),
      lastHealedAt: null,
      skippedWindow: null,
      skippedWindows: [],
    });
    expect(JSON.stringify(connection)).not.toContain(peer.serviceToken);
    await peer.close().catch(() => undefined);
  });
});

describe("the webhook status monitor", () => {
  beforeEach(async () => {
    peer = await startDojoPeer();
  });
  afterEach(() => peer.close());

  it("reuses a reading for 10 s, and warns once each time the endpoint turns inactive", async () => {
    const dojo = access();
    const id = peer.addWebhookEndpoint({ name: "Dojo Relay", url: "https://relay.example.com/webhooks/defectdojo", headerValue: HEADER_VALUE });
    const calls = () => peer.callsTo("notification_webhooks");
    const where = { url: "https://relay.example.com/webhooks/defectdojo", name: "Dojo Relay" };
    expect(await dojo.webhookStatus.current()).toEqual({ endpointId: id, status: "active", note: null, firstErrorAt: null, lastErrorAt: null, ...where });

    peer.setWebhookStatus(id, "inactive_permanent", "Response status code: 401");
    clock += 9_999;
    expect((await dojo.webhookStatus.current())?.status).toBe("active");
    expect(calls()).toBe(1);
    clock += 1;
    const errorAt = Date.parse(peer.webhookEndpointRow(id)!.firstError!);
    expect(await dojo.webhookStatus.current()).toEqual({
      endpointId: id,
      status: "inactive_permanent",
      note: "Response status code: 401",
      // DefectDojo's first_error and last_error, read as epoch ms.
      firstErrorAt: errorAt,
      lastErrorAt: errorAt,
      ...where,
    });
    clock += 10_000;
    await dojo.webhookStatus.current();
    expect(calls()).toBe(3);
    const warnings = logs.filter((line) => line.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({ endpointId: id, status: "inactive_permanent", note: "Response status code: 401", msg: expect.stringMatching(/inactive/) }),
    ]);

    peer.setWebhookStatus(id, "active");
    await dojo.webhookStatus.refresh();
    peer.setWebhookStatus(id, "inactive_tmp", "Response status code: 503");
    await dojo.webhookStatus.refresh();
    expect(logs.filter((line) => line.level === 40).map((line) => line.status)).toEqual(["inactive_permanent", "inactive_tmp"]);
    expect(JSON.stringify(logs)).not.toContain(HEADER_VALUE);
  });

  it("does not keep a failed reading: the next caller asks again", async () => {
    const dojo = access();
    peer.failApiWith(502);
    await expect(dojo.webhookStatus.current()).rejects.toMatchObject({ kind: "unavailable" });
    peer.failApiWith(null);
    expect(await dojo.webhookStatus.current()).toBeNull();
    expect(peer.callsTo("notification_webhooks")).toBe(2);
  });
});
