import { DOJO_ROLES, DojoAuthorizationModel } from "../peers/dojo-peer";
import { webhookFixture } from "../support/fixtures";
import { eventually, RunningRelay, startPeers, startTestRelay, USER_TOKEN } from "../support/relay-harness";

const EVENTS = 50;

/** product_added for product 1000 + n below product type 4 (the fixture's), each a new event. */
function productAdded(n: number) {
  const body = webhookFixture("product_added");
  return { ...body, title: `burst ${n}`, product: { ...(body.product as object), id: 1000 + n, name: `burst ${n}` } };
}

/**
 * DefectDojo calls made by fanning out a burst of EVENTS product_added events that alice (a member of
 * product type 4, or a global Reader) subscribed to, after one warm-up event, with `dojoUsers` more users in DefectDojo.
 */
async function burstCost(model: DojoAuthorizationModel, dojoUsers: number, alice: "type member" | "global reader" = "type member"): Promise<{ calls: number; resources: string[] }> {
  const peers = await startPeers({ model });
  let relay: RunningRelay | undefined;
  try {
    relay = await startTestRelay(peers, { env: { POLL_CRON: "off" } });
    const { dojo } = peers;
    dojo.addProductType({ id: 4, name: "notif prod type" });
    for (let id = 100; id < 100 + dojoUsers; id++) dojo.addUser({ id, username: `user${id}`, email: `user${id}@example.com` });
    if (alice === "global reader") dojo.addGlobalRole({ userId: 2, role: DOJO_ROLES.READER });
    else if (model === "RBAC") dojo.addProductTypeMember(4, 2);
    else dojo.authorize({ productTypeId: 4 }, 2);
    for (let n = 0; n <= EVENTS; n++) dojo.addProduct({ id: 1000 + n, name: `burst ${n}`, productTypeId: 4 });
    peers.slack.users.set("alice@example.com", "UALICE");
    await relay.configureAllChannels();
    const subscribed = await relay.graphql(`mutation { setMyNotification(event: PRODUCT_ADDED, channels: [SLACK]) { event } }`, {}, USER_TOKEN);
    expect(subscribed.errors).toBeUndefined();
    const dmsToAlice = (count: number) =>
      eventually(() => (peers.slack.callsOf("chat.postMessage").filter((call) => call.args.channel === "UALICE").length >= count ? true : undefined), 20_000);

    // The warm-up reads the users, the model, global roles and group members (RBAC) once.
    expect((await relay.postWebhook("product_added", productAdded(0))).status).toBe(202);
    await dmsToAlice(1);
    const before = dojo.apiCalls.length;
    for (let n = 1; n <= EVENTS; n++) expect((await relay.postWebhook("product_added", productAdded(n))).status).toBe(202);
    await dmsToAlice(EVENTS + 1);
    // The webhook watch (src/defectdojo/webhook-watch.ts) reads notification_webhooks/ on its own clock: not fan-out.
    const calls = dojo.apiCalls.slice(before).filter((path) => !path.startsWith("/api/v2/notification_webhooks/"));
    return { calls: calls.length, resources: [...new Set(calls.map((path) => path.replace("/api/v2/", "").replace(/\d+\/$/, "N/")))].sort() };
  } finally {
    await relay?.close();
    await peers.close();
  }
}

// A product_added refreshes that product's own answers only (src/defectdojo/directory.ts invalidate): DefectDojo
// adds no member when a product is made (2.58.2-changelog dojo/product/views.py new_product, dojo/api_v2/views.py
// ProductViewSet; 3.2 dojo/product/ui/views.py new_product, dojo/product/api/views.py), so the listings that grow
// with the users (users/, global_roles/, dojo_group_members/) are not read again for each event.
// A global role lets its holder see every product (2.58.2-changelog dojo/authorization/authorization.py
// user_has_permission: `user_has_global_permission` first), so nothing of the new product need be read for her.
describe("fan-out of a burst of product_added events that every subscriber may see anyway (DefectDojo RBAC)", () => {
  it("costs DefectDojo no request per event", async () => {
    expect(await burstCost("RBAC", 100, "global reader")).toEqual({ calls: 0, resources: [] });
  });
});

describe.each<DojoAuthorizationModel>(["RBAC", "LEGACY"])("fan-out of a burst of product_added events (DefectDojo %s)", (model) => {
  it(`costs DefectDojo the new product's own listings per event, however many users it has`, async () => {
    const few = await burstCost(model, 100);
    const many = await burstCost(model, 1000);
    // RBAC: the product's members and groups; LEGACY: the product itself (its authorized_users).
    expect(few.resources).toEqual(model === "RBAC" ? ["product_groups/", "product_members/"] : ["products/N/"]);
    expect(few.calls).toBe(EVENTS * (model === "RBAC" ? 2 : 1));
    expect(many).toEqual(few);
  }, 120_000);
});
