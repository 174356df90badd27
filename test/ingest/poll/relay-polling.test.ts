import { rawRequest } from "../../support/http-client";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../../support/relay-harness";
import { webhookFixture } from "../../support/fixtures";

/** The bridge as deployed: POLL_CRON every second, DefectDojo's API and the channels as real servers. */
describe("polling in the running bridge", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers();
    peers.dojo.addProductType({ id: 4, name: "notif prod type" });
    relay = await startTestRelay(peers, { env: { POLL_CRON: "* * * * * *" } });
    await relay.configureAllChannels();
  });
  afterEach(async () => {
    await relay.close();
    await peers.close();
  });

  const pollerStatus = async () =>
    (await relay.graphql<{ pollerStatus: Array<{ resource: string; lastRunAt: string | null; eventsFound: number }> }>(
      `{ pollerStatus { resource lastRunAt eventsFound } }`,
    )).data!.pollerStatus;

  it("delivers what it finds, once, and a late webhook for the same object is a duplicate", async () => {
    await eventually(async () => ((await pollerStatus()).every((row) => row.lastRunAt !== null) ? true : undefined));
    peers.dojo.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });

    const message = await eventually(() => peers.slack.callsOf("chat.postMessage")[0]);
    expect(String(message.args.text)).toContain("notif prod");
    const late = await relay.postWebhook("product_added", webhookFixture("product_added"));
    expect(late.status).toBe(200);
    expect(JSON.parse(late.body).status).toBe("duplicate");
    // A few more polls find nothing new.
    const runs = peers.dojo.callsTo("products");
    await eventually(() => (peers.dojo.callsTo("products") >= runs + 2 ? true : undefined));
    expect(peers.slack.callsOf("chat.postMessage")).toHaveLength(1);
    expect((await pollerStatus()).find((row) => row.resource === "products")!.eventsFound).toBe(1);
  });

  it("reports on /healthz when DefectDojo refuses the key", async () => {
    await eventually(async () => ((await pollerStatus()).every((row) => row.lastRunAt !== null) ? true : undefined));
    peers.dojo.removeToken(peers.dojo.serviceToken);
    const health = await eventually(async () => {
      const body = JSON.parse((await rawRequest(`${relay.relay.url}/healthz`, { method: "GET" })).body);
      return body.poller === "unauthorized" ? body : undefined;
    });
    expect(health.status).toBe("degraded");
    // Security review (issue 17): unauthenticated, so states only, no error text.
    expect(health).toEqual({ status: "degraded", database: "ok", poller: "unauthorized" });
  });
});
