import { webhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";
import { ingestPressure } from "../../src/delivery/ingest-first";

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

describe("ingest first: fan-out and deliveries give way while webhooks wait", () => {
  it("counts as busy only while webhooks come in on a busy event loop", async () => {
    const pressure = ingestPressure();
    // Waits for each state rather than sleeping a fixed time: on a loaded machine this thread may
    // itself be busy (loading, collecting garbage) for a while at any moment.
    const becomes = (busy: boolean) => eventually(() => (pressure.busy() === busy ? true : undefined), 10_000);
    let arriving: NodeJS.Timeout | undefined;
    try {
      await becomes(false);
      const stop = busyLoop();
      try {
        // Busy with its own work (a backlog draining): not held back.
        await sleep(500);
        expect(pressure.busy()).toBe(false);
        arriving = setInterval(() => pressure.webhookArrived(), 10);
        await becomes(true);
        clearInterval(arriving);
        await becomes(false);
      } finally {
        stop();
      }
      // Webhooks on an idle loop: answered at once, nothing to give way to.
      arriving = setInterval(() => pressure.webhookArrived(), 10);
      await sleep(500);
      expect(pressure.busy()).toBe(false);
    } finally {
      clearInterval(arriving);
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
    const productAdded = (n: number) => {
      const body = webhookFixture("product_added");
      const product = body.product as Record<string, unknown>;
      return { ...body, title: `busy-${n}`, product: { ...product, id: 20_000 + n, name: `busy-${n}` } };
    };
    const delivered = (count: number) =>
      eventually(() => (peers.slack.callsOf("chat.postMessage").length === count && peers.teams.requests.length === count ? true : undefined), 20_000);

    it("keeps at most 4 sends in flight while webhooks wait on a busy loop, and fills every target's slots once they stop", async () => {
      // Webhooks that keep coming without adding work: repeats of one event, answered as duplicates.
      const repeated = productAdded(0);
      expect((await relay.postWebhook("product_added", repeated)).status).toBe(202);
      await delivered(1);
      const releaseSlack = peers.slack.concurrency.hold();
      const releaseTeams = peers.teams.concurrency.hold();
      const repeats: Array<Promise<{ status: number }>> = [];
      const news: Array<Promise<{ status: number }>> = [];
      let repeating: NodeJS.Timeout | undefined;
      const stop = busyLoop();
      try {
        repeating = setInterval(() => repeats.push(relay.postWebhook("product_added", repeated)), 20);
        await sleep(500);
        for (let n = 1; n <= 12; n++) news.push(relay.postWebhook("product_added", productAdded(n)));
        await sleep(1500);
        // Without giving way, each held target would have PER_TARGET sends in flight.
        expect(heldAtSlackAndTeams()).toBeLessThanOrEqual(4);
        // The webhooks stop; the loop stays busy (its own work): both held targets fill up to their bound.
        clearInterval(repeating);
        await eventually(() => (heldAtSlackAndTeams() === 2 * PER_TARGET ? true : undefined), 10_000);
      } finally {
        clearInterval(repeating);
        stop();
      }
      expect(new Set((await Promise.all(news)).map((answer) => answer.status))).toEqual(new Set([202]));
      expect(new Set((await Promise.all(repeats)).map((answer) => answer.status))).toEqual(new Set([200]));
      releaseSlack();
      releaseTeams();
      await delivered(13);
    });
  });
});
