import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SLACK_PEER_TOKEN } from "../test/peers/slack-peer";
import { BenchProcess, freePort } from "./processes";

/** Where Debian's `prometheus-alertmanager` package puts the binary; ALERTMANAGER_BIN names another. */
const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";

/**
 * Prometheus Alertmanager as the ingest baseline: a receiver that takes alerts over HTTP, keeps
 * them (in memory, with a snapshot to disk every 15 minutes) and posts each one to Slack, here the
 * Slack stand-in. Grouping is off (`group_by: ['...']`), so one alert is one message, as one
 * webhook is one event for the bridge. Null when Alertmanager is not installed.
 */
export async function startAlertmanager(slackApiUrl: string): Promise<BenchProcess | null> {
  if (!existsSync(ALERTMANAGER_BIN)) return null;
  const dir = mkdtempSync(join(tmpdir(), "relay-alertmanager-"));
  const port = await freePort();
  const config = join(dir, "alertmanager.yml");
  writeFileSync(
    config,
    [
      "route:",
      "  receiver: slack",
      "  group_by: ['...']",
      "  group_wait: 0s",
      "  group_interval: 1s",
      "  repeat_interval: 24h",
      "receivers:",
      "  - name: slack",
      "    slack_configs:",
      `      - api_url: '${new URL("chat.postMessage", slackApiUrl)}'`,
      "        channel: '#security'",
      "        send_resolved: false",
      "        http_config:",
      "          authorization:",
      `            credentials: '${SLACK_PEER_TOKEN}'`,
      "",
    ].join("\n"),
  );
  const child = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${config}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=warn"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (await fetch(`${url}/-/ready`).then((response) => response.ok, () => false)) break;
    if (attempt > 200 || child.exitCode !== null) throw new Error("Alertmanager did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    announced: {},
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGTERM");
      }),
  };
}

/** One alert per request, a product of its own, as Prometheus posts them (`POST /api/v2/alerts`). */
export function productAlertBody(id: number): string {
  return JSON.stringify([
    {
      labels: { alertname: "product_added", product: `product ${id}`, product_type: "pt" },
      annotations: { summary: `Product product ${id} has been created successfully.`, url: `http://dd/product/${id}` },
    },
  ]);
}
