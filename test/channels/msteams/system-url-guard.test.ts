import { webhookFixture } from "../../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../../support/relay-harness";

type Row = { event: string; channel: string; status: string; lastError: string | null };
const DELIVERIES = `{ deliveries(first: 20) { edges { node { event channel status lastError } } } }`;

/**
 * Security review (issue 17): a superuser's Teams URLs (system settings, routing rules) reached any
 * address. Without SYSTEM_WEBHOOK_ALLOWLIST (the harness sets it for the Teams stand-in on
 * 127.0.0.1), a private address is refused: an IP literal when it is set, a name when it is sent to.
 */
describe("superusers' Teams URLs without SYSTEM_WEBHOOK_ALLOWLIST", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers();
    relay = await startTestRelay(peers, { env: { SYSTEM_WEBHOOK_ALLOWLIST: "", POLL_CRON: "off" } });
  });
  afterEach(async () => {
    await relay.close();
    await peers.close();
  });

  it("refuses the stand-in's 127.0.0.1 URL when it is set", async () => {
    const result = await relay.graphql(`mutation($url: String!) { updateSystemSettings(input: { msteamsUrl: $url }) { msteamsUrlSet } }`, {
      url: peers.teams.url,
    });
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    expect(result.errors?.[0].message).toMatch(/127\.0\.0\.1, which is not a public address.*SYSTEM_WEBHOOK_ALLOWLIST/);
    expect(result.raw).not.toContain(peers.teams.sig);
  });

  it("refuses a rule's URL whose name resolves to loopback when it sends, posting nothing", async () => {
    const created = await relay.graphql(`mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { id } }`, {
      input: { name: "teams", position: 1, targets: [{ channel: "MSTEAMS", msteamsUrl: peers.teams.url.replace("127.0.0.1", "localhost") }] },
    });
    expect(created.errors).toBeUndefined();
    expect((await relay.postWebhook("product_added", webhookFixture("product_added"))).status).toBe(202);

    const row = await eventually(async () => {
      const result = await relay.graphql<{ deliveries: { edges: Array<{ node: Row }> } }>(DELIVERIES);
      return result.data!.deliveries.edges.map((edge) => edge.node).find((node) => node.channel === "MSTEAMS" && node.status === "FAILED");
    });
    expect(row.lastError).toMatch(/localhost resolves to .*, which is not a public address/);
    expect(row.lastError).not.toContain(peers.teams.sig);
    expect(peers.teams.requests).toHaveLength(0);
  });
});
