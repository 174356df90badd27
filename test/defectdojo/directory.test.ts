import { createDojoClient } from "../../src/defectdojo/dojo-client";
import { createDojoDirectory, DojoDirectory, DojoUser } from "../../src/defectdojo/directory";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { DojoAuthorizationModel, DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { webhookFixture } from "../support/fixtures";

const event = (name: string, body: Record<string, unknown> = webhookFixture(name)) => parseWebhookPayload(name, null, body);

/** Ids 1–6: admin (superuser), alice (direct), bob (nobody), carol (group / staff), dave (global role), erin (product type). */
function seed(peer: DojoPeer) {
  peer.addUser({ id: 1, username: "admin", email: "admin@example.com", isSuperuser: true });
  for (const [id, username] of [[2, "alice"], [3, "bob"], [4, "carol"], [5, "dave"], [6, "erin"]] as const) {
    peer.addUser({ id, username, email: `${username}@example.com`, isStaff: peer.model === "LEGACY" && username === "carol" });
  }
  peer.addProductType({ id: 4, name: "notif prod type" });
  peer.addProductType({ id: 5, name: "other type" });
  peer.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
  peer.addProduct({ id: 9, name: "elsewhere", productTypeId: 5 });
  peer.addEngagement({ id: 7, productId: 4 });
  peer.addTest({ id: 90, engagementId: 7 });
  peer.addFinding({ id: 232, testId: 90 });
  if (peer.model === "RBAC") {
    peer.addProductMember(4, 2);
    peer.addGroupMember(11, 4);
    peer.addProductGroup(4, 11);
    peer.addGlobalRole({ userId: 5 });
    peer.addProductTypeMember(4, 6);
  } else {
    peer.authorize({ productId: 4 }, 2);
    peer.authorize({ productTypeId: 4 }, 6);
  }
}

describe.each<DojoAuthorizationModel>(["RBAC", "LEGACY"])("DojoDirectory against DefectDojo (%s)", (model) => {
  let peer: DojoPeer;
  let clock: number;
  let directory: DojoDirectory;
  let users: Map<number, DojoUser>;

  beforeEach(async () => {
    peer = await startDojoPeer({ model });
    seed(peer);
    clock = 1_000_000;
    directory = createDojoDirectory(createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retries: 0 }), {
      now: () => clock,
    });
    users = await directory.activeUsers();
  });
  afterEach(() => peer.close());

  const viewersOf = async (name: string, body?: Record<string, unknown>) => {
    const check = await directory.viewersOf(await directory.productScope(event(name, body)));
    return [...users.values()].filter((user) => check.mayView(user)).map((user) => user.username).sort();
  };

  // RBAC: direct member, group member, global role, product-type member. LEGACY: authorized on the product,
  // staff, authorized on the product type; a global role does not exist there.
  const expected = model === "RBAC" ? ["admin", "alice", "carol", "dave", "erin"] : ["admin", "alice", "carol", "erin"];

  it("detects the authorization model", async () => {
    expect(await directory.authorizationModel()).toBe(model);
  });

  it.each(["scan_added", "sla_breach", "engagement_closed", "risk_acceptance_expiration", "test_added", "finding_added"])(
    "lets exactly the users who may view the product see %s",
    async (name) => {
      expect(await viewersOf(name)).toEqual(expected);
    },
  );

  it("finds the product of sla_breach_combined by name, in 2.x and 3.x wording", async () => {
    expect(await viewersOf("sla_breach_combined")).toEqual(expected);
    expect(await viewersOf("sla_breach_combined", webhookFixture("sla_breach_combined", "3.x"))).toEqual(expected);
  });

  it("keeps other products' viewers out, and leaves events about no product to superusers", async () => {
    const elsewhere = await directory.viewersOf({ productId: 9, productTypeId: 5 });
    const outsiders = [...users.values()].filter((user) => elsewhere.mayView(user)).map((user) => user.username);
    expect(outsiders.sort()).toEqual(model === "RBAC" ? ["admin", "dave"] : ["admin", "carol"]);
    expect(await viewersOf("jira_update", { description: "x", title: "y" })).toEqual(["admin"]);
  });

  it("gives a product type's event to the viewers of the product type only", async () => {
    expect(await viewersOf("product_type_added")).toEqual(model === "RBAC" ? ["admin", "dave", "erin"] : ["admin", "carol", "erin"]);
  });

  it("stops letting a removed member see once the cache expires or is invalidated", async () => {
    expect(await viewersOf("scan_added")).toContain("alice");
    if (model === "RBAC") peer.removeProductMember(4, 2);
    else peer.unauthorize({ productId: 4 }, 2);
    expect(await viewersOf("scan_added")).toContain("alice"); // still cached
    directory.invalidate();
    expect(await viewersOf("scan_added")).not.toContain("alice");
    if (model === "RBAC") peer.addProductMember(4, 2);
    else peer.authorize({ productId: 4 }, 2);
    clock += 61_000;
    expect(await viewersOf("scan_added")).toContain("alice");
  });

  it("lists only active users and looks any user up by id", async () => {
    peer.updateUser(3, { isActive: false });
    clock += 61_000;
    expect([...(await directory.activeUsers()).keys()].sort()).toEqual([1, 2, 4, 5, 6]);
    expect(await directory.user(3)).toMatchObject({ username: "bob", isActive: false });
    expect(await directory.user(999)).toBeNull();
  });

  it("rejects, and makes no check up, when DefectDojo is down", async () => {
    peer.failApiWith(503);
    directory.invalidate();
    await expect(directory.viewersOf(await directory.productScope(event("scan_added")))).rejects.toMatchObject({ kind: "unavailable" });
    await expect(directory.productScope(event("sla_breach"))).rejects.toMatchObject({ kind: "unavailable" });
  });

  it("costs DefectDojo a bounded number of requests however many users there are", async () => {
    for (let id = 100; id < 1100; id++) {
      peer.addUser({ id, username: `user${id}`, email: `user${id}@example.com` });
      if (model === "RBAC") peer.addProductMember(4, id);
      else peer.authorize({ productId: 4 }, id);
    }
    clock += 61_000;
    const before = peer.apiCalls.length;
    const all = await directory.activeUsers();
    const check = await directory.viewersOf(await directory.productScope(event("scan_added")));
    expect([...all.values()].filter((user) => check.mayView(user))).toHaveLength(1000 + expected.length);
    const calls = peer.apiCalls.length - before;
    // Users: 5 pages of 250. RBAC memberships: ~5 pages of product members plus 5 small lists; LEGACY: one product and one type.
    expect(calls).toBeLessThanOrEqual(model === "RBAC" ? 16 : 8);
  });
});
