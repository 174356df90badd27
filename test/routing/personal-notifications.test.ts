import { DojoAuthorizationModel } from "../peers/dojo-peer";
import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay, SUPERUSER_TOKEN, USER_TOKEN } from "../support/relay-harness";

const BOB_TOKEN = "dojo-bob-key-0003";
const CAROL_TOKEN = "dojo-carol-key-0004";
const DAVE_TOKEN = "dojo-dave-key-0005";
const SLACK_IDS: Record<string, string> = {
  "admin@example.com": "UADMIN",
  "alice@example.com": "UALICE",
  "bob@example.com": "UBOB",
  "carol@example.com": "UCAROL",
  "dave@example.com": "UDAVE",
};

const DELIVERIES = `{ deliveries(first: 100) { edges { node { event channel target status lastError } } } }`;
type Row = { event: string; channel: string; target: string; status: string; lastError: string | null };

/**
 * admin (superuser), alice (may view product 4), bob (may not), carol (through a group in RBAC, as
 * staff in LEGACY), dave (may view, but inactive). Everyone subscribes to scan_added, sla_breach and
 * other events on Slack and mail; alice also on her own Teams webhook.
 */
async function seed(peers: Peers, relay: RunningRelay) {
  const { dojo } = peers;
  dojo.addUser({ id: 3, username: "bob", email: "bob@example.com", token: BOB_TOKEN });
  dojo.addUser({ id: 4, username: "carol", email: "carol@example.com", token: CAROL_TOKEN, isStaff: dojo.model === "LEGACY" });
  dojo.addUser({ id: 5, username: "dave", email: "dave@example.com", token: DAVE_TOKEN });
  dojo.addProductType({ id: 4, name: "notif prod type" });
  dojo.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
  dojo.addEngagement({ id: 7, productId: 4 });
  dojo.addTest({ id: 90, engagementId: 7 });
  dojo.addFinding({ id: 232, testId: 90 });
  if (dojo.model === "RBAC") {
    dojo.addProductMember(4, 2);
    dojo.addProductMember(4, 5);
    dojo.addGroupMember(11, 4);
    dojo.addProductGroup(4, 11);
  } else {
    dojo.authorize({ productId: 4 }, 2);
    dojo.authorize({ productId: 4 }, 5);
  }
  for (const [email, id] of Object.entries(SLACK_IDS)) peers.slack.users.set(email, id);

  await relay.configureAllChannels();
  for (const token of [SUPERUSER_TOKEN, USER_TOKEN, BOB_TOKEN, CAROL_TOKEN, DAVE_TOKEN]) {
    for (const event of ["SCAN_ADDED", "SLA_BREACH", "OTHER"]) {
      const result = await relay.graphql(`mutation { setMyNotification(event: ${event}, channels: [SLACK, MAIL]) { event } }`, {}, token);
      if (result.errors) throw new Error(result.raw);
    }
  }
  const aliceTeams = peers.teams.url.replace("/workflows/0a1b2c/", "/workflows/alice/");
  const alice = await relay.graphql(
    `mutation($url: String!) { updateMyContact(input: { msteamsUrl: $url }) { contact { msteamsUrlSet } } }`,
    { url: aliceTeams },
    USER_TOKEN,
  );
  if (alice.errors) throw new Error(alice.raw);
  await relay.graphql(`mutation { setMyNotification(event: SCAN_ADDED, channels: [SLACK, MAIL, MSTEAMS]) { event } }`, {}, USER_TOKEN);
  peers.dojo.updateUser(5, { isActive: false });
}

const dmRecipients = (peers: Peers) =>
  peers.slack
    .callsOf("chat.postMessage")
    .map((call) => String(call.args.channel))
    .filter((channel) => channel.startsWith("U"))
    .sort();

