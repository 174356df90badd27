import { existsSync } from "node:fs";
import { Client } from "pg";
import { freePort, MAIN, spawnRelay, waitForHealth, ChildRelay } from "../support/child-relay";
import { rawRequest } from "../support/http-client";
import { eventually, Peers, relayEnv, startPeers, SUPERUSER_TOKEN, WEBHOOK_SECRET } from "../support/relay-harness";
import { describePostgres, freshPostgresDatabase } from "../support/postgres";
import { SLACK_PEER_TOKEN } from "../peers/slack-peer";
import { CHANNELS, ChannelName, countRedeliveries, receivedTags, taggedProductAdded } from "../support/tagged-messages";
import { tempDir } from "../support/temp-dir";

/**
 * Three built bridges (`dist/src/main.js`, each its own process) sharing one PostgreSQL database
 * behind no load balancer: webhooks go to each in turn, one is killed -9 mid-delivery, and the
 * others finish its work, send nothing twice but what it had in flight, and take over polling.
 */

const REPLICAS = 3;
const EVENTS = 2000;
/** DELIVERY_MAX_IN_FLIGHT_PER_TARGET's default: what one replica may have in flight per target. */
const PER_TARGET_BOUND = 8;
/** The bound on the poller's failover. */
const POLLER_FAILOVER_MS = 15_000;

interface Replica {
  process: ChildRelay;
  url: string;
  pid: number;
}

function report(line: string) {
  process.stdout.write(`[replicas] ${line}\n`);
}

