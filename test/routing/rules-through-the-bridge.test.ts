import Sqlite from "better-sqlite3";
import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";

const CREATE = `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { id name targets { msteamsLabel } } }`;
const DELIVERIES = `{ deliveries(first: 100) { edges { node { event channel target status } } } }`;
type Row = { event: string; channel: string; target: string; status: string };

const scan = webhookFixture("scan_added"); // product 4; new 232 Critical, reactivated 234 Low
const CRITICAL_TITLE = (scan.findings as { new: Array<{ title: string }> }).new[0].title;
const LOW_TITLE = (scan.findings as { reactivated: Array<{ title: string }> }).reactivated[0].title;

/** product_added for another product, with a title of its own. */
const productAdded = (id: number, name: string) => ({
  ...webhookFixture("product_added"),
  title: name,
  product: { id, name, url_ui: `http://localhost:8080/product/${id}`, url_api: `http://localhost:8080/api/v2/products/${id}/` },
});

async function createRule(relay: RunningRelay, input: Record<string, unknown>) {
  const result = await relay.graphql<{ createRoutingRule: { id: string; targets: Array<{ msteamsLabel: string | null }> } }>(CREATE, { input });
  if (result.errors) throw new Error(result.raw);
  return result.data!.createRoutingRule;
}

const slackTo = (peers: Peers, channel: string) => peers.slack.callsOf("chat.postMessage").filter((call) => call.args.channel === channel);
const slackText = (call: { args: Record<string, unknown> }) => JSON.stringify(call.args.blocks);

