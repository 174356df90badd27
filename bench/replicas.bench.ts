import "reflect-metadata";
import autocannon from "autocannon";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDojoPeer } from "../test/peers/dojo-peer";
import { ADMIN_TOKEN, BenchProcess, benchPostgresDatabase, configureChannels, productAddedBody, startBridge, startProcess, WEBHOOK_SECRET } from "./processes";

/**
 * End to end, webhook in to message out: the same burst of events through one bridge on SQLite and
 * through two bridges sharing PostgreSQL (the burst split between them), same peers, same run.
 * Timed from the first request until the peers have every message.
 */
const EVENTS = 3000;
const CHANNELS = 3;
const CONNECTIONS = 16;

type Row = { setup: string; "events/s end to end": number; "deliveries/s": number; "ingest s": number; "all delivered s": number };

export async function benchReplicas(): Promise<Row[] | string> {
  const database = await benchPostgresDatabase("replicas");
  if ("skipped" in database) return `skipped: ${database.skipped}`;

  const dir = mkdtempSync(join(tmpdir(), "relay-replicas-"));
  const dojo = await startDojoPeer();
  dojo.addUser({ id: 1, username: "admin", email: "admin@example.com", isSuperuser: true, token: ADMIN_TOKEN });
  const peers = await startProcess(join(__dirname, "channel-peers.js"), {});
  const { teams } = peers.announced as { teams: string };
  const started: BenchProcess[] = [peers];
  const bridge = async (databaseUrl: string) => {
    const relay = await startBridge(databaseUrl, dojo.url, peers);
    started.push(relay);
    return relay;
  };
  const delivered = async () => ((await (await fetch(`${peers.url}/delivered`)).json()) as { delivered: number }).delivered;
  let nextId = 1;

  /** Posts the burst split over `bridges` and waits until the peers have every message. */
  const run = async (setup: string, bridges: BenchProcess[]): Promise<Row> => {
    await configureChannels(bridges[0].url, teams);
    const before = await delivered();
    const startedAt = Date.now();
    await Promise.all(
      bridges.map((relay) =>
        autocannon({
          url: `${relay.url}/webhooks/defectdojo`,
          method: "POST",
          connections: CONNECTIONS / bridges.length,
          amount: EVENTS / bridges.length,
          headers: { "Content-Type": "application/json", "X-DefectDojo-Event": "product_added", Authorization: WEBHOOK_SECRET },
          requests: [{ setupRequest: (request) => ({ ...request, body: productAddedBody(nextId++) }) }],
        }).then((result) => {
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${setup}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        }),
      ),
    );
    const ingestedAt = Date.now();
    while ((await delivered()) < before + EVENTS * CHANNELS) {
      if (Date.now() - startedAt > 180_000) throw new Error(`${setup}: not all delivered within 180 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (Date.now() - startedAt) / 1000;
    return {
      setup,
      "events/s end to end": Math.round(EVENTS / seconds),
      "deliveries/s": Math.round((EVENTS * CHANNELS) / seconds),
      "ingest s": Number(((ingestedAt - startedAt) / 1000).toFixed(1)),
      "all delivered s": Number(seconds.toFixed(1)),
    };
  };

  try {
    const sqlite = await run("1 bridge, SQLite", [await bridge(`sqlite:${join(dir, "relay.sqlite")}`)]);
    await started.pop()!.stop();
    const replicas = [await bridge(database.url), await bridge(database.url)];
    const postgres = await run("2 bridges, one PostgreSQL database", replicas);
    return [sqlite, postgres];
  } finally {
    await Promise.all(started.map((process) => process.stop()));
    await dojo.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
