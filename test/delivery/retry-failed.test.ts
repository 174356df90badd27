import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";

type Row = { id: string; channel: string; status: string; attempts: number; lastError: string | null };
const SLACK_ROWS = `{ deliveries(first: 10) { edges { node { id channel status attempts lastError } } } }`;

describe("retrying a FAILED delivery", () => {
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

  const slackRow = async () => {
    const result = await relay.graphql<{ deliveries: { edges: Array<{ node: Row }> } }>(SLACK_ROWS);
    return result.data!.deliveries.edges.map((edge) => edge.node).find((row) => row.channel === "SLACK")!;
  };

  it("sends it again once the cause is fixed, from a fresh first attempt", async () => {
    // A permanent error: Slack does not know the channel.
    peers.slack.failNext([{ body: { ok: false, error: "channel_not_found" } }]);
    await relay.postWebhook("product_added", webhookFixture("product_added"));
    const failed = await eventually(async () => ((await slackRow())?.status === "FAILED" ? slackRow() : undefined));
    expect(failed).toMatchObject({ attempts: 1, lastError: expect.stringContaining("channel_not_found") });

    const retried = await relay.graphql(`mutation($id: ID!) { retryDelivery(id: $id) { status attempts } }`, { id: failed.id });
    expect(retried.data).toEqual({ retryDelivery: { status: "PENDING", attempts: 0 } });
    const sent = await eventually(async () => ((await slackRow()).status === "SENT" ? slackRow() : undefined));
    expect(sent).toMatchObject({ id: failed.id, attempts: 1, lastError: null });
    expect(peers.slack.callsOf("chat.postMessage")).toHaveLength(2);
  });
});
