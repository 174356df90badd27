import { PERSONAL_MAX_IN_FLIGHT_PER_TARGET } from "../../src/delivery/delivery-worker";
import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";

const EVENTS = 6;

function productAdded(n: number) {
  const body = webhookFixture("product_added");
  const product = body.product as Record<string, unknown>;
  return { ...body, title: `slow-${n}`, product: { ...product, id: 20_000 + n, name: `slow-${n}` } };
}

/**
 * Security review (issue 17): a user's own webhook may answer slowly on purpose; with the general
 * per-target bound (8) it held that many of the worker's slots. A personal target gets at most
 * PERSONAL_MAX_IN_FLIGHT_PER_TARGET, whatever DELIVERY_MAX_IN_FLIGHT_PER_TARGET says.
 */
describe("the in-flight bound of a personal target", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers();
    peers.dojo.addProductType({ id: 4, name: "notif prod type" });
    for (let n = 0; n < EVENTS; n++) peers.dojo.addProduct({ id: 20_000 + n, name: `slow-${n}`, productTypeId: 4 });
    relay = await startTestRelay(peers, {
      env: { PERSONAL_WEBHOOK_ALLOWLIST: `${new URL(peers.teams.url).origin}/workflows/`, DELIVERY_MAX_IN_FLIGHT_PER_TARGET: "8", POLL_CRON: "off" },
    });
    await relay.configureAllChannels();
    const personalUrl = peers.teams.url.replace("/workflows/0a1b2c/", "/workflows/admin/");
    const contact = await relay.graphql(`mutation($url: String!) { updateMyContact(input: { msteamsUrl: $url }) { contact { msteamsUrlSet } } }`, {
      url: personalUrl,
    });
    expect(contact.errors).toBeUndefined();
    const subscribed = await relay.graphql(`mutation { setMyNotification(event: PRODUCT_ADDED, channels: [MSTEAMS]) { event } }`);
    expect(subscribed.errors).toBeUndefined();
  });
  afterEach(async () => {
    await relay.close();
    await peers.close();
  });

  it(`keeps at most ${PERSONAL_MAX_IN_FLIGHT_PER_TARGET} sends in flight to a user's slow webhook, while the system target gets its own bound`, async () => {
    const release = peers.teams.concurrency.hold();
    for (let n = 0; n < EVENTS; n++) expect((await relay.postWebhook("product_added", productAdded(n))).status).toBe(202);
    const personalPath = new URL(peers.teams.url.replace("/workflows/0a1b2c/", "/workflows/admin/")).pathname;
    const systemPath = new URL(peers.teams.url).pathname;
    // Every system row is in flight (6 of 8 allowed) while the answers are held: the worker had every chance.
    await eventually(() => (peers.teams.concurrency.inFlight(systemPath) === EVENTS && peers.teams.concurrency.inFlight(personalPath) > 0 ? true : undefined), 15_000);
    // Personal rows were stored with their events, due as long: the worker could have claimed them all.
    await eventually(async () => {
      const rows = await relay.graphql<{ deliveries: { edges: unknown[] } }>(`{ deliveries(first: 50) { edges { node { id } } } }`);
      return rows.data!.deliveries.edges.length >= 2 * EVENTS ? true : undefined;
    });
    // The bound is reached (on a loaded machine the second claim can come late)...
    await eventually(() => (peers.teams.concurrency.inFlight(personalPath) === PERSONAL_MAX_IN_FLIGHT_PER_TARGET ? true : undefined), 15_000);
    // ...then not a wait for something to happen but a chance for what must not: the worker claims every 100 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(peers.teams.concurrency.inFlight(personalPath)).toBe(PERSONAL_MAX_IN_FLIGHT_PER_TARGET);
    release();
    await eventually(() => (peers.teams.requests.length === 2 * EVENTS ? true : undefined), 15_000);
    expect(peers.teams.concurrency.peak.get(personalPath)).toBe(PERSONAL_MAX_IN_FLIGHT_PER_TARGET);
    expect(peers.teams.concurrency.peak.get(systemPath)).toBe(EVENTS);
  });
});
