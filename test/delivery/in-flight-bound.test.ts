import { Channel } from "../../src/vocabulary/channel";
import { claimDue, storeEvent } from "../../src/delivery/outbox";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { FanoutStatus } from "../../src/storage/entities/event.entity";
import { migratedDatabase } from "../support/database";
import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";

const PER_TARGET = 3;
const EVENTS = 24;

/** A product_added whose product id and title are its own, so each is a new event. */
function productAdded(n: number) {
  const body = webhookFixture("product_added");
  const product = body.product as Record<string, unknown>;
  return { ...body, title: `bound-${n}`, product: { ...product, id: 10_000 + n, name: `bound-${n}` } };
}

async function postProducts(relay: RunningRelay, count: number) {
  for (let n = 0; n < count; n++) expect((await relay.postWebhook("product_added", productAdded(n))).status).toBe(202);
}

describe("the per-target in-flight bound", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers();
    relay = await startTestRelay(peers, {
      env: { DELIVERY_MAX_IN_FLIGHT_PER_TARGET: String(PER_TARGET), DELIVERY_CONCURRENCY: "32" },
    });
    await relay.configureAllChannels();
  });
  afterEach(async () => {
    await relay.close();
    await peers.close();
  });

  it("reaches the bound on each target and never passes it, while targets send side by side", async () => {
    // Each HTTP stand-in holds its answers until the bound is in flight to it: the bound is reached
    // by construction, not by timing, and a bridge that passed it would show a higher peak.
    peers.slack.concurrency.holdUntilInFlight(PER_TARGET);
    peers.teams.concurrency.holdUntilInFlight(PER_TARGET);
    peers.slack.delayAnswers(20);
    peers.teams.delayAnswers(20);
    peers.smtp.delayAnswers(20);
    await postProducts(relay, EVENTS);
    await eventually(
      () => (peers.slack.calls.length === EVENTS && peers.teams.requests.length === EVENTS && peers.smtp.messages.length === EVENTS ? true : undefined),
      20_000,
    );

    expect(peers.slack.concurrency.peak).toEqual(new Map([["#security", PER_TARGET]]));
    expect([...peers.teams.concurrency.peak.values()]).toEqual([PER_TARGET]);
    expect([...peers.smtp.concurrency.peak.values()][0]).toBeLessThanOrEqual(PER_TARGET);

    // Per target, not in all: while Slack held its three, Teams had its own three in flight.
    const spans = [
      ...peers.slack.calls.map((call) => [call.at, call.answeredAt!]),
      ...peers.teams.requests.map((request) => [request.at, request.answeredAt!]),
    ];
    const busiest = Math.max(...spans.map(([start]) => spans.filter(([from, to]) => from <= start && start < to).length));
    expect(busiest).toBeGreaterThan(PER_TARGET);
  });

  it("keeps sending to a fast target while a slow one holds all of its slots", async () => {
    const releaseTeams = peers.teams.concurrency.hold();
    await postProducts(relay, 6);
    // Every Slack message goes out while Teams holds its first answers ...
    await eventually(() => (peers.slack.callsOf("chat.postMessage").length === 6 ? true : undefined), 10_000);
    await eventually(() => (peers.teams.requests.length === PER_TARGET ? true : undefined), 10_000);
    // ... and Teams, its slots full, gets nothing more until they are answered.
    expect(peers.teams.requests.every((request) => request.answeredAt === undefined)).toBe(true);
    expect(peers.teams.requests).toHaveLength(PER_TARGET);
    releaseTeams();
    await eventually(() => (peers.teams.requests.length === 6 ? true : undefined), 10_000);
    expect([...peers.teams.concurrency.peak.values()]).toEqual([PER_TARGET]);
  });
});

describe("claimDue with a per-target bound", () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  beforeEach(async () => {
    database = await migratedDatabase();
    // Six Slack rows, then three mail rows, oldest first.
    const event = parseWebhookPayload("product_added", null, webhookFixture("product_added"));
    const routes = [...Array(6).fill({ channel: Channel.SLACK, target: "#a" }), ...Array(3).fill({ channel: Channel.MAIL, target: "x@example.com" })];
    for (const [n, route] of routes.entries()) {
      await storeEvent(
        database.db,
        { event, source: "webhook", idempotencyKeys: [`k${n}`], receivedAt: 1000 + n, fanout: FanoutStatus.NONE },
        async () => [{ ...route, recipientUserId: null }],
      );
    }
  });
  afterEach(() => database.close());
  const targetsOf = (rows: Array<{ channel: string }>) => rows.map((row) => row.channel);

  it("takes no target past the bound, counting the rows already in flight, and reaches past a full target", async () => {
    const bound = { max: 2, inFlight: new Map([["SLACK|#a", 1]]) };
    expect(targetsOf(await claimDue(database.db, 3, 2000, 30_000, bound))).toEqual(["SLACK", "MAIL", "MAIL"]);
  });

  it("leaves a target that is full already out of the read", async () => {
    const bound = { max: 2, inFlight: new Map([["SLACK|#a", 2]]) };
    expect(targetsOf(await claimDue(database.db, 10, 2000, 30_000, bound))).toEqual(["MAIL", "MAIL"]);
    // What it leased is taken: the third mail row is all that is left for mail.
    expect(targetsOf(await claimDue(database.db, 10, 2000, 30_000, { max: 2, inFlight: new Map() }))).toEqual(["SLACK", "SLACK", "MAIL"]);
  });
});
