import "reflect-metadata";
import autocannon from "autocannon";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DojoPeer, startDojoPeer } from "../test/peers/dojo-peer";
import { productAlertBody, startAlertmanager } from "./alertmanager";
import { EVENT_LOOP_SAMPLE_MS } from "../src/metrics/metrics";
import { ADMIN_TOKEN, BenchProcess, benchPostgresDatabase, configureChannels, peakRssKb, productAddedBody, startBridge, startProcess, WEBHOOK_SECRET } from "./processes";

/**
 * Durable webhook ingest with the bridge configured as deployed: DefectDojo's API set, so personal
 * notifications, the fan-out and the DefectDojo directory run, and every event goes to Slack, Teams
 * and mail while the webhooks keep coming. Measured with autocannon (16 keep-alive connections) in
 * one run against Prometheus Alertmanager (one alert per request, each posted to the Slack
 * stand-in) and a bare node:http server. Bridges, baselines and peers each run in a process of
 * their own; DefectDojo's stand-in shares the load generator's, where it counts the API calls.
 */
const CONNECTIONS = 16;
const SATURATED_SECONDS = 5;
/** Saturated runs of each system, taken in turns: the figures are their medians. */
const SATURATED_ROUNDS = 3;
const PACED_RATE = 1000;
const PACED_SECONDS = 5;
const BURST_EVENTS = 3000;
const DOJO_USERS = 500;
/** Users who hold a global Reader role (they see every product) and want product_added on Slack. */
const PERSONAL_SUBSCRIBERS = 2;
/** Users who want scan_added only: the bridge must not spend anything on them for product_added. */
const SCAN_SUBSCRIBERS = 50;
const IDLE_SAMPLES = 50;
/** A DefectDojo re-import's webhook, near WEBHOOK_MAX_BYTES' default of 32 MiB. */
const LARGE_BODY_BYTES = 32 * 1024 * 1024 - 64 * 1024;
const READER_ROLE = 5; // dojo/models.py Role: Reader

type SaturatedRound = {
  bare: autocannon.Result;
  am: autocannon.Result | null;
  off: autocannon.Result;
  on: autocannon.Result;
  stalls: { p99: number; max: number };
  dojoCalls: number;
};

type Row = { measure: string; bridge: number | string; "Alertmanager": number | string; "bare server": number | string; "bridge / Alertmanager": string; "bridge / bare": string };

