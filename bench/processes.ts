import { ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "pg";
import { SLACK_PEER_TOKEN } from "../test/peers/slack-peer";

/** What the benchmarks share: their processes (bridges, baselines, peers) and the bridge's set-up. */

export const ADMIN_TOKEN = "bench-admin-key";
export const WEBHOOK_SECRET = "Token bench-webhook-secret";

export type BenchProcess = { url: string; announced: Record<string, unknown>; process: ChildProcess; stop(): Promise<void> };

/**
 * Starts a node script and waits until it listens: on `knownPort`, or on the port it announces as
 * a JSON line (the bare server, the peers).
 */
export async function startProcess(
  script: string,
  env: Record<string, string>,
  knownPort?: number,
  nodeFlags: string[] = [],
): Promise<BenchProcess> {
  // BENCH_PROFILE=<dir> writes a CPU profile of the bridge there (node --cpu-prof).
  const profile = process.env.BENCH_PROFILE && knownPort !== undefined ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...profile, script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  let announced: Record<string, unknown> = {};
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line);
        if (typeof parsed.port === "number" && knownPort === undefined) {
          announced = parsed;
          resolve(parsed.port);
        }
      } catch {
        // not a JSON line
      }
    });
    if (knownPort !== undefined) void waitForHealth(knownPort).then(() => resolve(knownPort), reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    announced,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function configureChannels(relayUrl: string, teamsUrl: string): Promise<void> {
  const response = await fetch(`${relayUrl}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Token ${ADMIN_TOKEN}` },
    body: JSON.stringify({
      query: `mutation($input: SystemSettingsInput!) { updateSystemSettings(input: $input) { slackTokenSet } }`,
      variables: {
        input: {
          enableSlackNotifications: true,
          slackToken: SLACK_PEER_TOKEN,
          slackChannel: "#security",
          enableMsteamsNotifications: true,
          msteamsUrl: teamsUrl,
          enableMailNotifications: true,
          mailNotificationsTo: ["secops@example.com"],
        },
      },
    }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`configuring channels failed: ${JSON.stringify(body.errors)}`);
}

async function waitForHealth(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false);
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing healthy on port ${port}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The process's peak resident set (VmHWM), in kB. */
export function peakRssKb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) : NaN;
}

/** A `product_added` webhook body of a product of its own: the same body twice would be a duplicate. */
export function productAddedBody(id: number): string {
  return JSON.stringify({
    description: `Product product ${id} has been created successfully.`,
    title: `product ${id}`,
    user: null,
    url_ui: `http://dd/product/${id}`,
    url_api: `http://dd/api/v2/products/${id}/`,
    product_type: { id: 1, name: "pt", url_ui: "http://dd/product/type/1", url_api: "http://dd/api/v2/product_types/1/" },
    product: { id, name: `product ${id}`, url_ui: `http://dd/product/${id}`, url_api: `http://dd/api/v2/products/${id}/` },
  });
}

/**
 * The built bridge in a process of its own on `databaseUrl`, sending to the channel peers, with
 * polling off. It runs at LOG_LEVEL=warn: logging every request at info would measure the terminal.
 */
export async function startBridge(
  databaseUrl: string,
  dojoUrl: string,
  peers: BenchProcess,
  /** DefectDojo's API key: with it, as deployed, the bridge sends personal notifications. */
  options: { dojoApiKey?: string; env?: Record<string, string> } = {},
): Promise<BenchProcess> {
  const { slack, smtp, teams } = peers.announced as { slack: string; smtp: string; teams: string };
  const port = await freePort();
  const env = {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DOJO_URL: dojoUrl,
    WEBHOOK_HEADER_VALUE: WEBHOOK_SECRET,
    SLACK_API_URL: slack,
    SMTP_URL: smtp,
    SECRET_KEY: "bench secret key of thirty-two characters or more",
    // The Teams stand-in listens on 127.0.0.1, which a superuser's URL may reach only when named here.
    SYSTEM_WEBHOOK_ALLOWLIST: `${new URL(teams).origin}/`,
    LOG_LEVEL: "warn",
    POLL_CRON: "off",
    // The drain measures the bridge; paced, it would measure Slack's one message a second.
    SLACK_CHANNEL_INTERVAL_MS: "0",
    ...(options.dojoApiKey ? { DOJO_API_KEY: options.dojoApiKey } : {}),
    ...options.env,
  };
  return startProcess(join(__dirname, "..", "src", "main.js"), env, port, deployedNodeFlags());
}

/** The node flags `npm start` and the image run the bridge with (package.json's start script). */
function deployedNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { scripts: { start: string } };
  const command = scripts.start.split("&&").pop()!.trim().split(" ");
  return command.slice(1, -1);
}

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh database on the machine's PostgreSQL for one benchmark, or why there is none. */
export async function benchPostgresDatabase(name: string): Promise<{ url: string; drop(): Promise<void> } | { skipped: string }> {
  const admin = new Client({ connectionString: POSTGRES_URL });
  try {
    await admin.connect();
  } catch (error) {
    return { skipped: `no PostgreSQL at ${new URL(POSTGRES_URL).host} (${(error as Error).message})` };
  }
  const databaseName = `relay_bench_${name}_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${databaseName}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${databaseName}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await admin.end();
    },
  };
}
