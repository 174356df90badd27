import { DojoPeer, startDojoPeer } from "./dojo-peer";

// The peer's own behaviour, over real HTTP, for the notification settings the bridge imports and
// writes. Every expectation restates DefectDojo's source (the viewset or serializer named in the
// peer) or DRF's, not the peer's code.

let peer: DojoPeer;

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any; type: string }> {
  const response = await fetch(`${peer.url}/api/v2/${path}`, {
    method,
    headers: { Authorization: `Token ${token ?? peer.serviceToken}`, ...(body !== undefined && { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // YAML, for the 2.x schema.
  }
  return { status: response.status, body: parsed, type: response.headers.get("content-type") ?? "" };
}
const get = (path: string) => call("GET", path);

afterEach(() => peer.close());

describe("system_settings/", () => {
  beforeEach(async () => {
    peer = await startDojoPeer();
    peer.addUser({ id: 2, username: "alice", token: "alice-key" });
  });

  it("lists its one row, has no detail GET, and takes PATCH and PUT on that row", async () => {
    const list = await get("system_settings/?enable_slack_notifications=true");
    expect(list.body).toMatchObject({ count: 1, next: null, previous: null, results: [{ id: 1, enable_webhooks_notifications: false, slack_token: "" }] });
    // No filter backend: the parameter was ignored.
    expect(peer.ignoredParams).toEqual([{ path: "/api/v2/system_settings/", param: "enable_slack_notifications" }]);
    expect((await get("system_settings/1/")).status).toBe(405);
    expect((await call("POST", "system_settings/", {})).status).toBe(405);

    const patched = await call("PATCH", "system_settings/1/", { enable_webhooks_notifications: true, slack_channel: "  #sec  ", id: 7 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: 1, enable_webhooks_notifications: true, slack_channel: "#sec" });
    expect((await call("PUT", "system_settings/1/", { team_name: "AppSec" })).body).toMatchObject({ team_name: "AppSec", slack_channel: "#sec" });
    expect(peer.writes.map((write) => [write.method, write.status])).toEqual([["POST", 405], ["PATCH", 200], ["PUT", 200]]);
  });

  it("validates as DRF does, and answers 501 for a real field it does not model", async () => {
    const bad = await call("PATCH", "system_settings/1/", { enable_mail_notifications: "maybe", slack_token: "x".repeat(101) });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      enable_mail_notifications: ["Must be a valid boolean."],
      slack_token: ["Ensure this field has no more than 100 characters."],
    });
    expect((await call("PATCH", "system_settings/1/", { enable_jira: true })).status).toBe(501);
    expect(peer.systemSettings()).toMatchObject({ enable_mail_notifications: false, slack_token: "" });
  });

  it("is superuser-only, like every endpoint but user_profile/", async () => {
    expect((await call("PATCH", "system_settings/1/", { team_name: "x" }, "alice-key")).status).toBe(403);
    expect((await call("PATCH", "system_settings/1/", { team_name: "x" }, "nobody")).status).toBe(401);
    expect(peer.systemSettings().team_name).toBe("");
  });
});

describe("notifications/", () => {
  beforeEach(async () => {
    peer = await startDojoPeer();
    peer.addUser({ id: 2, username: "alice" });
    peer.addProductType({ id: 1, name: "pt" });
    peer.addProduct({ id: 4, name: "p", productTypeId: 1 });
  });

  it("cannot filter for a null user or product (a ModelChoiceFilter without null_label), but can by template", async () => {
    const system = peer.addNotificationsRow({ channels: { scan_added: ["slack", "alert"] } });
    const alice = peer.addNotificationsRow({ user: 2 });
    peer.addNotificationsRow({ user: 2, product: 4 });
    peer.addNotificationsRow({ template: true });

    const invalid = { message: "Select a valid choice. That choice is not one of the available choices.", code: "invalid_choice" };
    expect(await get("notifications/?user=null")).toMatchObject({ status: 400, body: { user: [invalid.message] } });
    expect(await get("notifications/?product=None")).toMatchObject({ status: 400, body: { product: [invalid.message] } });
    const rows = (await get("notifications/?template=false")).body.results as Array<{ id: number; user: number | null; product: number | null }>;
    expect(rows.map((row) => [row.id, row.user, row.product])).toEqual([[system, null, null], [alice, 2, null], [alice + 1, 2, 4]]);
    expect((await get("notifications/?user=2")).body.count).toBe(2);
  });

  it("shows every event field as a list, in no order to rely on", async () => {
    const id = peer.addNotificationsRow({ channels: { scan_added: ["slack", "webhooks", "alert"], scan_added_empty: ["mail"] } });
    const row = (await get(`notifications/${id}/`)).body;
    expect(Object.keys(row)).toHaveLength(22);
    expect([...row.scan_added].sort()).toEqual(["alert", "slack", "webhooks"]);
    expect(row).toMatchObject({ user: null, product: null, template: false, other: ["alert"], scan_added_empty: ["mail"] });
  });

  it("takes lists for the declared fields, but a single choice for the undeclared scan_added_empty", async () => {
    const id = peer.addNotificationsRow({});
    const list = await call("PATCH", `notifications/${id}/`, { scan_added_empty: ["webhooks"] });
    expect(list).toMatchObject({ status: 400, body: { scan_added_empty: [`"['webhooks']" is not a valid choice.`] } });
    const text = await call("PATCH", `notifications/${id}/`, { product_added: "webhooks" });
    expect(text).toMatchObject({ status: 400, body: { product_added: ['Expected a list of items but got type "str".'] } });
    expect((await call("PATCH", `notifications/${id}/`, { other: ["pager"] })).body).toMatchObject({ other: ['"pager" is not a valid choice.'] });

    // The write's own answer echoes the string written; a read shows the list stored.
    const single = await call("PATCH", `notifications/${id}/`, { scan_added_empty: "webhooks", product_added: ["alert", "webhooks"] });
    expect(single.status).toBe(200);
    expect(single.body.scan_added_empty).toBe("webhooks");
    expect((await get(`notifications/${id}/`)).body.scan_added_empty).toEqual(["webhooks"]);
    expect(peer.notificationsRows()[0].channels).toMatchObject({ product_added: ["webhooks", "alert"], scan_added_empty: ["webhooks"] });
  });

  it("creates rows with the model's defaults, one per user and product, and one template at most", async () => {
    const created = await call("POST", "notifications/", { user: null, product: null, template: false, scan_added: ["webhooks"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ user: null, product: null, scan_added: ["webhooks"], other: ["alert"], scan_added_empty: [] });
    const again = await call("POST", "notifications/", {});
    expect(again).toMatchObject({ status: 400, body: { non_field_errors: ["Notification for user and product already exists"] } });
    expect((await call("POST", "notifications/", { user: 9 })).body).toMatchObject({ user: ['Invalid pk "9" - object does not exist.'] });
    expect((await call("POST", "notifications/", { template: true })).status).toBe(201);
    expect((await call("POST", "notifications/", { template: true, user: 2 })).body).toMatchObject({
      non_field_errors: ["Notification template already exists"],
    });
    expect(peer.notificationsRows()).toHaveLength(2);
  });

  it("refuses a body that is not a JSON object, in DefectDojo's words", async () => {
    const id = peer.addNotificationsRow({});
    const response = await fetch(`${peer.url}/api/v2/notifications/${id}/`, {
      method: "PATCH",
      headers: { Authorization: `Token ${peer.serviceToken}`, "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: "JSON request content is malformed" });
    expect((await call("PATCH", `notifications/${id}/`, [1])).body).toMatchObject({ non_field_errors: ["Invalid data. Expected a dictionary, but got list."] });
  });
});

describe("notification_webhooks/", () => {
  beforeEach(async () => {
    peer = await startDojoPeer();
    peer.addUser({ id: 2, username: "alice" });
  });

  it("creates an active endpoint, keeps names unique, and does not let the API change its status", async () => {
    const fields = { name: "Dojo Relay", url: "https://relay.example.com/webhooks/defectdojo", header_name: "Authorization", header_value: "Token s3cret" };
    const created = await call("POST", "notification_webhooks/", { ...fields, owner: null, status: "inactive_permanent" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 1, ...fields, status: "active", first_error: null, last_error: null, note: "", owner: null });

    const duplicate = await call("POST", "notification_webhooks/", { ...fields, url: "https://other.example.com/" });
    expect(duplicate).toMatchObject({ status: 400, body: { name: ["notification_ webhooks with this name already exists."] } });

    peer.setWebhookStatus(1, "inactive_permanent", "Response status code: 401");
    const patched = await call("PATCH", "notification_webhooks/1/", { url: "https://relay2.example.com/webhooks/defectdojo", status: "active", note: "" });
    expect(patched.body).toMatchObject({ url: "https://relay2.example.com/webhooks/defectdojo", status: "inactive_permanent", note: "Response status code: 401" });
    expect(patched.body.last_error).toEqual(expect.any(String));
    // Renaming to its own name is no clash.
    expect((await call("PATCH", "notification_webhooks/1/", { name: "Dojo Relay" })).status).toBe(200);
    expect(peer.webhookEndpoints()).toHaveLength(1);
  });

  it("checks the URL as Django's URLField does, and the header's length", async () => {
    const post = (url: string, headerValue = "Token x") => call("POST", "notification_webhooks/", { name: url, url, header_value: headerValue });
    expect((await post("http://relay:8080/webhooks/defectdojo")).body).toMatchObject({ url: ["Enter a valid URL."] });
    expect((await post("relay.example.com/webhooks")).body).toMatchObject({ url: ["Enter a valid URL."] });
    expect((await post("http://relay.example.123/")).body).toMatchObject({ url: ["Enter a valid URL."] });
    expect((await post("http://relay.example.com/" + "x".repeat(180))).body).toMatchObject({ url: ["Ensure this field has no more than 200 characters."] });
    expect((await post("http://relay.example.com/a", "T".repeat(101))).body).toMatchObject({ header_value: ["Ensure this field has no more than 100 characters."] });
    for (const url of ["http://127.0.0.1:8080/webhooks/defectdojo", "http://localhost:8080/w", "https://dojo-relay.default.svc:8080/w", "http://[::1]:80/w"]) {
      expect((await post(url)).status).toBe(201);
    }
  });

  it("filters by every field, a null owner again only by leaving it out", async () => {
    peer.addWebhookEndpoint({ name: "system", url: "https://a.example.com/" });
    peer.addWebhookEndpoint({ name: "mine", url: "https://b.example.com/", owner: 2, status: "inactive_tmp" });
    expect((await get("notification_webhooks/?owner=2")).body.results.map((e: { name: string }) => e.name)).toEqual(["mine"]);
    expect((await get("notification_webhooks/?status=inactive_tmp")).body.count).toBe(1);
    expect((await get("notification_webhooks/?name=system")).body.count).toBe(1);
    expect((await get("notification_webhooks/?owner=null")).status).toBe(400);
    expect((await get("notification_webhooks/?status=broken")).status).toBe(400);
  });
});

describe("user_contact_infos/ and oa3/schema/ in 2.x and 3.x", () => {
  it.each([
    ["RBAC", "2.58.4"],
    ["LEGACY", "3.2.0"],
  ] as const)("%s: the user as an id and nested, and the version", async (model, version) => {
    peer = await startDojoPeer({ model });
    peer.addUser({ id: 2, username: "alice", email: "alice@example.com" });
    peer.addUserContactInfo({ userId: 2, slackEmail: "alice@slack.example" });
    const [row] = (await get("user_contact_infos/")).body.results;
    expect(row).toMatchObject({ user: 2, user_profile: { id: 2, username: "alice" }, slack_username: "alice@slack.example", slack_user_id: null });
    expect("deduplication_execution_mode" in row).toBe(model === "LEGACY");

    expect(peer.version).toBe(version);
    expect((await get("oa3/schema/?format=json")).body.info.version).toBe(version);
    // DojoSpectacularAPIView puts DojoOpenApiJsonRenderer first in both (dojo/api_v2/views.py, 2.58.2-changelog and 3.2).
    const plain = await fetch(`${peer.url}/api/v2/oa3/schema/`);
    expect(plain.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await plain.text()).toContain(version);
    expect((await get("oa3/schema/?format=xml")).status).toBe(404);
  });
});