export async function benchIngest(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "relay-ingest-"));
  const dojo = await startDojoPeer();
  seedDojo(dojo);
  const peers = await startProcess(join(__dirname, "channel-peers.js"), {});
  const { teams, slack } = peers.announced as { teams: string; slack: string };
  const bare = await startProcess(join(__dirname, "bare-server.js"), {});
  const alertmanager = await startAlertmanager(slack);
  const relay = await startBridge(`sqlite:${join(dir, "relay.sqlite")}`, dojo.url, peers, { dojoApiKey: dojo.serviceToken });
  const relayPersonalOff = await startBridge(`sqlite:${join(dir, "relay-personal-off.sqlite")}`, dojo.url, peers);
  try {
    await configureChannels(relay.url, teams);
    await configureChannels(relayPersonalOff.url, teams);
    await subscribe(relay.url);

    let nextId = 1;
    const sentAt = new Map<number, number>();
    const productAdded = () => {
      const id = nextId++;
      sentAt.set(id, Date.now());
      return productAddedBody(id);
    };
    const webhook = (url: string, options: Partial<autocannon.Options>) =>
      autocannon({
        url: `${url}/webhooks/defectdojo`,
        method: "POST",
        connections: CONNECTIONS,
        headers: { "Content-Type": "application/json", "X-DefectDojo-Event": "product_added", Authorization: WEBHOOK_SECRET },
        // A new product each request: the same body twice would be answered as a duplicate, not stored.
        requests: [{ setupRequest: (request) => ({ ...request, body: productAdded() }) }],
        ...options,
      });
    const plain = (url: string, body: () => string, options: Partial<autocannon.Options>) =>
      autocannon({
        url,
        method: "POST",
        connections: CONNECTIONS,
        headers: { "Content-Type": "application/json" },
        requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
        ...options,
      });
    let alertId = 1;
    const alerts = (options: Partial<autocannon.Options>) => plain(`${alertmanager!.url}/api/v2/alerts`, () => productAlertBody(alertId++), options);
    const delivered = async () => ((await (await fetch(`${peers.url}/delivered`)).json()) as { delivered: number }).delivered;
    const settle = () => waitUntilDelivered(delivered);

    // Idle end to end: one event at a time, each sent when the last has reached Slack.
    const idleIds: number[] = [];
    for (let i = 0; i < IDLE_SAMPLES; i++) {
      idleIds.push(nextId);
      await postOne(relay.url, productAdded());
      await settle();
    }

    // Warm-ups.
    await plain(bare.url, () => "{}", { duration: 1 });
    if (alertmanager) await alerts({ duration: 1 });
    await webhook(relay.url, { duration: 1 });
    await webhook(relayPersonalOff.url, { duration: 1 });
    await settle();

    // The saturated runs in rounds, each system once per round, so that each figure is the median of
    // runs spread over the same minutes: single runs moved by a quarter between whole benchmark runs.
    const rounds: SaturatedRound[] = [];
    for (let round = 0; round < SATURATED_ROUNDS; round++) {
      const bareRun = await plain(bare.url, () => productAddedBody(0), { duration: SATURATED_SECONDS });
      const amRun = alertmanager ? await alerts({ duration: SATURATED_SECONDS }) : null;
      const offRun = await webhook(relayPersonalOff.url, { duration: SATURATED_SECONDS });
      await settle();

      await scrapeMetrics(relay.url); // reset: the next reading covers the saturated run alone
      const callsBefore = dojo.apiCalls.length;
      const onRun = await webhook(relay.url, { duration: SATURATED_SECONDS });
      const stalls = stallsIn(await scrapeMetrics(relay.url));
      await settle();
      rounds.push({ bare: bareRun, am: amRun, off: offRun, on: onRun, stalls, dojoCalls: dojo.apiCalls.length - callsBefore });
    }

    // A burst of BURST_EVENTS as fast as 16 connections go, and the DefectDojo calls it costs.
    const burstCallsBefore = dojo.apiCalls.length;
    const burst = await webhook(relay.url, { amount: BURST_EVENTS });
    await settle();
    const burstCalls = dojo.apiCalls.length - burstCallsBefore;

    // Paced: latency, answers and end to end while the deliveries of this very load go out.
    const pacedFirst = nextId;
    const before = await scrapeMetrics(relay.url); // also resets the stall histogram for the paced run
    const paced = await webhook(relay.url, { duration: PACED_SECONDS, overallRate: PACED_RATE });
    const after = await scrapeMetrics(relay.url);
    const pacedStalls = stallsIn(after);
    const pacedInBridgeP99 = p99Bound(webhookAnswerBucketsIn(before), webhookAnswerBucketsIn(after));
    const pacedLast = nextId - 1;
    await settle();
    const amPaced = alertmanager ? await alerts({ duration: PACED_SECONDS, overallRate: PACED_RATE }) : null;
    const peakRssMb = Math.round(peakRssKb(relay.process.pid!) / 1024);

    const runs = [...rounds.flatMap((round, i) => [[`saturated ${i + 1}`, round.on], [`personal off ${i + 1}`, round.off]] as const), ["burst", burst], ["paced", paced]] as const;
    for (const [name, result] of runs) {
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`bridge answered ${result.non2xx} non-2xx and ${result.errors} errors (${name})`);
    }
    const { arrivals } = (await (await fetch(`${peers.url}/arrivals`)).json()) as { arrivals: Record<string, number> };
    const endToEnd = (ids: number[]) => {
      const latencies = ids.map((id) => arrivals[id] - sentAt.get(id)!);
      const missing = latencies.filter((latency) => Number.isNaN(latency)).length;
      if (missing > 0) throw new Error(`${missing} of ${ids.length} events never reached Slack`);
      return latencies.sort((a, b) => a - b);
    };
    const idle = endToEnd(idleIds);
    const underLoad = endToEnd(Array.from({ length: pacedLast - pacedFirst + 1 }, (_, i) => pacedFirst + i));

    const large = await largeBody(dir, dojo, peers);

    const rate = (result: autocannon.Result) => Math.round(result.requests.average);
    const amRate = alertmanager ? median(rounds.map((round) => rate(round.am!))) : undefined;
    const bareRate = median(rounds.map((round) => rate(round.bare)));
    const none = "-";
    const row = (measure: string, bridge: number | string, am: number | string = none, bareValue: number | string = none): Row => ({
      measure,
      bridge,
      Alertmanager: am,
      "bare server": bareValue,
      "bridge / Alertmanager": typeof bridge === "number" && typeof am === "number" && am > 0 ? (bridge / am).toFixed(2) : none,
      "bridge / bare": typeof bridge === "number" && typeof bareValue === "number" && bareValue > 0 ? (bridge / bareValue).toFixed(2) : none,
    });
    const missingAm = alertmanager ? undefined : "not installed";

    /**
     * The saturated and paced runs again on PostgreSQL: one process doing both jobs, then the jobs
     * split (RELAY_ROLE=web takes the webhooks, RELAY_ROLE=worker sends); stalls are the web process's.
     */
    const onPostgres = async (databaseUrl: string, roles: string[]) => {
      const bridges: BenchProcess[] = [];
      try {
        for (const role of roles) {
          bridges.push(await startBridge(databaseUrl, dojo.url, peers, { dojoApiKey: dojo.serviceToken, env: { RELAY_ROLE: role } }));
        }
        const [front] = bridges;
        await webhook(front.url, { duration: 1 });
        await settle();
        await scrapeMetrics(front.url);
        const saturatedRun = await webhook(front.url, { duration: SATURATED_SECONDS });
        const saturatedStallsRun = stallsIn(await scrapeMetrics(front.url));
        await settle();
        await scrapeMetrics(front.url);
        const pacedRun = await webhook(front.url, { duration: PACED_SECONDS, overallRate: PACED_RATE });
        const pacedStallsRun = stallsIn(await scrapeMetrics(front.url));
        await settle();
        for (const result of [saturatedRun, pacedRun]) {
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`bridge on PostgreSQL (${roles}) answered ${result.non2xx} non-2xx and ${result.errors} errors`);
        }
        return {
          saturated: saturatedRun,
          paced: pacedRun,
          stalls: `${saturatedStallsRun.p99} / ${saturatedStallsRun.max} saturated, ${pacedStallsRun.p99} / ${pacedStallsRun.max} paced`,
          rssMb: bridges.map((bridge) => Math.round(peakRssKb(bridge.process.pid!) / 1024)).join(" / "),
        };
      } finally {
        await Promise.all(bridges.map((bridge) => bridge.stop()));
      }
    };
    const postgres = await benchPostgresDatabase("ingest");
    let postgresRows: Row[];
    if ("skipped" in postgres) postgresRows = [row("PostgreSQL runs", `skipped: ${postgres.skipped}`)];
    else {
      try {
        // Channels and subscriptions live in the database: set once, for both set-ups.
        const setup = await startBridge(postgres.url, dojo.url, peers, { dojoApiKey: dojo.serviceToken });
        await configureChannels(setup.url, teams);
        await subscribe(setup.url);
        await setup.stop();
        const together = await onPostgres(postgres.url, ["all"]);
        const split = await onPostgres(postgres.url, ["web", "worker"]);
        postgresRows = [
          row("events/s, PostgreSQL, one process (RELAY_ROLE=all)", Math.round(together.saturated.requests.average), amRate ?? missingAm, bareRate),
          row("events/s, PostgreSQL, RELAY_ROLE=web + worker", Math.round(split.saturated.requests.average), amRate ?? missingAm, bareRate),
          row(`p99 ms at a paced ${PACED_RATE}/s, PostgreSQL, all`, together.paced.latency.p99, amPaced?.latency.p99 ?? missingAm),
          row(`p99 ms at a paced ${PACED_RATE}/s, PostgreSQL, web + worker`, split.paced.latency.p99, amPaced?.latency.p99 ?? missingAm),
          row("event-loop stall p99 / max ms, PostgreSQL, all", together.stalls),
          row("event-loop stall p99 / max ms, PostgreSQL, the web process", split.stalls),
          row("peak RSS MB, PostgreSQL: all; web / worker", `${together.rssMb}; ${split.rssMb}`),
        ];
      } finally {
        await postgres.drop();
      }
    }

    return [
      row(
        `events/s, ${CONNECTIONS} connections, ${SATURATED_SECONDS} s, personal on, delivering (median of ${SATURATED_ROUNDS} rounds)`,
        median(rounds.map((round) => rate(round.on))),
        amRate ?? missingAm,
        bareRate,
      ),
      row(`events/s, the same, personal off (no DOJO_API_KEY)`, median(rounds.map((round) => rate(round.off))), amRate ?? missingAm, bareRate),
      row(
        "events/s in each round: personal on / off / Alertmanager / bare",
        rounds.map((round) => [round.on, round.off, round.am, round.bare].map((result) => (result ? rate(result) : "-")).join(" / ")).join("; "),
      ),
      row(`p50 ms at a paced ${PACED_RATE}/s for ${PACED_SECONDS} s`, paced.latency.p50, amPaced?.latency.p50 ?? missingAm),
      row(`p99 ms at a paced ${PACED_RATE}/s`, paced.latency.p99, amPaced?.latency.p99 ?? missingAm),
      row(`max ms at a paced ${PACED_RATE}/s`, paced.latency.max, amPaced?.latency.max ?? missingAm),
      row(`p99 ms at a paced ${PACED_RATE}/s, in the bridge (request in to answer, its histogram's bucket)`, pacedInBridgeP99),
      row("answers other than 2xx, all runs", runs.reduce((sum, [, result]) => sum + result.non2xx + result.errors, 0)),
      row(`event-loop stall p99 / max ms, saturated, each round`, rounds.map(({ stalls }) => `${stalls.p99} / ${stalls.max}`).join("; ")),
      row(`event-loop stall p99 / max ms, paced`, `${pacedStalls.p99} / ${pacedStalls.max}`),
      row(
        `DefectDojo API calls, ${SATURATED_SECONDS} s saturated, each round (${DOJO_USERS} users)`,
        rounds.map((round) => `${round.dojoCalls} for ${round.on["2xx"]} events`).join("; "),
      ),
      row(`DefectDojo API calls, burst of ${BURST_EVENTS} product_added (${DOJO_USERS} users)`, burstCalls),
      row("end to end ms, webhook in to Slack, idle p50 / p99", `${percentile(idle, 50)} / ${percentile(idle, 99)}`),
      row(`end to end ms, paced ${PACED_RATE}/s p50 / p99`, `${percentile(underLoad, 50)} / ${percentile(underLoad, 99)}`),
      row("bridge peak RSS MB (whole run)", peakRssMb),
      row(`32 MiB re-import body: answer ms / reached Slack ms / peak RSS MB`, `${large.answerMs} / ${large.deliveredMs} / ${large.peakRssMb}`),
      ...postgresRows,
    ];
  } finally {
    await Promise.all([bare.stop(), relay.stop(), relayPersonalOff.stop(), alertmanager?.stop()]);
    await Promise.all([peers.stop(), dojo.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** DOJO_USERS users; a few see every product and want product_added, more want scan_added only. */
function seedDojo(dojo: DojoPeer): void {
  dojo.addUser({ id: 1, username: "admin", email: "admin@example.com", isSuperuser: true, token: ADMIN_TOKEN });
  dojo.addProductType({ id: 1, name: "pt" });
  for (let id = 2; id <= DOJO_USERS; id++) {
    dojo.addUser({ id, username: `user${id}`, email: `user${id}@example.com`, token: `bench-user-${id}` });
    if (id <= 1 + PERSONAL_SUBSCRIBERS) dojo.addGlobalRole({ userId: id, role: READER_ROLE });
  }
}

async function subscribe(relayUrl: string): Promise<void> {
  const choose = async (userId: number, event: string) => {
    const response = await fetch(`${relayUrl}/graphql`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Token bench-user-${userId}` },
      body: JSON.stringify({
        query: `mutation($input: [EventChannelsInput!]!) { setMyNotifications(input: $input) { event } }`,
        variables: { input: [{ event, channels: ["SLACK"] }] },
      }),
    });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(`subscribing user ${userId} failed: ${JSON.stringify(body.errors)}`);
  };
  for (let i = 0; i < PERSONAL_SUBSCRIBERS; i++) await choose(2 + i, "PRODUCT_ADDED");
  for (let i = 0; i < SCAN_SUBSCRIBERS; i++) await choose(2 + PERSONAL_SUBSCRIBERS + i, "SCAN_ADDED");
}

async function postOne(relayUrl: string, body: string, event = "product_added"): Promise<void> {
  const response = await fetch(`${relayUrl}/webhooks/defectdojo`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-DefectDojo-Event": event, Authorization: WEBHOOK_SECRET },
    body,
  });
  if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

/** Waits until the peers' count of messages stops moving: everything sent has arrived. */
async function waitUntilDelivered(delivered: () => Promise<number>): Promise<void> {
  let last = -1;
  let still = 0;
  while (still < 3) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await delivered();
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

/** The bridge's `/metrics`. Each scrape resets prom-client's event-loop histogram (see stallsIn). */
async function scrapeMetrics(relayUrl: string): Promise<string> {
  return (await fetch(`${relayUrl}/metrics`)).text();
}

/**
 * The bridge's event-loop stalls since the scrape before, in ms, from prom-client's
 * `monitorEventLoopDelay` gauges. They record the time between the monitor's samples, so an idle
 * loop reads EVENT_LOOP_SAMPLE_MS: the stall is the rest.
 */
function stallsIn(metrics: string): { p99: number; max: number } {
  const gauge = (name: string) =>
    Math.max(0, Math.round(Number(new RegExp(`^${name} ([\\d.e+-]+)$`, "m").exec(metrics)?.[1]) * 1000 - EVENT_LOOP_SAMPLE_MS));
  return { p99: gauge("nodejs_eventloop_lag_p99_seconds"), max: gauge("nodejs_eventloop_lag_max_seconds") };
}

/**
 * The bridge's webhook answers so far by its own clock (request received to answer sent), from the
 * cumulative buckets of dojo_relay_http_request_duration_seconds: upper bound in ms to count.
 */
function webhookAnswerBucketsIn(metrics: string): Map<number, number> {
  const buckets = new Map<number, number>();
  const line = /^dojo_relay_http_request_duration_seconds_bucket\{([^}]*)\} (\d+)$/gm;
  for (const [, labels, count] of metrics.matchAll(line)) {
    if (!labels.includes('route="/webhooks/defectdojo"')) continue;
    const le = /le="([^"]+)"/.exec(labels)![1];
    const bound = le === "+Inf" ? Infinity : Number(le) * 1000;
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(count)); // summed over status codes
  }
  return buckets;
}

/** The smallest bucket bound that holds 99 % of the answers between two readings, as "≤ N". */
function p99Bound(before: Map<number, number>, after: Map<number, number>): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const answered = (bound: number) => after.get(bound)! - (before.get(bound) ?? 0);
  const total = answered(Infinity);
  const bound = bounds.find((b) => answered(b) >= 0.99 * total);
  return total === 0 || bound === undefined ? "-" : `≤ ${bound}`;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * A scan_added near 32 MiB (a re-import listing many findings with long descriptions) sent to a
 * fresh bridge, so its peak RSS is this request's: how long the answer took, how long until the
 * message reached Slack, and the peak.
 */
async function largeBody(dir: string, dojo: DojoPeer, peers: BenchProcess) {
  const relay = await startBridge(`sqlite:${join(dir, "relay-large.sqlite")}`, dojo.url, peers, { dojoApiKey: dojo.serviceToken });
  try {
    await configureChannels(relay.url, (peers.announced as { teams: string }).teams);
    const body = largeScanBody(LARGE_BODY_BYTES);
    const started = Date.now();
    await postOne(relay.url, body, "scan_added");
    const answerMs = Date.now() - started;
    const delivered = async () => ((await (await fetch(`${peers.url}/delivered`)).json()) as { delivered: number }).delivered;
    const before = await delivered();
    while ((await delivered()) < before + 3 && Date.now() - started < 120_000) await new Promise((resolve) => setTimeout(resolve, 20));
    const deliveredMs = Date.now() - started;
    return { answerMs, deliveredMs, peakRssMb: Math.round(peakRssKb(relay.process.pid!) / 1024) };
  } finally {
    await relay.stop();
  }
}

function largeScanBody(bytes: number): string {
  const product = { id: 7, name: "product 7", url_ui: "http://dd/product/7", url_api: "http://dd/api/v2/products/7/" };
  const finding = (id: number) => ({
    id,
    title: `finding ${id}: ${"x".repeat(200)}`,
    severity: "High",
    url_ui: `http://dd/finding/${id}`,
    url_api: `http://dd/api/v2/findings/${id}/`,
  });
  const perFinding = JSON.stringify(finding(100000)).length + 1;
  const count = Math.floor((bytes - 2048) / perFinding);
  return JSON.stringify({
    description: "Created/Updated findings for product 7",
    title: "Created/Updated findings for product 7: engagement 1: test 1",
    user: null,
    url_ui: "http://dd/test/1",
    url_api: "http://dd/api/v2/tests/1/",
    product_type: { id: 1, name: "pt", url_ui: "http://dd/product/type/1", url_api: "http://dd/api/v2/product_types/1/" },
    product,
    engagement: { id: 1, name: "engagement 1", url_ui: "http://dd/engagement/1", url_api: "http://dd/api/v2/engagements/1/" },
    test: { id: 1, title: "test 1", url_ui: "http://dd/test/1", url_api: "http://dd/api/v2/tests/1/" },
    finding_count: count,
    findings: { new: Array.from({ length: count }, (_, i) => finding(100000 + i)), reactivated: [], mitigated: [], untouched: [] },
  });
}
