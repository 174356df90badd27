import { createDojoClient, DOJO_PAGE_SIZE, DojoApiError, DojoClient } from "../../src/defectdojo/dojo-client";
import { createDojoDirectory, DIRECTORY_TTL_MS, DojoDirectory, DojoUser, Freshness, ProductScope } from "../../src/defectdojo/directory";
import { textEvent } from "../../src/events/dojo-event";
import { NotificationEvent } from "../../src/events/notification-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { DOJO_ROLES, DojoAuthorizationModel, DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { webhookFixture } from "../support/fixtures";

const event = (name: string, body: Record<string, unknown> = webhookFixture(name)) => parseWebhookPayload(name, null, body);
const about = (subject: NonNullable<ReturnType<typeof textEvent>["subject"]>) =>
  textEvent({ name: "sla_breach", setting: NotificationEvent.OTHER, title: "x", subject });
const slaCombined = (productType: string, product: string, wording: "2.x" | "3.x" = "2.x") =>
  textEvent({
    name: "sla_breach_combined",
    setting: NotificationEvent.OTHER,
    title: wording === "2.x" ? `SLA alert (breached): Product Type '${productType}', Product '${product}'` : `SLA alert (breached): Organization '${productType}', Asset '${product}'`,
  });

const PRODUCT_4: ProductScope = { productId: 4, productTypeId: 4 };
const PRODUCT_9: ProductScope = { productId: 9, productTypeId: 5 };
const NO_PRODUCT: ProductScope = { productId: null, productTypeId: null };

/**
 * Product 4 ("notif prod", type 4) with engagement 7, test 90, finding 232; product 9 ("elsewhere", type 5).
 * Users, and what makes them see (RBAC | LEGACY):
 * 1 admin: superuser | superuser          2 alice: member of product 4 | authorized on product 4
 * 3 bob: member of product 9 and type 5 | authorized on product 9 — never product 4
 * 4 carol: group 11, which is on product 4 | nothing           5 dave: global role | nothing
 * 6 erin: member of type 4 | authorized on type 4              7 frank: group 12, on type 4 | nothing
 * 8 grace: group 13, which holds a global role | nothing       9 heidi: staff (sees everything in LEGACY only)
 * 10 ivan: group 14, on product 9 | nothing
 */
function seed(peer: DojoPeer) {
  peer.addUser({ id: 1, username: "admin", email: "admin@example.com", isSuperuser: true });
  const names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"];
  names.forEach((username, i) => peer.addUser({ id: i + 2, username, email: `${username}@example.com`, isStaff: username === "heidi" }));
  peer.addProductType({ id: 4, name: "notif prod type" });
  peer.addProductType({ id: 5, name: "other type" });
  peer.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
  peer.addProduct({ id: 9, name: "elsewhere", productTypeId: 5 });
  // `name=notif prod` would find this one too: DefectDojo's `name` filter is a substring match.
  peer.addProduct({ id: 11, name: "notif prod (archived)", productTypeId: 5 });
  peer.addEngagement({ id: 7, productId: 4 });
  peer.addTest({ id: 90, engagementId: 7 });
  peer.addFinding({ id: 232, testId: 90 });
  if (peer.model === "RBAC") {
    peer.addProductMember(4, 2);
    peer.addProductMember(9, 3);
    peer.addProductTypeMember(5, 3);
    peer.addGroupMember(11, 4);
    peer.addProductGroup(4, 11);
    peer.addGlobalRole({ userId: 5 });
    peer.addProductTypeMember(4, 6);
    peer.addGroupMember(12, 7);
    peer.addProductTypeGroup(4, 12);
    peer.addGroupMember(13, 8);
    peer.addGlobalRole({ groupId: 13 });
    peer.addGroupMember(14, 10);
    peer.addProductGroup(9, 14);
  } else {
    peer.authorize({ productId: 4 }, 2);
    peer.authorize({ productId: 9 }, 3);
    peer.authorize({ productTypeId: 5 }, 3);
    peer.authorize({ productTypeId: 4 }, 6);
  }
}

