import Sqlite from "better-sqlite3";
import { DojoAuthorizationModel } from "../peers/dojo-peer";
import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay, USER_TOKEN } from "../support/relay-harness";

// Who may see what, through the whole bridge against the DefectDojo stand-in: a personal message
// reaches only users DefectDojo would show the product to, when it is sent as much as when the
// event came in. alice (id 2, USER_TOKEN) may view product 4 (the scan_added fixture's product):
// 2.x as its member (RBAC), 3.x in its authorized_users (LEGACY).

const BOB_TOKEN = "dojo-bob-key-0003";
const ERIN_TOKEN = "dojo-erin-key-0006";

type Row = { id: string; event: string; channel: string; target: string; status: string; attempts: number; lastError: string | null };
const DELIVERIES = `{ deliveries(first: 100) { edges { node { id event channel target status attempts lastError } } } }`;

const dmsTo = (peers: Peers, slackUser: string) =>
  peers.slack.callsOf("chat.postMessage").filter((call) => call.args.channel === slackUser);
const mailsTo = (peers: Peers, address: string) => peers.smtp.messages.filter((mail) => mail.envelopeTo.includes(address));

describe.each<DojoAuthorizationModel>(["RBAC", "LEGACY"])("personal notifications and access (DefectDojo %s)", (model) => {
  let peers: Peers;
  let relay: RunningRelay;

  async function start(env: Record<string, string> = {}) {
    peers = await startPeers({ model });
    relay = await startTestRelay(peers, { env });
    const { dojo } = peers;
    dojo.addProductType({ id: 4, name: "notif prod type" });
    dojo.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
    dojo.addEngagement({ id: 7, productId: 4 });
    dojo.addTest({ id: 90, engagementId: 7 });
    if (model === "RBAC") dojo.addProductMember(4, 2);
    else dojo.authorize({ productId: 4 }, 2);
    peers.slack.users.set("alice@example.com", "UALICE");
    await relay.configureAllChannels();
  }
  afterEach(async () => {
    await relay?.close();
    await peers?.close();
  });

  async function gql(query: string, token?: string) {
    const result = await relay.graphql(query, {}, token);
    if (result.errors) throw new Error(result.raw);
    return result.data;
  }
  const aliceSubscribes = (channels: string) => gql(`mutation { setMyNotification(event: SCAN_ADDED, channels: [${channels}]) { event } }`, USER_TOKEN);
  /** Alice's deliveries as a superuser sees them (alice herself may have been deactivated). */
  async function alicesRows(): Promise<Row[]> {
    const data = (await gql(DELIVERIES)) as { deliveries: { edges: Array<{ node: Row }> } };
    return data.deliveries.edges.map((edge) => edge.node).filter((row) => /alice/.test(row.target));
  }
  const aliceRowWhere = (check: (row: Row) => boolean, timeoutMs?: number) =>
    eventually(async () => (await alicesRows()).find(check), timeoutMs);
  /** Resolves once fan-out has put a message in a digest window (nothing is sent until it closes). */
  const digestOpened = () =>
    eventually(() => {
      const db = new Sqlite(relay.databasePath, { readonly: true, fileMustExist: true, timeout: 5000 });
      try {
        return (db.prepare("SELECT COUNT(*) AS n FROM digest_item").get() as { n: number }).n > 0 ? true : undefined;
      } finally {
        db.close();
      }
    });
  const loseAccess = (how: "deactivated" | "removed") => {
    if (how === "deactivated") peers.dojo.updateUser(2, { isActive: false });
    else if (model === "RBAC") peers.dojo.removeProductMember(4, 2);
    else peers.dojo.unauthorize({ productId: 4 }, 2);
  };
  const REASONS = { deactivated: "recipient no longer active in DefectDojo", removed: "recipient may no longer view product 4" };

  if (model === "RBAC") {
    // DefectDojo 2.58.2-changelog dojo/user/views.py add_user and dojo/group/views.py AddGroupView save a Global_Role
    // with role None; dojo/user/queries.py get_authorized_users_for_product_and_product_type (who gets personal
    // notifications, dojo/notifications/helper.py) counts only `global_role__role__in=roles`.
    /** bob (id 3) and erin (id 6, in group 15) as DefectDojo's UI makes them, subscribed to scan_added on Slack with alice. */
    async function uiMadeSubscribers() {
      await start();
      peers.dojo.addUser({ id: 3, username: "bob", email: "bob@example.com", token: BOB_TOKEN });
      peers.dojo.addUser({ id: 6, username: "erin", email: "erin@example.com", token: ERIN_TOKEN });
      peers.dojo.addGroup({ id: 15, name: "made in the UI" });
      peers.dojo.addGroupMember(15, 6);
      peers.slack.users.set("bob@example.com", "UBOB");
      peers.slack.users.set("erin@example.com", "UERIN");
      for (const token of [USER_TOKEN, BOB_TOKEN, ERIN_TOKEN]) {
        await gql(`mutation { setMyNotification(event: SCAN_ADDED, channels: [SLACK]) { event } }`, token);
      }
    }

    it("reach no user or group member DefectDojo's UI made without access to the product (a null global role grants nothing)", async () => {
      await uiMadeSubscribers();
      expect((await relay.postWebhook("scan_added", webhookFixture("scan_added"))).status).toBe(202);
      await eventually(() => (dmsTo(peers, "UALICE").length > 0 ? true : undefined));
      await eventually(() => (peers.slack.callsOf("chat.postMessage").some((call) => call.args.channel === "#security") ? true : undefined));
      expect(dmsTo(peers, "UBOB")).toEqual([]);
      expect(dmsTo(peers, "UERIN")).toEqual([]);
    });

    // Global roles are read again after DIRECTORY_TTL_MS only (a product event refreshes its product alone): the
    // role is given before the bridge first reads them.
    it("reach the same user and group member once those rows hold a real global role", async () => {
      await uiMadeSubscribers();
      peers.dojo.addGlobalRole({ userId: 3 });
      peers.dojo.addGlobalRole({ groupId: 15 });
      expect((await relay.postWebhook("scan_added", webhookFixture("scan_added"))).status).toBe(202);
      expect(await eventually(() => (dmsTo(peers, "UBOB").length > 0 && dmsTo(peers, "UERIN").length > 0 ? true : undefined))).toBe(true);
    });
  }

  describe("held in a digest window", () => {
    beforeEach(async () => {
      await start();
      await aliceSubscribes("SLACK");
      await gql(`mutation { updateMyContact(input: { digestWindowSeconds: 2 }) { id } }`, USER_TOKEN);
    });

    it("go out when the window closes while the recipient may still view the product", async () => {
      await relay.postWebhook("scan_added", webhookFixture("scan_added"));
      await digestOpened();
      const row = await aliceRowWhere((r) => r.status === "SENT");
      expect(row).toMatchObject({ event: "digest", channel: "SLACK", lastError: null });
      expect(dmsTo(peers, "UALICE")).toHaveLength(1);
    });

    it.each(["deactivated", "removed"] as const)("are skipped, saying why, for a recipient %s while they waited", async (how) => {
      await relay.postWebhook("scan_added", webhookFixture("scan_added"));
      await digestOpened();
      loseAccess(how);
      const row = await aliceRowWhere((r) => r.status !== "PENDING" && r.status !== "RETRYING");
      expect(row).toMatchObject({ event: "digest", channel: "SLACK", status: "SKIPPED", attempts: 0, lastError: REASONS[how] });
      // The system-wide message went out; alice got nothing.
      await eventually(() => (peers.slack.callsOf("chat.postMessage").some((call) => call.args.channel === "#security") ? true : undefined));
      expect(dmsTo(peers, "UALICE")).toEqual([]);
      expect(peers.slack.callsOf("chat.postMessage").filter((call) => String(call.args.channel).startsWith("U"))).toEqual([]);
      const metrics = await (await fetch(`${relay.relay.url}/metrics`)).text();
      const reason = how === "deactivated" ? "recipient_inactive" : "no_access";
      expect(metrics).toContain(`dojo_relay_deliveries_total{channel="SLACK",outcome="skipped",reason="${reason}"} 1`);
    });

    it("are held while DefectDojo cannot say whether the recipient may still see them, then sent", async () => {
      await relay.postWebhook("scan_added", webhookFixture("scan_added"));
      await digestOpened();
      peers.dojo.failApiWith(503);
      const held = await aliceRowWhere((r) => r.lastError?.startsWith("held: DefectDojo could not be read") ?? false, 15_000);
      expect(held.status).toBe("PENDING");
      expect(dmsTo(peers, "UALICE")).toEqual([]);
      peers.dojo.failApiWith(null);
      expect(await aliceRowWhere((r) => r.status === "SENT", 20_000)).toMatchObject({ event: "digest" });
      expect(dmsTo(peers, "UALICE")).toHaveLength(1);
    });
  });

  describe("sent again", () => {
    it.each(["deactivated", "removed"] as const)("by a retry are skipped for a recipient %s after the failed attempt", async (how) => {
      // Retries 1 to 2 s apart: time to take access away between the failed attempt and the next.
      await start({ DELIVERY_RETRY_BASE_MS: "2000" });
      await gql(`mutation { setSystemNotification(event: SCAN_ADDED, channels: []) { event } }`);
      await aliceSubscribes("MAIL");
      peers.smtp.rejectNext([{ responseCode: 451, message: "try again later" }]);
      await relay.postWebhook("scan_added", webhookFixture("scan_added"));
      await aliceRowWhere((r) => r.status === "RETRYING");
      loseAccess(how);
      const row = await aliceRowWhere((r) => r.status !== "RETRYING" && r.status !== "PENDING", 15_000);
      expect(row).toMatchObject({ event: "scan_added", channel: "MAIL", status: "SKIPPED", attempts: 1, lastError: REASONS[how] });
      expect(mailsTo(peers, "alice@example.com")).toEqual([]);
    });

    it.each(["deactivated", "removed"] as const)("by retryDelivery are skipped for a recipient %s after it failed", async (how) => {
      await start();
      await aliceSubscribes("SLACK");
      peers.slack.users.delete("alice@example.com");
      await relay.postWebhook("scan_added", webhookFixture("scan_added"));
      const failed = await aliceRowWhere((r) => r.status === "FAILED");
      expect(failed.lastError).toMatch(/users_not_found/);
      loseAccess(how);
      peers.slack.users.set("alice@example.com", "UALICE");
      await gql(`mutation { retryDelivery(id: "${failed.id}") { status } }`);
      const row = await aliceRowWhere((r) => r.id === failed.id && r.status === "SKIPPED");
      expect(row.lastError).toBe(REASONS[how]);
      expect(dmsTo(peers, "UALICE")).toEqual([]);
      if (how === "removed") {
        // She still signs in: she sees that it was skipped and why, not the title of what she may no longer view.
        const own = (await gql(`{ deliveries(status: SKIPPED) { edges { node { id eventTitle lastError } } } }`, USER_TOKEN)) as {
          deliveries: { edges: Array<{ node: { id: string; eventTitle: string | null; lastError: string } }> };
        };
        expect(own.deliveries.edges.map((edge) => edge.node)).toEqual([{ id: failed.id, eventTitle: null, lastError: REASONS.removed }]);
        const all = (await gql(`{ deliveries(status: SKIPPED) { edges { node { eventTitle } } } }`)) as { deliveries: { edges: Array<{ node: { eventTitle: string | null } }> } };
        expect(all.deliveries.edges[0].node.eventTitle).toEqual(expect.any(String));
      }
      // SKIPPED is final: it cannot be retried.
      expect((await relay.graphql(`mutation { retryDelivery(id: "${failed.id}") { status } }`)).errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    });

    it("by a retry still go out to a recipient who may view the product", async () => {
      await start({ DELIVERY_RETRY_BASE_MS: "200" });
      await gql(`mutation { setSystemNotification(event: SCAN_ADDED, channels: []) { event } }`);
      await aliceSubscribes("MAIL");
      peers.smtp.rejectNext([{ responseCode: 451, message: "try again later" }]);
      await relay.postWebhook("scan_added", webhookFixture("scan_added"));
      expect(await aliceRowWhere((r) => r.status === "SENT")).toMatchObject({ attempts: 2 });
      expect(mailsTo(peers, "alice@example.com")).toHaveLength(1);
    });
  });
});
