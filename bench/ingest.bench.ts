import "reflect-metadata";
import autocannon from "autocannon";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDojoPeer } from "../test/peers/dojo-peer";
import { ADMIN_TOKEN, configureChannels, peakRssKb, productAddedBody, startBridge, startProcess, WEBHOOK_SECRET } from "./processes";

/**
 * Webhook ingest with a durable commit of event + outbox rows, while the delivery worker sends to
 * local Slack, Teams and SMTP peers, measured with autocannon (16 keep-alive connections) against a
 * bare node:http server in the same run. The bridge, the bare server and the peers each run in a
 * process of their own, so only the load generator shares this one. Then a paced 1,000 requests per
 * second for latency, the outbox's drain rate, and the bridge's peak RSS.
 */
const CONNECTIONS = 16;
const SATURATED_SECONDS = 5;
const PACED_RATE = 1000;
const PACED_SECONDS = 5;
const DRAIN_SECONDS = 10;

type Row = { measure: string; "bare server": number | string; bridge: number | string; "bridge / bare": string };

export async function benchIngest(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "relay-ingest-"));
  const dojo = await startDojoPeer();
  dojo.addUser({ id: 1, username: "admin", email: "admin@example.com", isSuperuser: true, token: ADMIN_TOKEN });
  const bare = await startProcess(join(__dirname, "bare-server.js"), {});
  const peers = await startProcess(join(__dirname, "channel-peers.js"), {});
  const { teams } = peers.announced as { teams: string };
  const relay = await startBridge(`sqlite:${join(dir, "relay.sqlite")}`, dojo.url, peers);
  try {
    let nextId = 1;
    const productAdded = () => productAddedBody(nextId++);
    const load = (url: string, options: Partial<autocannon.Options>) =>
      autocannon({
        url,
        method: "POST",
        connections: CONNECTIONS,
        headers: { "Content-Type": "application/json", "X-DefectDojo-Event": "product_added", Authorization: WEBHOOK_SECRET },
        // A new product each request: the same body twice would be answered as a duplicate, not stored.
        requests: [{ setupRequest: (request) => ({ ...request, body: productAdded() }) }],
        ...options,
      });

    await load(bare.url, { duration: 1 }); // warm-up
    await load(`${relay.url}/webhooks/defectdojo`, { duration: 1 });
    const bareSaturated = await load(bare.url, { duration: SATURATED_SECONDS });
    // First with no channel configured (events and outbox rows stored, nothing to send), then with
    // all three, so the delivery worker shares the process while the webhooks keep coming.
    const relayIngestOnly = await load(`${relay.url}/webhooks/defectdojo`, { duration: SATURATED_SECONDS });
    await configureChannels(relay.url, teams);
    const relaySaturated = await load(`${relay.url}/webhooks/defectdojo`, { duration: SATURATED_SECONDS });
    const barePaced = await load(bare.url, { duration: PACED_SECONDS, overallRate: PACED_RATE });
    const relayPaced = await load(`${relay.url}/webhooks/defectdojo`, { duration: PACED_SECONDS, overallRate: PACED_RATE });
    for (const [name, result] of [["ingest only", relayIngestOnly], ["saturated", relaySaturated], ["paced", relayPaced]] as const) {
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`bridge answered ${result.non2xx} non-2xx and ${result.errors} errors (${name})`);
    }

    const delivered = async () => ((await (await fetch(`${peers.url}/delivered`)).json()) as { delivered: number }).delivered;
    const before = await delivered();
    await new Promise((resolve) => setTimeout(resolve, DRAIN_SECONDS * 1000));
    const drainRate = Math.round(((await delivered()) - before) / DRAIN_SECONDS);
    const peakRssMb = Math.round(peakRssKb(relay.process.pid!) / 1024);

    const ratio = (bridge: number, bareValue: number) => (bridge / bareValue).toFixed(2);
    return [
      {
        measure: `requests/s, ${CONNECTIONS} connections, ${SATURATED_SECONDS} s, no channel configured`,
        "bare server": Math.round(bareSaturated.requests.average),
        bridge: Math.round(relayIngestOnly.requests.average),
        "bridge / bare": ratio(relayIngestOnly.requests.average, bareSaturated.requests.average),
      },
      {
        measure: `requests/s, ${CONNECTIONS} connections, ${SATURATED_SECONDS} s, while delivering to 3 channels`,
        "bare server": Math.round(bareSaturated.requests.average),
        bridge: Math.round(relaySaturated.requests.average),
        "bridge / bare": ratio(relaySaturated.requests.average, bareSaturated.requests.average),
      },
      {
        measure: `p99 latency ms at ${PACED_RATE} requests/s`,
        "bare server": barePaced.latency.p99,
        bridge: relayPaced.latency.p99,
        "bridge / bare": ratio(relayPaced.latency.p99, Math.max(barePaced.latency.p99, 1)),
      },
      {
        measure: "events stored (2xx answers)",
        "bare server": "-",
        bridge: relayIngestOnly["2xx"] + relaySaturated["2xx"] + relayPaced["2xx"],
        "bridge / bare": "-",
      },
      { measure: "deliveries/s to Slack + Teams + SMTP peers (after ingest)", "bare server": "-", bridge: drainRate, "bridge / bare": "-" },
      { measure: "bridge peak RSS MB (whole run)", "bare server": "-", bridge: peakRssMb, "bridge / bare": "-" },
    ];
  } finally {
    await Promise.all([bare.stop(), relay.stop()]);
    await Promise.all([peers.stop(), dojo.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
