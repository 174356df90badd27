import "reflect-metadata";
import { createServer, request, Agent } from "node:http";
import { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRelay } from "../src/app";
import { loadConfig } from "../src/config/config";
import { createLogger } from "../src/logging/logger";

/**
 * Webhook ingest, measured against a baseline in the same run: a bare node:http server that reads
 * the body, parses the JSON and answers 202 (the least any receiver must do). The ratio is what
 * validation, deduplication and the durable SQLite commit of event + outbox rows cost on top.
 */
const SECRET = "Token bench";
const EVENTS = 2000;
const CONCURRENCY = 8;
const LARGE_REQUESTS = 10;

function productAdded(id: number): string {
  const product = { id, name: `product ${id}`, url_ui: `http://dd/product/${id}`, url_api: `http://dd/api/v2/products/${id}/` };
  return JSON.stringify({
    description: `Product product ${id} has been created successfully.`,
    title: `product ${id}`,
    user: null,
    url_ui: product.url_ui,
    url_api: product.url_api,
    product_type: { id: 1, name: "pt", url_ui: "http://dd/product/type/1", url_api: "http://dd/api/v2/product_types/1/" },
    product,
  });
}

function largeScan(run: number): string {
  const finding = (id: number) => ({
    id,
    title: `Untouched finding ${id} reported again by the scanner`,
    severity: "Low",
    url_ui: `http://dd/finding/${id}`,
    url_api: `http://dd/api/v2/findings/${id}/`,
  });
  return JSON.stringify({
    description: "Event scan_added has occurred.",
    title: `Created/Updated 1 findings for p: e: t (run ${run})`,
    user: null,
    url_ui: "http://dd/test/90",
    test: { id: 90, title: "t", url_ui: "http://dd/test/90" },
    finding_count: 1,
    // Each run creates another finding: the same import twice would be deduplicated.
    findings: { new: [finding(run + 1)], reactivated: [], mitigated: [], untouched: Array.from({ length: 25_000 }, (_, i) => finding(100 + i)) },
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(url: string, event: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "X-DefectDojo-Event": event, Authorization: SECRET, "Content-Length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function run(url: string, bodies: Array<[string, string]>, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const [event, body] = bodies[next++];
        const status = await post(url, event, body);
        if (status !== 202) throw new Error(`unexpected status ${status}`);
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function baselineServer(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      JSON.parse(Buffer.concat(parts).toString("utf8"));
      res.writeHead(202, { "Content-Type": "application/json" });
      res.end('{"status":"accepted"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

export async function benchIngest(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "relay-bench-"));
  const relay = await startRelay(
    { ...loadConfig({ PORT: "0", DATABASE_URL: `sqlite:${join(dir, "bench.sqlite")}`, WEBHOOK_HEADER_VALUE: SECRET, SECRET_KEY: "bench" }) },
    { logger: createLogger("error"), host: "127.0.0.1" },
  );
  const baseline = await baselineServer();
  const relayUrl = `${relay.url}/webhooks/defectdojo`;
  try {
    const small = (offset: number) => Array.from({ length: EVENTS }, (_, i) => ["product_added", productAdded(offset + i)] as [string, string]);
    await run(baseline.url, small(0).slice(0, 200), CONCURRENCY); // warm-up
    await run(relayUrl, small(1_000_000).slice(0, 200), CONCURRENCY);

    const baselineMs = await run(baseline.url, small(0), CONCURRENCY);
    const relayMs = await run(relayUrl, small(0), CONCURRENCY);

    const large = Array.from({ length: LARGE_REQUESTS }, (_, i) => ["scan_added", largeScan(i)] as [string, string]);
    const largeBytes = Buffer.byteLength(large[0][1]);
    const baselineLargeMs = await run(baseline.url, large, 1);
    const relayLargeMs = await run(relayUrl, large, 1);

    return {
      "small events": EVENTS,
      "baseline events/s": Math.round((EVENTS / baselineMs) * 1000),
      "relay events/s": Math.round((EVENTS / relayMs) * 1000),
      "relay/baseline time ratio": +(relayMs / baselineMs).toFixed(2),
      "large body MB": +(largeBytes / 1e6).toFixed(1),
      "baseline ms per large body": +(baselineLargeMs / LARGE_REQUESTS).toFixed(1),
      "relay ms per large body": +(relayLargeMs / LARGE_REQUESTS).toFixed(1),
      "large relay/baseline time ratio": +(relayLargeMs / baselineLargeMs).toFixed(2),
    };
  } finally {
    baseline.close();
    await relay.close();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
