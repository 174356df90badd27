import { Client } from "pg";
import { rawRequest } from "../support/http-client";
import { describePostgres, freshPostgresDatabase } from "../support/postgres";
import { scrape } from "../support/prometheus-text";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";
import { CHANNELS, receivedTags, taggedProductAdded } from "../support/tagged-messages";
import { WORK_CHANNEL } from "../../src/storage/work-signal";

/**
 * RELAY_ROLE on one PostgreSQL database: a web process takes webhooks and GraphQL and sends nothing,
 * a worker process sends what it stored, told at once over LISTEN/NOTIFY.
 */

const DELIVERIES = "dojo_relay_deliveries_total";
/** Far longer than the test waits: the worker finds new work only because it is told of it. */
const WORKER_POLL_MS = 10 * 60_000;

describePostgres("RELAY_ROLE=web and RELAY_ROLE=worker on one PostgreSQL database", () => {
  let peers: Peers;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let web: RunningRelay;
  let worker: RunningRelay;

  beforeEach(async () => {
    peers = await startPeers();
    database = await freshPostgresDatabase();
    const env = (role: string) => ({ DATABASE_URL: database.url, RELAY_ROLE: role });
    web = await startTestRelay(peers, { env: env("web") });
    worker = await startTestRelay(peers, { env: env("worker"), pollIntervalMs: WORKER_POLL_MS });
    await web.configureAllChannels();
  });
  afterEach(async () => {
    await web.close();
    await worker.close();
    await database.drop();
    await peers.close();
  });

  const post = async (tag: string, from: number, count: number) => {
    for (let n = from; n < from + count; n++) {
      const response = await web.postWebhook("product_added", taggedProductAdded(tag, n, 500_000));
      expect(response.status).toBe(202);
    }
  };
  const allReceived = (tag: string, count: number) => () =>
    CHANNELS.every((channel) => new Set(receivedTags(peers, tag)[channel]).size === count) ? true : undefined;

  it("sends from the worker what the web process took, at once, and nothing from the web process", async () => {
    await post("split", 0, 20);
    await eventually(allReceived("split", 20), 15_000);
    // Slack, Teams and one mail (to both recipients) for each event, counted once recorded (just
    // after the stand-ins have them), all by the worker.
    await eventually(async () => ((await scrape(worker.relay.url)).value(DELIVERIES, { outcome: "sent" }) === 20 * 3 ? true : undefined), 15_000);
    expect((await scrape(web.relay.url)).value(DELIVERIES)).toBe(0);
    for (const channel of CHANNELS) expect(receivedTags(peers, "split")[channel]).toHaveLength(20);
  });

  it("serves only health, readiness and metrics from the worker, and takes requests on the web process", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      expect((await rawRequest(`${worker.relay.url}${path}`, { method: "GET" })).status).toBe(200);
    }
    const webhook = await rawRequest(`${worker.relay.url}/webhooks/defectdojo`, { body: "{}" });
    expect(webhook.status).toBe(404);
    expect((await rawRequest(`${worker.relay.url}/graphql`, { body: "{}" })).status).toBe(404);
    expect((await web.graphql("{ systemSettings { enableSlackNotifications } }")).data).toEqual({
      systemSettings: { enableSlackNotifications: true },
    });
  });

  it("hears of new work again after its listening connection is cut", async () => {
    await post("before", 0, 1);
    await eventually(allReceived("before", 1), 15_000);
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    try {
      const cut = await pg.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = $1",
        [`LISTEN ${WORK_CHANNEL}`],
      );
      expect(cut.rowCount).toBe(1);
      // Connected and listening again (within a second, see RECONNECT_MS).
      await eventually(async () => {
        const listening = await pg.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = $1", [
          `LISTEN ${WORK_CHANNEL}`,
        ]);
        return listening.rowCount === 1 ? true : undefined;
      }, 10_000);
    } finally {
      await pg.end();
    }
    // Other products than before's: the same one again would be a duplicate.
    await post("after", 1, 5);
    await eventually(allReceived("after", 5), 15_000);
  });
});