describePostgres("several bridges on one PostgreSQL database", () => {
  let peers: Peers;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let pg: Client;
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  const replicas: Replica[] = [];

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run the tests with \`npm test\`, which builds first`);
  });
  beforeEach(async () => {
    peers = await startPeers();
    database = await freshPostgresDatabase();
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });
  afterEach(async () => {
    for (const replica of replicas.splice(0)) replica.process.child.kill("SIGKILL");
    await Promise.all(replicas.map((replica) => replica.process.exited));
    await pg.end();
    await database.drop();
    await peers.close();
    for (const dir of dirs.splice(0)) dir.cleanup();
  });

  const startReplica = async (): Promise<Replica> => {
    const dir = tempDir();
    dirs.push(dir);
    const port = await freePort();
    const env = relayEnv(peers, "unused", {
      DATABASE_URL: database.url,
      PORT: String(port),
      // Every second, so that the poller's failover shows within the test.
      POLL_CRON: "* * * * * *",
      LOG_LEVEL: "info",
    });
    const child = spawnRelay(dir.path, env);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, child);
    const replica = { process: child, url, pid: child.child.pid! };
    replicas.push(replica);
    return replica;
  };

  const query = async <T>(text: string, params: unknown[] = []) => (await pg.query(text, params)).rows as T[];
  const sentCount = async () =>
    (
      await query<{ n: number }>(
        "SELECT COUNT(*)::int AS n FROM delivery d JOIN event e ON e.id = d.event_id WHERE e.source = 'webhook' AND d.status = 'SENT'",
      )
    )[0].n;
  const pollerHolder = async () => (await query<{ holder: string; expires_at: string }>("SELECT holder, expires_at FROM leader_lease WHERE name = 'poller'"))[0];
  const pidOf = (holder: string) => Number(holder.split(":")[1]);

  it("delivers every event once across a kill -9 of the replica that polls, which another replica takes over", async () => {
    const [first, ...others] = [await startReplica(), await startReplica(), await startReplica()];
    const configured = await rawRequest(`${first.url}/graphql`, {
      headers: { "Content-Type": "application/json", Authorization: `Token ${SUPERUSER_TOKEN}` },
      body: JSON.stringify({
        query: `mutation($input: SystemSettingsInput!) { updateSystemSettings(input: $input) { slackTokenSet } }`,
        variables: {
          input: {
            enableSlackNotifications: true,
            slackChannel: "#security",
            slackToken: SLACK_PEER_TOKEN,
            enableMsteamsNotifications: true,
            msteamsUrl: peers.teams.url,
            enableMailNotifications: true,
            mailNotificationsTo: ["secops@example.com"],
          },
        },
      }),
    });
    expect(JSON.parse(configured.body)).toEqual({ data: { updateSystemSettings: { slackTokenSet: true } } });

    // One replica holds the poller lease; the others stand by.
    await eventually(async () => ((await pollerHolder()) ? true : undefined), 10_000);
    const leaderPid = pidOf((await pollerHolder()).holder);
    const leader = replicas.find((replica) => replica.pid === leaderPid)!;
    expect(leader).toBeDefined();

    // Slow answers while posting, so that most deliveries are still to come at the kill.
    for (const peer of [peers.slack, peers.teams, peers.smtp]) peer.delayAnswers(100);
    let next = 0;
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        while (next < EVENTS) {
          const n = next++;
          const response = await rawRequest(`${replicas[n % REPLICAS].url}/webhooks/defectdojo`, {
            headers: { "Content-Type": "application/json", "X-DefectDojo-Event": "product_added", Authorization: WEBHOOK_SECRET },
            body: JSON.stringify(taggedProductAdded("replica", n, 300_000)),
          });
          expect(response.status).toBe(202);
        }
      }),
    );
    const total = EVENTS * CHANNELS.length;
    report(`posted ${EVENTS} events`);
    expect((await query<{ n: number }>("SELECT COUNT(*)::int AS n FROM delivery"))[0].n).toBe(total);

    const receivedCount = () => Object.values(receivedTags(peers, "replica")).flat().length;
    for (const peer of [peers.slack, peers.teams, peers.smtp]) peer.delayAnswers(3);
    await eventually(() => (receivedCount() >= total / 3 ? true : undefined), 60_000);

    leader.process.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await leader.process.exited).toBeNull();
    // Claimed and not yet recorded, by any replica: the killed one's stay so until their lease ends.
    const inFlight = await query<{ channel: ChannelName; title: string }>(
      `SELECT d.channel, e.title FROM delivery d JOIN event e ON e.id = d.event_id
        WHERE d.status IN ('PENDING', 'RETRYING') AND d.lease_expires_at IS NOT NULL`,
    );
    const receivedAtKill = receivedCount();

    // The poller moves to a live replica within the bound, and polls: a product made now is announced.
    await eventually(async () => {
      const holder = await pollerHolder();
      return holder && pidOf(holder.holder) !== leader.pid && Number(holder.expires_at) > Date.now() ? true : undefined;
    }, POLLER_FAILOVER_MS + 5_000);
    const tookOverAfter = Date.now() - killedAt;
    expect(tookOverAfter).toBeLessThan(POLLER_FAILOVER_MS);
    expect(others.map((replica) => replica.pid)).toContain(pidOf((await pollerHolder()).holder));
    peers.dojo.addProductType({ id: 77, name: "failover type", created: new Date().toISOString() });
    peers.dojo.addProduct({ id: 777_777, name: "made-after-failover", productTypeId: 77, created: new Date().toISOString() });

    // A crashed replica's rows come back when their 30 s lease ends: all SENT well within 60 s more.
    await eventually(async () => ((await sentCount()) === total ? true : undefined), 90_000).catch(async (error: Error) => {
      // Say what is left, so that a failure shows why: rows still leased, retrying, or never claimed.
      const left = await query(
        `SELECT status, attempts, last_error, lease_expires_at IS NOT NULL AS leased, COUNT(*)::int AS n FROM delivery
          WHERE status <> 'SENT' GROUP BY 1, 2, 3, 4 ORDER BY n DESC LIMIT 10`,
      );
      throw new Error(`${error.message}; ${total - (await sentCount())} not SENT ${Date.now() - killedAt} ms after the kill: ${JSON.stringify(left)}`);
    });
    const doneAfter = Date.now() - killedAt;
    await eventually(
      () => (peers.slack.callsOf("chat.postMessage").some((call) => String(call.args.text).includes("made-after-failover")) ? true : undefined),
      30_000,
    );

    const inFlightKeys = new Set(inFlight.map((row) => `${row.channel} ${row.title}`));
    const duplicates = countRedeliveries(receivedTags(peers, "replica"), inFlightKeys, EVENTS);
    // The killed replica had at most its own bound in flight: 8 per target, 3 targets.
    expect(duplicates).toBeLessThanOrEqual(PER_TARGET_BOUND * CHANNELS.length);
    // Each event was stored once, whichever replica it reached.
    expect((await query<{ n: number }>("SELECT COUNT(*)::int AS n FROM event WHERE name = 'product_added' AND source = 'webhook'"))[0].n).toBe(EVENTS);
    report(
      `${total} deliveries through ${REPLICAS} replicas; leader killed with ${receivedAtKill} received and ${inFlight.length} rows in flight ` +
        `(all replicas); poller taken over after ${tookOverAfter} ms; all SENT ${doneAfter} ms after the kill; ${duplicates} received twice`,
    );
  }, 240_000);
});
