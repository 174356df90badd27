import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";
import { eventLoopPressure } from "../../src/delivery/ingest-first";

const PER_TARGET = 8;

/**
 * Keeps this thread busy nearly all the time, as a burst of webhooks does, until stopped: 20 ms of
 * work, then a turn of the event loop (I/O and timers still run in between).
 */
function busyLoop(): () => void {
  let stopped = false;
  const work = () => {
    if (stopped) return;
    const until = Date.now() + 20;
    while (Date.now() < until) {
      // busy on purpose
    }
    setImmediate(work);
  };
  work();
  return () => (stopped = true);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("ingest first: deliveries give way while the event loop is busy", () => {
  it("tells a busy event loop from an idle one", async () => {
    const pressure = eventLoopPressure();
    // Waits for each state rather than sleeping a fixed time: on a loaded machine this thread may
    // itself be busy (loading, collecting garbage) for a while at any moment.
    const becomes = (busy: boolean) => eventually(() => (pressure.busy() === busy ? true : undefined), 10_000);
    try {
      await becomes(false);
      const stop = busyLoop();
      try {
        await becomes(true);
      } finally {
        stop();
      }
      await becomes(false);
    } finally {
      pressure.stop();
    }
  });

  describe("through the bridge", () => {
    let peers: Peers;
    let relay: RunningRelay;
    beforeEach(async () => {
      peers = await startPeers();
      relay = await startTestRelay(peers, { env: { DELIVERY_MAX_IN_FLIGHT_PER_TARGET: String(PER_TARGET), DELIVERY_CONCURRENCY: "32" } });
      await relay.configureAllChannels();
    });
    afterEach(async () => {
      await relay.close();
      await peers.close();
    });

    const heldAtSlackAndTeams = () =>
      peers.slack.callsOf("chat.postMessage").filter((call) => call.answeredAt === undefined).length +
      peers.teams.requests.filter((request) => request.answeredAt === undefined).length;

    it("keeps at most 4 sends in flight while busy, and fills every target's slots once it is not", async () => {
      const releaseSlack = peers.slack.concurrency.hold();
      const releaseTeams = peers.teams.concurrency.hold();
      for (let n = 0; n < 12; n++) {
        const body = webhookFixture("product_added");
        const product = body.product as Record<string, unknown>;
        expect((await relay.postWebhook("product_added", { ...body, title: `busy-${n}`, product: { ...product, id: 20_000 + n, name: `busy-${n}` } })).status).toBe(202);
      }
      const stop = busyLoop();
      try {
        // Sends already started may stay in flight; no new one starts past 4 in all while busy.
        await sleep(300);
        const before = heldAtSlackAndTeams();
        await sleep(1500);
        expect(heldAtSlackAndTeams()).toBeLessThanOrEqual(Math.max(before, 4));
      } finally {
        stop();
      }
      // Idle again: both held targets fill up to their bound.
      await eventually(() => (heldAtSlackAndTeams() === 2 * PER_TARGET ? true : undefined), 10_000);
      releaseSlack();
      releaseTeams();
      await eventually(() => (peers.slack.callsOf("chat.postMessage").length === 12 && peers.teams.requests.length === 12 ? true : undefined), 20_000);
    });
  });
});