const VIEWERS = {
  RBAC: {
    product4: ["admin", "alice", "carol", "dave", "erin", "frank", "grace"],
    product9: ["admin", "bob", "dave", "grace", "ivan"],
    type4: ["admin", "dave", "erin", "frank", "grace"],
  },
  LEGACY: {
    product4: ["admin", "alice", "erin", "heidi"],
    product9: ["admin", "bob", "heidi"],
    type4: ["admin", "erin", "heidi"],
  },
};

describe.each<DojoAuthorizationModel>(["RBAC", "LEGACY"])("DojoDirectory against DefectDojo (%s)", (model) => {
  let peer: DojoPeer;
  let clock: number;
  let directory: DojoDirectory;
  let users: Map<number, DojoUser>;
  const expected = VIEWERS[model];

  beforeEach(async () => {
    peer = await startDojoPeer({ model });
    seed(peer);
    clock = 1_000_000;
    directory = createDojoDirectory(createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retries: 0 }), { now: () => clock });
    users = await directory.activeUsers();
  });
  afterEach(() => peer.close());

  const viewersIn = async (scope: ProductScope, freshness?: Freshness) => {
    const check = await directory.viewersOf(scope, freshness);
    return [...users.values()].filter((user) => check.mayView(user)).map((user) => user.username).sort();
  };
  const viewersOfEvent = async (name: string, body?: Record<string, unknown>) => viewersIn(await directory.productScope(event(name, body)));

  describe("authorization model", () => {
    it("is detected once, from whether global_roles/ exists", async () => {
      expect(await directory.authorizationModel()).toBe(model);
      expect(await directory.authorizationModel()).toBe(model);
      expect(peer.callsTo("global_roles")).toBe(1);
    });

    it("is not guessed when DefectDojo cannot say, and is asked again later", async () => {
      peer.failApiWith(503);
      await expect(directory.authorizationModel()).rejects.toMatchObject({ kind: "unavailable", retryable: true });
      peer.failApiWith(null);
      expect(await directory.authorizationModel()).toBe(model);
    });
  });

  describe("who may view", () => {
    it.each(["scan_added", "sla_breach", "engagement_closed", "risk_acceptance_expiration", "test_added", "finding_added"])(
      "lets exactly the users who may view the product see %s",
      async (name) => {
        expect(await viewersOfEvent(name)).toEqual(expected.product4);
      },
    );

    it("keeps every other product's members, groups and access lists out", async () => {
      expect(await viewersIn(PRODUCT_9)).toEqual(expected.product9);
      expect(await viewersIn(PRODUCT_4)).not.toContain("bob");
      expect(await viewersIn(PRODUCT_4)).not.toContain("ivan");
    });

    it("gives a product type's event to the viewers of the product type only", async () => {
      expect(await viewersOfEvent("product_type_added")).toEqual(expected.type4);
    });

    it("lets a product type's viewers see every product below it", async () => {
      peer.addProduct({ id: 20, name: "new below type 4", productTypeId: 4 });
      const below = await viewersIn({ productId: 20, productTypeId: 4 });
      expect(below).toEqual(expected.type4);
      expect(below).toContain("erin");
    });

    it("finds the product type itself when the scope names only the product", async () => {
      expect(await viewersIn({ productId: 4, productTypeId: null })).toEqual(expected.product4);
    });

    it("leaves events about no product to superusers, without asking DefectDojo", async () => {
      const before = peer.apiCalls.length;
      expect(await viewersOfEvent("jira_update", { description: "x", title: "y" })).toEqual(["admin"]);
      expect(await viewersIn(NO_PRODUCT)).toEqual(["admin"]);
      expect(peer.apiCalls.length).toBe(before);
    });

    // DefectDojo 3.2 dojo/authorization/query_registrations.py `_is_unrestricted` (staff see every product);
    // 2.58.2-changelog dojo/authorization/authorization.py asks no is_staff, and its users/ (dojo/api_v2/serializers.py
    // UserSerializer) does not even show it.
    it("treats staff as their model says: everything in LEGACY, nothing special in RBAC (where users/ has no is_staff)", async () => {
      const heidi = users.get(9)!;
      expect(heidi.isStaff).toBe(model === "LEGACY");
      for (const scope of [PRODUCT_4, PRODUCT_9, { productId: null, productTypeId: 4 }]) {
        expect((await directory.viewersOf(scope)).mayView(heidi)).toBe(model === "LEGACY");
      }
    });

    if (model === "RBAC") {
      // DefectDojo 2.58.2-changelog dojo/models.py Global_Role.role (null=True); dojo/user/views.py add_user and
      // dojo/group/views.py AddGroupView save a row with role None; dojo/product/queries.py (`role__isnull=False`),
      // dojo/user/queries.py (`role__in=roles`) and dojo/authorization/authorization.py (`role is not None`) skip it.
      it("gives a null global role (DefectDojo's UI saves one for every user and group it makes) nothing, and a real one everything", async () => {
        peer.addUser({ id: 11, username: "judy", email: "judy@example.com" });
        peer.addUser({ id: 12, username: "karl", email: "karl@example.com" });
        peer.addGroup({ id: 15, name: "ui group" });
        peer.addGroupMember(15, 12);
        const globalRoles = await fetch(`${peer.url}/api/v2/global_roles/?limit=100`, { headers: { Authorization: `Token ${peer.serviceToken}` } });
        const rows: Array<{ user: number | null; group: number | null; role: number | null }> = ((await globalRoles.json()) as { results: never[] }).results;
        expect(rows).toEqual(expect.arrayContaining([
          expect.objectContaining({ user: 11, group: null, role: null }),
          expect.objectContaining({ user: null, group: 15, role: null }),
        ]));
        clock += DIRECTORY_TTL_MS;
        users = await directory.activeUsers();
        for (const scope of [PRODUCT_4, PRODUCT_9, { productId: null, productTypeId: 4 }]) {
          const check = await directory.viewersOf(scope);
          expect([check.mayView(users.get(11)!), check.mayView(users.get(12)!)]).toEqual([false, false]);
        }
        expect(await viewersIn(PRODUCT_4)).toEqual(expected.product4);

        // The same one-to-one rows, now given a role: both see every product once global roles are read again.
        peer.addGlobalRole({ userId: 11, role: DOJO_ROLES.READER });
        peer.addGlobalRole({ groupId: 15, role: DOJO_ROLES.READER });
        clock += DIRECTORY_TTL_MS;
        for (const scope of [PRODUCT_4, PRODUCT_9, { productId: null, productTypeId: 4 }]) {
          const check = await directory.viewersOf(scope);
          expect([check.mayView(users.get(11)!), check.mayView(users.get(12)!)]).toEqual([true, true]);
        }
      });

      it("gives a user DefectDojo's API made (no global role row at all) nothing either", async () => {
        peer.addUser({ id: 11, username: "judy", email: "judy@example.com", madeBy: "api" });
        clock += DIRECTORY_TTL_MS;
        users = await directory.activeUsers();
        expect((await directory.viewersOf(PRODUCT_4)).mayView(users.get(11)!)).toBe(false);
      });
    }

    it("lets no inactive user through, superuser or member", async () => {
      const check = await directory.viewersOf(PRODUCT_4);
      expect(check.mayView({ ...users.get(1)!, isActive: false })).toBe(false);
      expect(check.mayView({ ...users.get(2)!, isActive: false })).toBe(false);
      expect(check.mayView(users.get(2)!)).toBe(true);
    });
  });

  describe("who may view, asked about given users", () => {
    /** Requests that list or fetch something of one scope (rather than of the whole instance). */
    const scopeRequests = () => peer.apiCalls.filter((path) => /^\/api\/v2\/(products|product_members|product_groups|product_type_members|product_type_groups)\//.test(path));
    const byName = (name: string) => [...users.values()].find((user) => user.username === name)!;

    it("answers each user as the whole check does", async () => {
      for (const scope of [PRODUCT_4, PRODUCT_9, { productId: 4, productTypeId: null }, { productId: null, productTypeId: 4 }]) {
        const whole = await directory.viewersOf(scope);
        for (const user of users.values()) {
          expect([user.username, (await directory.viewersOf(scope, undefined, [user])).mayView(user)]).toEqual([user.username, whole.mayView(user)]);
        }
      }
    });

    it("reads none of the scope's listings when instance-wide answers decide every user", async () => {
      // Superusers, inactive users, and (RBAC) global roles, direct or through a group, or (LEGACY) staff.
      const decided = model === "RBAC" ? ["admin", "dave", "grace"] : ["admin", "heidi"];
      const among = [...decided.map(byName), { ...byName("alice"), isActive: false }];
      const before = scopeRequests().length;
      for (const scope of [PRODUCT_4, { productId: 20, productTypeId: null }]) {
        const check = await directory.viewersOf(scope, undefined, among);
        expect(among.map((user) => check.mayView(user))).toEqual([...decided.map(() => true), false]);
      }
      expect(scopeRequests().length).toBe(before);
    });

    it("reads them when one user is left undecided", async () => {
      const before = scopeRequests().length;
      const check = await directory.viewersOf(PRODUCT_4, undefined, [byName("admin"), byName("alice"), byName("bob")]);
      expect([byName("admin"), byName("alice"), byName("bob")].map((user) => check.mayView(user))).toEqual([true, true, false]);
      expect(scopeRequests().length).toBeGreaterThan(before);
    });

    it("refuses to answer about a user it was not made for", async () => {
      const check = await directory.viewersOf(PRODUCT_4, undefined, [byName("admin")]);
      expect(() => check.mayView(byName("alice"))).toThrow(/not among the users/);
    });
  });

  describe("what an event is about", () => {
    it.each<[string, Parameters<typeof about>[0], string[]]>([
      ["an engagement", { kind: "engagement", id: 7 }, ["engagements", "products"]],
      ["a test", { kind: "test", id: 90 }, ["tests", "engagements", "products"]],
      ["a finding", { kind: "finding", id: 232 }, ["findings", "tests", "engagements", "products"]],
      ["a risk acceptance", { kind: "risk_acceptance", id: 3, engagementId: 7 }, ["engagements", "products"]],
      ["a product", { kind: "product", id: 4 }, ["products"]],
    ])("is looked up through %s", async (_, subject, resources) => {
      const before = peer.apiCalls.length;
      expect(await directory.productScope(about(subject))).toEqual(PRODUCT_4);
      expect(peer.apiCalls.slice(before).map((path) => path.split("/")[3])).toEqual(resources);
      // Cached: the next event about the same object asks nothing.
      expect(await directory.productScope(about(subject))).toEqual(PRODUCT_4);
      expect(peer.apiCalls.length).toBe(before + resources.length);
    });

    it("is taken from the event's own objects when it names them", async () => {
      const before = peer.apiCalls.length;
      expect(await directory.productScope(event("scan_added"))).toEqual(PRODUCT_4);
      expect(await directory.productScope(event("product_type_added"))).toEqual({ productId: null, productTypeId: 4 });
      expect(peer.apiCalls.length).toBe(before);
    });

    it.each<[string, Parameters<typeof about>[0]]>([
      ["engagement", { kind: "engagement", id: 999 }],
      ["test", { kind: "test", id: 999 }],
      ["finding", { kind: "finding", id: 999 }],
      ["risk acceptance", { kind: "risk_acceptance", id: 3, engagementId: 999 }],
      ["product", { kind: "product", id: 999 }],
      ["product type", { kind: "product_type", id: 999 }],
    ])("is no product when DefectDojo has no such %s (superusers only)", async (_, subject) => {
      const scope = await directory.productScope(about(subject));
      expect(scope).toEqual(NO_PRODUCT);
      expect(await viewersIn(scope)).toEqual(["admin"]);
    });

    it.each<"2.x" | "3.x">(["2.x", "3.x"])("of sla_breach_combined is found by exact name, in %s wording", async (wording) => {
      expect(await viewersOfEvent("sla_breach_combined", webhookFixture("sla_breach_combined", wording))).toEqual(expected.product4);
      expect(await directory.productScope(slaCombined("notif prod type", "notif prod", wording))).toEqual(PRODUCT_4);
      expect(peer.apiRequests.find((request) => request.path === "/api/v2/products/")?.query).toMatchObject({ name_exact: "notif prod" });
      expect(await directory.productScope(slaCombined("other type", "no such product", wording))).toEqual(NO_PRODUCT);
    });

    it("of sla_breach_combined settles two products of one name by their product type", async () => {
      peer.addProduct({ id: 30, name: "twin", productTypeId: 5 });
      peer.addProduct({ id: 31, name: "twin", productTypeId: 4 });
      expect(await directory.productScope(slaCombined("notif prod type", "twin"))).toEqual({ productId: 31, productTypeId: 4 });
      expect(await directory.productScope(slaCombined("other type", "twin", "3.x"))).toEqual({ productId: 30, productTypeId: 5 });
      expect(await directory.productScope(slaCombined("no such type", "twin"))).toEqual(NO_PRODUCT);
    });
  });

  describe("a removed member", () => {
    const removeAlice = () => (model === "RBAC" ? peer.removeProductMember(4, 2) : peer.unauthorize({ productId: 4 }, 2));
    const removeErin = () => (model === "RBAC" ? peer.removeProductTypeMember(4, 6) : peer.unauthorize({ productTypeId: 4 }, 6));

    it("stops seeing once the cache expires", async () => {
      expect(await viewersIn(PRODUCT_4)).toEqual(expect.arrayContaining(["alice", "erin"]));
      removeAlice();
      removeErin();
      clock += DIRECTORY_TTL_MS - 1;
      expect(await viewersIn(PRODUCT_4)).toEqual(expect.arrayContaining(["alice", "erin"]));
      clock += 1;
      const after = await viewersIn(PRODUCT_4);
      expect(after).not.toContain("alice");
      expect(after).not.toContain("erin");
    });

    it("stops seeing at once for a re-check that asks for answers read since the change (no invalidate, cache not expired)", async () => {
      expect(await viewersIn(PRODUCT_4)).toEqual(expect.arrayContaining(["alice", "erin"]));
      clock += 1;
      const since = clock;
      removeAlice();
      removeErin();
      if (model === "RBAC") peer.removeGroupMember(11, 4);
      peer.updateUser(5, { isActive: false });
      clock += 1;
      const fresh = await directory.viewersOf(PRODUCT_4, { since });
      const freshUsers = await directory.activeUsers({ since });
      const seeing = [...freshUsers.values()].filter((user) => fresh.mayView(user)).map((user) => user.username);
      expect(seeing).not.toContain("alice");
      expect(seeing).not.toContain("erin");
      expect(seeing).not.toContain("carol");
      expect(freshUsers.has(5)).toBe(false);
      // Answers read since then serve everyone, and a later `since` at or before that read asks nothing more.
      const calls = peer.apiCalls.length;
      await directory.viewersOf(PRODUCT_4, { since });
      await directory.activeUsers({ since });
      expect(peer.apiCalls.length).toBe(calls);
    });

    it("stops seeing at once after invalidate() of the product", async () => {
      expect(await viewersIn(PRODUCT_4)).toContain("alice");
      removeAlice();
      expect(await viewersIn(PRODUCT_4)).toContain("alice");
      directory.invalidate({ productId: 4 });
      expect(await viewersIn(PRODUCT_4)).not.toContain("alice");
      expect(await viewersIn(PRODUCT_4)).toContain("admin");
    });

    if (model === "RBAC") {
      it("stops seeing through a group once they leave it", async () => {
        expect(await viewersIn(PRODUCT_4)).toEqual(expect.arrayContaining(["carol", "grace"]));
        clock += 1;
        const since = clock;
        peer.removeGroupMember(11, 4);
        peer.removeGlobalRole({ groupId: 13 });
        const after = await viewersIn(PRODUCT_4, { since });
        expect(after).not.toContain("carol");
        expect(after).not.toContain("grace");
      });
    }
  });

  // What creating or deleting a product or product type changes for authorization in DefectDojo:
  // - a product type's creator becomes its Owner: 2.58.2-changelog dojo/product_type/views.py add_product_type
  //   (line 109, right after form.save(), whose post_save signal in dojo/product_type/signals.py sends product_type_added)
  //   and dojo/api_v2/views.py ProductTypeViewSet.perform_create (line 2089). 3.2 (HEAD) authorizes no creator:
  //   dojo/product_type/ui/views.py add_product_type saves the form only, dojo/product_type/api/views.py has no perform_create.
  // - a product's creation adds no member, in either ref: 2.58.2-changelog dojo/product/views.py new_product (line 954
  //   saves the form only), dojo/api_v2/views.py ProductViewSet has no perform_create; 3.2 dojo/product/ui/views.py
  //   new_product and dojo/product/api/views.py ProductViewSet likewise. Its viewers are its type's, its own members
  //   (and in 3.2 the product's authorized_users), and global roles.
  // - deleting one deletes its own members and groups (dojo/models.py Product_Member … Product_Type_Group: CASCADE), and
  //   product_deleted / product_type_deleted name no object (dojo/product/signals.py and dojo/product_type/signals.py
  //   product_post_delete: url=reverse("product") / reverse("product_type"), both refs).
  // Users, global roles and group members change with none of these.
  describe("after a product or product type event (invalidate)", () => {
    const grant = (target: { productId?: number; productTypeId?: number }, userId: number) => {
      if (model === "LEGACY") peer.authorize(target, userId);
      else if (target.productId !== undefined) peer.addProductMember(target.productId, userId);
      else peer.addProductTypeMember(target.productTypeId!, userId, DOJO_ROLES.OWNER);
    };
    const callsSince = (before: number) => peer.apiCalls.slice(before).map((path) => path.replace("/api/v2/", ""));

    it("reads that product's own answers again, and nothing else", async () => {
      peer.addProduct({ id: 20, name: "new below type 4", productTypeId: 4 });
      const product20 = { productId: 20, productTypeId: 4 };
      await viewersIn(PRODUCT_4);
      expect(await viewersIn(product20)).not.toContain("bob");
      grant({ productId: 20 }, 3);

      directory.invalidate({ productId: 20 });
      const before = peer.apiCalls.length;
      expect(await viewersIn(PRODUCT_4)).toEqual(expected.product4);
      expect(peer.apiCalls.length).toBe(before);
      // Read again and worked out again (the memoized viewers compare their inputs by identity).
      expect(await viewersIn(product20)).toContain("bob");
      expect(callsSince(before)).toEqual(model === "RBAC" ? ["product_members/", "product_groups/"] : ["products/20/"]);
      if (model === "RBAC") {
        expect(peer.apiRequests.slice(-2).map((request) => request.query.product_id)).toEqual(["20", "20"]);
      }
    });

    it("reads that product type's own answers again, and nothing else: its creator, made Owner after the event, is seen", async () => {
      peer.addProductType({ id: 6, name: "new type" });
      const type6 = { productId: null, productTypeId: 6 };
      await viewersIn(PRODUCT_4);
      expect(await viewersIn(type6)).not.toContain("bob");
      grant({ productTypeId: 6 }, 3);

      directory.invalidate({ productTypeId: 6 });
      const before = peer.apiCalls.length;
      expect(await viewersIn(PRODUCT_4)).toEqual(expected.product4);
      expect(peer.apiCalls.length).toBe(before);
      expect(await viewersIn(type6)).toContain("bob");
      expect(callsSince(before)).toEqual(model === "RBAC" ? ["product_type_members/", "product_type_groups/"] : ["product_types/6/"]);
    });

    it("looks product names up again: a new product's name resolves", async () => {
      expect(await directory.productScope(slaCombined("notif prod type", "brand new"))).toEqual(NO_PRODUCT);
      peer.addProduct({ id: 22, name: "brand new", productTypeId: 4 });
      expect(await directory.productScope(slaCombined("notif prod type", "brand new"))).toEqual(NO_PRODUCT);
      directory.invalidate({ productId: 22 });
      expect(await directory.productScope(slaCombined("notif prod type", "brand new"))).toEqual({ productId: 22, productTypeId: 4 });
    });

    it("that names no object (a deletion) reads only the name lookups again", async () => {
      await viewersIn(PRODUCT_4);
      await directory.productScope(about({ kind: "finding", id: 232 }));
      directory.invalidate({});
      const before = peer.apiCalls.length;
      expect(await viewersIn(PRODUCT_4)).toEqual(expected.product4);
      expect(await directory.productScope(about({ kind: "finding", id: 232 }))).toEqual(PRODUCT_4);
      expect(peer.apiCalls.length).toBe(before);
    });

    it("costs a product's own listings however many users there are: global roles, group members and users are kept", async () => {
      for (let id = 100; id < 1100; id++) peer.addUser({ id, username: `user${id}`, email: `user${id}@example.com` });
      clock += DIRECTORY_TTL_MS;
      await directory.activeUsers();
      await viewersIn(PRODUCT_4);
      const before = peer.apiCalls.length;
      const events = 50;
      for (let n = 0; n < events; n++) {
        peer.addProduct({ id: 1000 + n, name: `burst ${n}`, productTypeId: 4 });
        directory.invalidate({ productId: 1000 + n, productTypeId: null });
        await directory.activeUsers();
        await directory.viewersOf({ productId: 1000 + n, productTypeId: 4 });
      }
      expect(peer.apiCalls.length - before).toBe(events * (model === "RBAC" ? 2 : 1));
      const resources = new Set(callsSince(before).map((path) => path.replace(/\d+\/$/, "N/")));
      expect([...resources].sort()).toEqual(model === "RBAC" ? ["product_groups/", "product_members/"] : ["products/N/"]);
    });
  });

  describe("users", () => {
    it("lists only active users, and looks any user up by id", async () => {
      expect([...users.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(users.get(9)).toEqual({ id: 9, username: "heidi", email: "heidi@example.com", isActive: true, isSuperuser: false, isStaff: model === "LEGACY" });
      peer.updateUser(3, { isActive: false });
      clock += DIRECTORY_TTL_MS;
      expect([...(await directory.activeUsers()).keys()]).not.toContain(3);
      expect(await directory.user(3)).toMatchObject({ username: "bob", isActive: false });
      expect(await directory.user(999)).toBeNull();
    });
  });

  describe("its cache", () => {
    it("lets concurrent questions about one object share one request", async () => {
      const before = peer.callsTo("products");
      await Promise.all([directory.productTags(4), directory.productTags(4), directory.productTags(4)]);
      expect(peer.callsTo("products") - before).toBe(1);
    });

    it("keeps a bounded number of answers: the least recently used one is read again", async () => {
      const small = createDojoDirectory(createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retries: 0 }), {
        now: () => clock,
        maxEntries: 2,
      });
      const before = peer.callsTo("products");
      for (const productId of [4, 9, 11, 4]) await small.productTags(productId);
      expect(peer.callsTo("products") - before).toBe(4);
      await small.productTags(4);
      expect(peer.callsTo("products") - before).toBe(4);
    });

    it("keeps the user list on invalidate(), and reads it again after DIRECTORY_TTL_MS", async () => {
      const before = peer.callsTo("users");
      directory.invalidate({ productId: 4, productTypeId: 4 });
      await directory.activeUsers();
      expect(peer.callsTo("users")).toBe(before);
      clock += DIRECTORY_TTL_MS;
      await directory.activeUsers();
      expect(peer.callsTo("users")).toBeGreaterThan(before);
    });
  });

  describe("when DefectDojo cannot be read", () => {
    it("rejects as unavailable and makes no check up", async () => {
      peer.failApiWith(503);
      clock += DIRECTORY_TTL_MS;
      await expect(directory.viewersOf(PRODUCT_4)).rejects.toMatchObject({ kind: "unavailable", retryable: true });
      await expect(directory.productScope(event("sla_breach"))).rejects.toMatchObject({ kind: "unavailable" });
      await expect(directory.activeUsers()).rejects.toMatchObject({ kind: "unavailable" });
      await expect(directory.user(2)).rejects.toMatchObject({ kind: "unavailable" });
    });

    it("rejects when only one of the lists it needs fails, and remembers no failure", async () => {
      const resource = model === "RBAC" ? "product_groups" : "product_types";
      peer.failApiWith(503, resource);
      await expect(directory.viewersOf(PRODUCT_4)).rejects.toBeInstanceOf(DojoApiError);
      await expect(directory.viewersOf(PRODUCT_4)).rejects.toMatchObject({ kind: "unavailable" });
      peer.failApiWith(null, resource);
      expect(await viewersIn(PRODUCT_4)).toEqual(expected.product4);
    });

    it("rejects as unavailable, saying why, when DefectDojo refuses the key", async () => {
      const refused = createDojoDirectory(createDojoClient({ baseUrl: peer.url, apiKey: "revoked-key-1234", retries: 0 }));
      const error = await refused.viewersOf(PRODUCT_4).then(() => null, (caught: DojoApiError) => caught);
      expect(error).toMatchObject({ kind: "unavailable", retryable: true });
      expect(error?.message).toContain("unauthorized");
      await expect(refused.activeUsers()).rejects.toMatchObject({ kind: "unavailable" });
    });
  });

  describe("cost", () => {
    it("is a bounded number of requests however many users there are, not one per user", async () => {
      const extra = 1000;
      for (let id = 100; id < 100 + extra; id++) {
        peer.addUser({ id, username: `user${id}`, email: `user${id}@example.com` });
        if (model === "RBAC") peer.addProductMember(4, id);
        else peer.authorize({ productId: 4 }, id);
      }
      clock += DIRECTORY_TTL_MS;
      const before = peer.apiCalls.length;
      const all = await directory.activeUsers();
      const check = await directory.viewersOf(await directory.productScope(event("scan_added")));
      expect([...all.values()].filter((user) => check.mayView(user))).toHaveLength(extra + expected.product4.length);

      const pages = (rows: number) => Math.ceil(rows / DOJO_PAGE_SIZE);
      const userPages = pages(10 + extra);
      // RBAC: model, global roles (one row per user and group DefectDojo's UI made, role or none:
      // 10 + 1,000 users, groups 11 to 14), product members (alice + 1,000), product groups, type
      // members, type groups, group members. LEGACY: model, the product, its product type.
      const globalRolePages = pages(10 + extra + 4);
      const expectedCalls = model === "RBAC" ? userPages + 1 + globalRolePages + pages(1 + extra) + 1 + 1 + 1 + 1 : userPages + 1 + 1 + 1;
      expect(peer.apiCalls.length - before).toBe(expectedCalls);
      expect(expectedCalls).toBeLessThanOrEqual(20);
      expect(peer.apiCalls.slice(before).filter((path) => /\/users\/\d+\/$/.test(path))).toEqual([]);

      // The next events about the same product, and a sibling product of the same type, cost little or nothing.
      const cached = peer.apiCalls.length;
      await directory.viewersOf(await directory.productScope(event("test_added")));
      expect(peer.apiCalls.length).toBe(cached);
      peer.addProduct({ id: 21, name: "sibling", productTypeId: 4 });
      await directory.viewersOf({ productId: 21, productTypeId: 4 });
      expect(peer.apiCalls.length - cached).toBe(model === "RBAC" ? 2 : 1);
    });
  });
});

