import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";

describe("message templates at delivery", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers();
    relay = await startTestRelay(peers);
    await relay.configureAllChannels();
  });
  afterEach(async () => {
    await relay.close();
    await peers.close();
  });

  it("renders the administrator's template for its event and channel only, still escaped", async () => {
    const set = await relay.graphql(
      `mutation($input: MessageTemplateInput!) { setMessageTemplate(input: $input) { event channel } }`,
      { input: { event: "SCAN_ADDED", channel: "SLACK", title: "{{product}}: {{severity_counts}} <!channel>", text: "Imported into {{engagement}}" } },
    );
    expect(set.errors).toBeUndefined();
    await relay.postWebhook("scan_added", webhookFixture("scan_added"));
    await relay.postWebhook("product_added", webhookFixture("product_added"));
    const slack = await eventually(() => {
      const calls = peers.slack.callsOf("chat.postMessage");
      return calls.length === 2 ? calls : undefined;
    });
    await eventually(() => (peers.teams.requests.length === 2 ? true : undefined));

    const [scan, product] = [slack.find((call) => String(call.args.text).startsWith("Scan Added"))!, slack.find((call) => String(call.args.text).startsWith("Product Added"))!];
    expect(scan.args.text).toBe("Scan Added: notif prod: 1 Critical, 1 Low &lt;!channel&gt;\nImported into notif eng");
    expect(JSON.stringify(scan.args.blocks)).not.toContain("<!channel>");
    // Another event, and the same event on another channel, keep DefectDojo's own wording.
    expect(product.args.text).toBe("Product Added: notif prod\nProduct notif prod has been created successfully.");
    const teamsScan = peers.teams.requests.find((request) => request.raw.includes("Scan Added"))!;
    expect(teamsScan.raw).toContain("Created/Updated 4 findings for notif prod");
    expect(teamsScan.raw).not.toContain("Imported into");
  });
});
