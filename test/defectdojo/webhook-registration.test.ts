import { createDojoClient, DojoApiError } from "../../src/defectdojo/dojo-client";
import { endpointUrlFor, registerWebhook, WebhookRegistration } from "../../src/defectdojo/webhook-registration";
import { DOJO_NOTIFICATION_FIELDS, DojoAuthorizationModel, DojoPeer, startDojoPeer } from "../peers/dojo-peer";

const HEADER_VALUE = "Token relay-webhook-secret-9000";
const URL = "https://relay.example.com/webhooks/defectdojo";

let peer: DojoPeer;

function register(url = URL, stopDirectNotifications = false): Promise<WebhookRegistration> {
  const client = createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retryBaseMs: 5 });
  return registerWebhook({ client, headerName: "Authorization", headerValue: HEADER_VALUE }, { url, stopDirectNotifications });
}
const failureOf = (work: Promise<unknown>) =>
  work.then(
    () => {
      throw new Error("expected it to fail");
    },
    (error: unknown) => error as DojoApiError,
  );
// DefectDojo 3.2 and 2.58.2-changelog dojo/notifications/helper.py: these two go to their recipients only, and
// `_process_recipients` merges the system row into each recipient's row (NOTIFICATIONS_SYSTEM_LEVEL_TRUMP).
const PERSONAL_ONLY_FIELDS: readonly string[] = ["user_mentioned", "review_requested"];
const systemRow = () => peer.notificationsRows().find((row) => row.user === null && row.product === null && !row.template)!;

describe.each(["RBAC", "LEGACY"] as const)("registerWebhook in DefectDojo %s", (model: DojoAuthorizationModel) => {
  beforeEach(async () => {
    peer = await startDojoPeer({ model });
    peer.addUser({ id: 2, username: "alice" });
    peer.addNotificationsRow({
      channels: { scan_added: ["slack", "alert"], product_added: ["mail", "msteams"], other: [], user_mentioned: ["slack", "alert"], review_requested: ["mail"] },
    });
    // Someone's own endpoint, which is not the bridge's.
    peer.addWebhookEndpoint({ name: "alice's", url: "https://alice.example.com/hook", owner: 2 });
  });
  afterEach(() => peer.close());

  it("creates the system endpoint once, and updates that same one after", async () => {
    const first = await register();
    expect(first).toEqual({
      endpointId: expect.any(Number),
      url: URL,
      created: true,
      status: "active",
      eventsAdded: 16,
      directChannelsStopped: false,
      notes: ["Turned on Enable Webhook notifications in DefectDojo's System Settings."],
    });
    const ours = peer.webhookEndpoints().find((endpoint) => endpoint.id === first.endpointId);
    expect(ours).toEqual({
      id: first.endpointId,
      name: "Dojo Relay",
      url: URL,
      headerName: "Authorization",
      headerValue: HEADER_VALUE,
      status: "active",
      note: "",
      owner: null,
    });
    expect(peer.systemSettings().enable_webhooks_notifications).toBe(true);
    // Every event gets webhooks; DefectDojo's own channels stay.
    const channels = systemRow().channels;
    for (const field of DOJO_NOTIFICATION_FIELDS.filter((field) => !PERSONAL_ONLY_FIELDS.includes(field))) expect(channels[field]).toContain("webhooks");
    // But the personal-only events: DefectDojo merges these fields into each recipient's own settings.
    expect(channels).toMatchObject({ user_mentioned: ["slack", "alert"], review_requested: ["mail"] });
    expect(channels).toMatchObject({ scan_added: ["slack", "webhooks", "alert"], product_added: ["msteams", "mail", "webhooks"], other: ["webhooks"], scan_added_empty: ["webhooks"] });

    // The bridge moved: the same endpoint (found by its name) points at the new address.
    const moved = await register("https://relay2.example.com/base/webhooks/defectdojo");
    expect(moved).toEqual({ ...first, url: "https://relay2.example.com/base/webhooks/defectdojo", created: false, eventsAdded: 0, notes: [] });
    const again = await register("https://relay2.example.com/base/webhooks/defectdojo");
    expect(again).toEqual(moved);
    expect(peer.webhookEndpoints()).toHaveLength(2);
    // The header value goes to DefectDojo and nowhere else.
    expect(JSON.stringify([first, moved, again])).not.toContain("relay-webhook-secret");
    expect(peer.writes.map((write) => `${write.method} ${write.path} ${write.status}`)).toEqual([
      `POST /api/v2/notification_webhooks/ 201`,
      "PATCH /api/v2/system_settings/1/ 200",
      `PATCH /api/v2/notifications/${systemRow().id}/ 200`,
      `PATCH /api/v2/notification_webhooks/${first.endpointId}/ 200`,
      `PATCH /api/v2/notification_webhooks/${first.endpointId}/ 200`,
    ]);
  });

  it("takes DefectDojo's own Slack, Teams and mail out of its system notifications when asked", async () => {
    const result = await register(URL, true);
    expect(result).toMatchObject({ eventsAdded: 16, directChannelsStopped: true });
    expect(result.notes).toContain("Took DefectDojo's own mail, msteams, slack out of its system notifications: the bridge sends them now.");
    const channels = systemRow().channels;
    for (const field of DOJO_NOTIFICATION_FIELDS.filter((field) => !PERSONAL_ONLY_FIELDS.includes(field))) {
      expect(channels[field].filter((c) => ["slack", "msteams", "mail"].includes(c))).toEqual([]);
    }
    // The bridge never receives mentions and review requests: DefectDojo keeps sending them itself.
    expect(channels).toMatchObject({ user_mentioned: ["slack", "alert"], review_requested: ["mail"] });
    expect(channels).toMatchObject({ scan_added: ["webhooks", "alert"], product_added: ["webhooks"] });

    // Already done: nothing more to change, and it still says the direct channels are stopped.
    const again = await register(URL, true);
    expect(again).toMatchObject({ created: false, eventsAdded: 0, directChannelsStopped: true, notes: [] });
  });

  it("leaves scan_added_empty to DefectDojo's page when it holds another channel: its API writes a single one", async () => {
    await peer.close();
    peer = await startDojoPeer({ model });
    peer.addNotificationsRow({ channels: { scan_added_empty: ["mail"] } });
    const kept = await register();
    expect(kept).toMatchObject({ eventsAdded: 15, directChannelsStopped: false });
    expect(kept.notes).toContain(
      'DefectDojo\'s API sets scan_added_empty to a single channel, and it has others there: tick Webhooks for "Scan added empty" on DefectDojo\'s System Notifications page.',
    );
    expect(systemRow().channels.scan_added_empty).toEqual(["mail"]);
    // Stopping mail leaves webhooks alone, a single channel: that DefectDojo's API can write.
    const stopped = await register(URL, true);
    expect(stopped).toMatchObject({ eventsAdded: 1, directChannelsStopped: true });
    expect(systemRow().channels.scan_added_empty).toEqual(["webhooks"]);
  });

  it("makes DefectDojo's system notification row when it has none", async () => {
    await peer.close();
    peer = await startDojoPeer({ model });
    const result = await register();
    expect(result.notes).toContain("Created DefectDojo's system notification settings, which it had none of yet.");
    const row = systemRow();
    expect(row.channels).toMatchObject({ scan_added: ["webhooks", "alert"], scan_added_empty: ["webhooks"] });
  });
});