describe("DojoDirectory against a DefectDojo that answers more than it was asked", () => {
  /** A client whose member lists ignore their filters, as a DefectDojo with other filter names would. */
  function unfilteredClient(answers: Record<string, unknown[]>, single: Record<string, unknown>): DojoClient {
    return {
      get: async (path, _query, schema) => {
        if (!(path in single)) throw new DojoApiError("not_found", `GET ${path}: not found`);
        return schema.parse(single[path]);
      },
      list: async (path, _query, item) => (answers[path] ?? []).map((row) => item.parse(row)),
      page: async () => {
        throw new Error("the directory reads whole lists, never single pages");
      },
      patch: async () => {
        throw new Error("the directory never writes");
      },
      post: async () => {
        throw new Error("the directory never writes");
      },
    };
  }
  const user = (id: number): DojoUser => ({ id, username: `u${id}`, email: "", isActive: true, isSuperuser: false, isStaff: false });

  it("still lets only the scope's own members through (RBAC)", async () => {
    const client = unfilteredClient(
      {
        "product_members/": [{ id: 1, product: 4, user: 2, role: 5 }, { id: 2, product: 9, user: 3, role: 5 }],
        "product_groups/": [{ id: 3, product: 9, group: 14, role: 5 }],
        "product_type_members/": [{ id: 4, product_type: 5, user: 6, role: 5 }],
        "product_type_groups/": [],
        "dojo_group_members/": [{ id: 5, group: 14, user: 7, role: 5 }],
        "global_roles/": [],
      },
      { "global_roles/": { count: 0, next: null, previous: null, results: [] } },
    );
    const check = await createDojoDirectory(client).viewersOf(PRODUCT_4);
    expect([2, 3, 6, 7].filter((id) => check.mayView(user(id)))).toEqual([2]);
  });

  it("refuses to decide (LEGACY) when a product comes without authorized_users", async () => {
    const client = unfilteredClient({}, { "products/4/": { id: 4, name: "notif prod", prod_type: 4 }, "product_types/4/": { id: 4, name: "t", authorized_users: [] } });
    await expect(createDojoDirectory(client).viewersOf(PRODUCT_4)).rejects.toMatchObject({ kind: "unavailable" });
  });
});