describe.each<DojoAuthorizationModel>(["RBAC", "LEGACY"])("personal notifications (DefectDojo %s)", (model) => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers({ model });
    relay = await startTestRelay(peers, {
      env: { PERSONAL_WEBHOOK_ALLOWLIST: `${new URL(peers.teams.url).origin}/workflows/` },
    });
    await seed(peers, relay);
  });
  afterEach(async () => {
    await relay.close();
    await peers.close();
  });

  it("reach exactly the active users who may view the product, on each channel they chose", async () => {
    expect((await relay.postWebhook("scan_added", webhookFixture("scan_added", "3.x"))).status).toBe(202);
    const dms = await eventually(() => (dmRecipients(peers).length >= 3 ? dmRecipients(peers) : undefined));
    expect(dms).toEqual(["UADMIN", "UALICE", "UCAROL"]);
    const mails = await peers.smtp.waitForMessages(4);
    expect(mails.flatMap((mail) => mail.envelopeTo).sort()).toEqual([
      "admin@example.com",
      "alice@example.com",
      "carol@example.com",
      "ciso@example.com",
      "secops@example.com",
    ]);
    const teams = await eventually(() => (peers.teams.requests.length >= 2 ? peers.teams.requests : undefined));
    expect(teams.map((request) => request.path.split("/")[2]).sort()).toEqual(["0a1b2c", "alice"]);

    // Everyone sees their own deliveries only; nobody sees anything of bob's or dave's, since there are none.
    const mine = (await relay.graphql<{ deliveries: { edges: Array<{ node: Row }> } }>(DELIVERIES, {}, USER_TOKEN)).data!;
    expect(mine.deliveries.edges.map((edge) => edge.node.channel).sort()).toEqual(["MAIL", "MSTEAMS", "SLACK"]);
    const bobs = (await relay.graphql<{ deliveries: { edges: unknown[] } }>(DELIVERIES, {}, BOB_TOKEN)).data!;
    expect(bobs.deliveries.edges).toEqual([]);
  });

  it("work out the product of an event that carries only a URL (sla_breach)", async () => {
    await relay.postWebhook("sla_breach", webhookFixture("sla_breach"));
    expect(await eventually(() => (dmRecipients(peers).length >= 3 ? dmRecipients(peers) : undefined))).toEqual([
      "UADMIN",
      "UALICE",
      "UCAROL",
    ]);
  });

  it("are held while DefectDojo cannot say who may see the event, then sent", async () => {
    peers.dojo.failApiWith(503);
    const callsBefore = peers.dojo.apiCalls.length;
    await relay.postWebhook("scan_added", webhookFixture("scan_added"));
    await eventually(() => (peers.slack.callsOf("chat.postMessage").some((call) => call.args.channel === "#security") ? true : undefined));
    // The DefectDojo client's own retries are spent (three calls per lookup): the event now waits in the fan-out queue.
    await eventually(() => (peers.dojo.apiCalls.length - callsBefore >= 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(dmRecipients(peers)).toEqual([]);
    peers.dojo.failApiWith(null);
    expect(await eventually(() => (dmRecipients(peers).length >= 3 ? dmRecipients(peers) : undefined), 15_000)).toEqual([
      "UADMIN",
      "UALICE",
      "UCAROL",
    ]);
  });

  it("end FAILED with the reason, in the user's own history, when Slack has no account for the address", async () => {
    peers.slack.users.delete("alice@example.com");
    await relay.postWebhook("scan_added", webhookFixture("scan_added"));
    const slack = await eventually(async () => {
      const rows = (await relay.graphql<{ deliveries: { edges: Array<{ node: Row }> } }>(DELIVERIES, {}, USER_TOKEN)).data!;
      const row = rows.deliveries.edges.map((edge) => edge.node).find((node) => node.channel === "SLACK");
      return row?.status === "FAILED" ? row : undefined;
    });
    expect(slack.lastError).toMatch(/alice@example\.com.*users_not_found/);
  });

  it("are not sent twice to an address the system-wide mail already reaches", async () => {
    await relay.graphql(`mutation { updateMyContact(input: { email: "secops@example.com" }) { id } }`, {}, CAROL_TOKEN);
    await relay.postWebhook("scan_added", webhookFixture("scan_added"));
    await eventually(() => (dmRecipients(peers).length >= 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const to = peers.smtp.messages.flatMap((mail) => mail.envelopeTo);
    expect(to.filter((address) => address === "secops@example.com")).toHaveLength(1);
  });

  it("stop for a member removed from the product before the event", async () => {
    if (model === "RBAC") peers.dojo.removeProductMember(4, 2);
    else peers.dojo.unauthorize({ productId: 4 }, 2);
    await relay.postWebhook("scan_added", webhookFixture("scan_added"));
    const dms = await eventually(() => {
      const scan = peers.slack
        .callsOf("chat.postMessage")
        .filter((call) => String(call.args.text).startsWith("Scan Added") && String(call.args.channel).startsWith("U"));
      return scan.length >= 2 ? scan.map((call) => String(call.args.channel)).sort() : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(dms).toEqual(["UADMIN", "UCAROL"]);
  });
});