describe("routing rules through the bridge", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers();
    peers.dojo.addProductType({ id: 4, name: "notif prod type" });
    peers.dojo.addProduct({ id: 4, name: "notif prod", productTypeId: 4, tags: ["pci"] });
    peers.dojo.addProduct({ id: 5, name: "other prod", productTypeId: 4 });
    relay = await startTestRelay(peers);
    await relay.configureAllChannels();
  });
  afterEach(async () => {
    await relay?.close();
    await peers.close();
  });

  it("sends to the rules' targets with only the findings that matched, and to the system-wide channels when no rule matches", async () => {
    const ruleTeamsUrl = peers.teams.url.replace("/workflows/0a1b2c/", "/workflows/rule/");
    const critical = await createRule(relay, {
      name: "critical scans",
      position: 1,
      events: ["SCAN_ADDED"],
      productIds: [4],
      minSeverity: "HIGH",
      continue: true,
      targets: [{ channel: "SLACK", slackChannel: "#sec-high" }, { channel: "MSTEAMS", msteamsUrl: ruleTeamsUrl }],
    });
    await createRule(relay, { name: "pci products", position: 2, tags: ["PCI"], linkOnly: true, targets: [{ channel: "MAIL", emails: ["pci@example.com"] }] });
    await createRule(relay, { name: "never", position: 3, productIds: [99], targets: [{ channel: "SLACK", slackChannel: "#never" }] });

    expect((await relay.postWebhook("scan_added", scan)).status).toBe(202);
    expect((await relay.postWebhook("product_added", productAdded(5, "other prod"))).status).toBe(202);

    // pci@ for the scan; secops@ and ciso@ (one message) for product 5.
    await peers.smtp.waitForMessages(2);
    await eventually(() => (slackTo(peers, "#sec-high").length === 1 && slackTo(peers, "#security").length === 1 ? true : undefined));
    // The Critical finding is listed; the Low one, which the rule's minimum left out, is not.
    const high = slackText(slackTo(peers, "#sec-high")[0]);
    expect(high).toContain(CRITICAL_TITLE);
    expect(high).not.toContain(LOW_TITLE);
    // The scan matched rules, so it did not also go to the system-wide channel; product 5 matched none and did.
    expect(slackText(slackTo(peers, "#security")[0])).toContain("other prod");
    expect(slackTo(peers, "#never")).toEqual([]);
    // The rule's own Teams URL was called; its label, not the URL, is what the delivery log shows.
    await eventually(() => (peers.teams.requests.some((request) => request.path.startsWith("/workflows/rule/")) ? true : undefined));
    const pci = peers.smtp.messages.find((message) => message.envelopeTo.includes("pci@example.com"))!;
    expect(pci.text).not.toContain(CRITICAL_TITLE); // link-only
    expect(pci.text).toContain("http://localhost:8080/test/90");

    const rows = await eventually(async () => {
      const result = await relay.graphql<{ deliveries: { edges: Array<{ node: Row }> } }>(DELIVERIES);
      const nodes = result.data!.deliveries.edges.map((edge) => edge.node);
      return nodes.length >= 6 && nodes.every((row) => row.status === "SENT") ? nodes : undefined;
    });
    expect(rows.filter((row) => row.event === "scan_added").map((row) => [row.channel, row.target]).sort()).toEqual(
      [["MAIL", "pci@example.com"], ["MSTEAMS", critical.targets[1].msteamsLabel], ["SLACK", "#sec-high"]].sort(),
    );
    expect(JSON.stringify(rows)).not.toContain("/workflows/rule/");
  });

  it("sends link-only messages everywhere no rule decides when the system-wide switch is on", async () => {
    const switched = await relay.graphql(`mutation { updateSystemSettings(input: { linkOnly: true }) { linkOnly } }`);
    expect(switched.data).toEqual({ updateSystemSettings: { linkOnly: true } });
    await relay.postWebhook("scan_added", scan);
    const [mail] = await peers.smtp.waitForMessages(1);
    const [slack] = await eventually(() => (slackTo(peers, "#security").length === 1 ? slackTo(peers, "#security") : undefined));
    await eventually(() => (peers.teams.requests.length === 1 ? true : undefined));
    for (const text of [slackText(slack), String(slack.args.text), peers.teams.requests[0].raw, mail.text, mail.subject]) {
      expect(text).not.toContain(CRITICAL_TITLE);
      expect(text).not.toContain("notif prod");
    }
    expect(slackText(slack)).toContain("http://localhost:8080/test/90");
  });

  it("sends what the rules decide while DefectDojo cannot be asked about personal copies, and those once it can", async () => {
    await createRule(relay, { name: "all", position: 1, targets: [{ channel: "SLACK", slackChannel: "#ruled" }] });
    peers.slack.users.set("admin@example.com", "UADMIN");
    const subscribed = await relay.graphql(`mutation { setMyNotification(event: PRODUCT_ADDED, channels: [SLACK]) { event } }`);
    expect(subscribed.errors).toBeUndefined();
    peers.dojo.failApiWith(503);

    await relay.postWebhook("product_added", productAdded(5, "other prod"));
    await eventually(() => (slackTo(peers, "#ruled").length === 1 ? true : undefined));
    expect(slackTo(peers, "UADMIN")).toEqual([]);

    peers.dojo.failApiWith(null);
    await eventually(() => (slackTo(peers, "UADMIN").length === 1 ? true : undefined), 15_000);
    expect(slackTo(peers, "#ruled")).toHaveLength(1);
  });

  // Security review (issue 17): the retry of a held personal part lost the rules' targets (rules_pending was
  // cleared), so it compared with the system-wide settings instead: a user the rule's mail reached got a
  // second copy, and a user on the settings' list (which the rule replaced) got none.
  it("keeps the rules' targets for a retried personal part: nobody mailed twice, nobody skipped", async () => {
    await createRule(relay, { name: "all", position: 1, targets: [{ channel: "MAIL", emails: ["admin@example.com"] }] });
    const subscribed = await relay.graphql(`mutation { setMyNotification(event: PRODUCT_ADDED, channels: [MAIL]) { event } }`);
    expect(subscribed.errors).toBeUndefined();
    // secops@ is on the system-wide list, which the rule replaces for this event: its personal copy is its only one.
    peers.dojo.addUser({ id: 3, username: "secops", email: "secops@example.com", isSuperuser: true, token: "dojo-secops-key-0003" });
    const secops = await relay.graphql(`mutation { setMyNotification(event: PRODUCT_ADDED, channels: [MAIL]) { event } }`, undefined, "dojo-secops-key-0003");
    expect(secops.errors).toBeUndefined();
    peers.dojo.failApiWith(503);

    await relay.postWebhook("product_added", productAdded(5, "other prod"));
    await peers.smtp.waitForMessages(1);
    peers.dojo.failApiWith(null);

    const rows = await eventually(async () => {
      const result = await relay.graphql<{ deliveries: { edges: Array<{ node: Row & { recipient?: unknown } }> } }>(DELIVERIES);
      const nodes = result.data!.deliveries.edges.map((edge) => edge.node);
      return nodes.some((row) => row.target === "secops@example.com") && nodes.every((row) => row.status === "SENT") ? nodes : undefined;
    }, 15_000);
    const mailed = rows.filter((row) => row.channel === "MAIL").map((row) => row.target).sort();
    expect(mailed).toEqual(["admin@example.com", "secops@example.com"]);
    const messages = await peers.smtp.waitForMessages(2);
    expect(messages.flatMap((message) => message.envelopeTo).sort()).toEqual(["admin@example.com", "secops@example.com"]);
  });

  it("gathers matching events into one message per window and target, sent when the window is over", async () => {
    await createRule(relay, {
      name: "batched",
      position: 1,
      digestWindowSeconds: 2,
      digestGroupBy: "PRODUCT",
      targets: [{ channel: "SLACK", slackChannel: "#digest" }],
    });
    const first = Date.now();
    await relay.postWebhook("scan_added", scan);
    await relay.postWebhook("engagement_added", webhookFixture("engagement_added"));
    await relay.postWebhook("product_added", productAdded(5, "other prod"));
    await relay.postWebhook("test_added", webhookFixture("test_added"));

    const messages = await eventually(() => (slackTo(peers, "#digest").length === 2 ? slackTo(peers, "#digest") : undefined), 15_000);
    // Not before the window was over, and within a few seconds after it.
    for (const message of messages) {
      expect(message.at - first).toBeGreaterThanOrEqual(2000);
      expect(message.at - first).toBeLessThan(2000 + 5000);
    }
    const texts = messages.map(slackText);
    const product4 = texts.find((text) => text.includes("notif prod"))!;
    expect(product4).toContain("3 notifications");
    expect(product4).toContain(CRITICAL_TITLE);
    expect(texts.find((text) => !text.includes("notif prod"))).toContain("1 notification");
    // No message per event went out on the side: once every delivery is sent, the two digests are all there are.
    const rows = await eventually(async () => {
      const nodes = (await relay.graphql<{ deliveries: { edges: Array<{ node: Row }> } }>(DELIVERIES)).data!.deliveries.edges.map((edge) => edge.node);
      return nodes.length >= 2 && nodes.every((row) => row.status === "SENT") ? nodes : undefined;
    });
    expect(rows.map((row) => [row.channel, row.target])).toEqual([["SLACK", "#digest"], ["SLACK", "#digest"]]);
    expect(slackTo(peers, "#digest")).toHaveLength(2);
    expect(slackTo(peers, "#security")).toEqual([]);
  });

  it("keeps an open window across a restart and sends it when it is over", async () => {
    await createRule(relay, { name: "batched", position: 1, digestWindowSeconds: 3, targets: [{ channel: "SLACK", slackChannel: "#digest" }] });
    const first = Date.now();
    await relay.postWebhook("scan_added", scan);
    // Once the fan-out worker has placed the event in its window, stop the bridge.
    const database = new Sqlite(relay.databasePath, { readonly: true });
    try {
      await eventually(() => ((database.prepare("SELECT count(*) AS n FROM digest_item").get() as { n: number }).n === 1 ? true : undefined));
    } finally {
      database.close();
    }
    const stopped = relay;
    await stopped.relay.close();
    expect(slackTo(peers, "#digest")).toEqual([]);

    relay = await startTestRelay(peers, { databasePath: stopped.databasePath });
    try {
      await relay.postWebhook("product_added", productAdded(5, "other prod"));
      const [message] = await eventually(() => (slackTo(peers, "#digest").length === 1 ? slackTo(peers, "#digest") : undefined), 15_000);
      expect(message.at - first).toBeGreaterThanOrEqual(3000);
      expect(slackText(message)).toContain("2 notifications");
    } finally {
      await relay.close();
      relay = stopped; // its close() also removes the database directory
    }
  });
});