describe("registerWebhook finding the bridge's endpoint", () => {
  beforeEach(async () => {
    peer = await startDojoPeer();
    peer.addUser({ id: 2, username: "alice" });
    peer.addNotificationsRow({});
  });
  afterEach(() => peer.close());

  it("updates the endpoint the README's manual steps made, and says how to revive a disabled one", async () => {
    const manual = peer.addWebhookEndpoint({ name: "Dojo Relay", url: "http://old-host:8080/webhooks/defectdojo", headerName: "Authorization", headerValue: "old" });
    peer.setWebhookStatus(manual, "inactive_permanent", "Response status code: 401");
    const result = await register();
    expect(result).toMatchObject({ endpointId: manual, created: false, status: "inactive_permanent" });
    expect(result.notes.at(-1)).toMatch(/inactive_permanent and its API cannot reactivate it: edit and save it under Configuration > Notifications > Webhooks/);
    expect(peer.webhookEndpoints()).toEqual([expect.objectContaining({ id: manual, url: URL, headerValue: HEADER_VALUE, status: "inactive_permanent" })]);
  });

  it("takes an endpoint at the bridge's URL under another name for its own, without renaming it", async () => {
    const other = peer.addWebhookEndpoint({ name: "relay (added by hand)", url: URL });
    expect(await register()).toMatchObject({ endpointId: other, created: false });
    expect(peer.webhookEndpoints()).toEqual([expect.objectContaining({ id: other, name: "relay (added by hand)", headerValue: HEADER_VALUE })]);
  });

  it("changes nothing when a personal endpoint holds the name, or DefectDojo refuses the URL", async () => {
    peer.addWebhookEndpoint({ name: "Dojo Relay", url: "https://alice.example.com/", owner: 2 });
    const taken = await failureOf(register());
    expect(taken).toMatchObject({ kind: "rejected", fields: ["name"] });
    expect(taken.message).toMatch(/owned by user 2, is named "Dojo Relay": rename or delete it there first/);
    expect(peer.writes).toEqual([]);

    await peer.close();
    peer = await startDojoPeer();
    // Django's URLValidator wants a dotted host name (or localhost, or an IP address).
    const refused = await failureOf(register("http://dojo-relay:8080/webhooks/defectdojo"));
    expect(refused).toMatchObject({ kind: "rejected", fields: ["url"] });
    expect(peer.writes.map((write) => [write.method, write.status])).toEqual([["POST", 400]]);
    expect(peer.webhookEndpoints()).toEqual([]);
    expect(peer.systemSettings().enable_webhooks_notifications).toBe(false);
    expect(JSON.stringify(refused)).not.toContain("relay-webhook-secret");
  });
});

describe("endpointUrlFor", () => {
  it("appends the bridge's path to an http(s) base, and refuses the rest", () => {
    expect(endpointUrlFor("https://relay.example.com")).toEqual({ url: "https://relay.example.com/webhooks/defectdojo" });
    expect(endpointUrlFor("HTTP://Relay.Example.com:8080/base//")).toEqual({ url: "http://relay.example.com:8080/base/webhooks/defectdojo" });
    for (const bad of ["relay.example.com", "ftp://relay.example.com", "https://relay.example.com/?a=1", "https://relay.example.com/#x", "https://u:p@relay.example.com", "https://relay.example.com/" + "x".repeat(200), "https://relay.example.com/ a"]) {
      expect(endpointUrlFor(bad)).toEqual({ problem: expect.any(String) });
    }
  });
});
