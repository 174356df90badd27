import { join } from "node:path";
import Sqlite from "better-sqlite3";
import { createDojoWebhookSender, DojoWebhookSender, DojoWebhookSenderOptions } from "../peers/dojo-webhook-sender";
import { SLACK_PEER_TOKEN } from "../peers/slack-peer";
import { ChildRelay, freePort, spawnRelay, waitForHealth } from "../support/child-relay";
import { rawRequest } from "../support/http-client";
import { eventually, Peers, relayEnv, startPeers, SUPERUSER_TOKEN, WEBHOOK_SECRET } from "../support/relay-harness";
import { tempDir } from "../support/temp-dir";

/**
 * DefectDojo's own webhook switch (DefectDojo HEAD and 2.58.2-changelog dojo/notifications/helper.py,
 * send_webhooks_notification, played by test/peers/dojo-webhook-sender.ts) against the built bridge:
 * killed -9 while DefectDojo sends (a refused connection: inactive_permanent), a 503 from a database
 * that failed for a moment and an answer slower than DefectDojo's timeout (both inactive_tmp). After
 * each, with nobody acting, DefectDojo sends again, every product created meanwhile is announced
 * exactly once (only a send in flight at a kill may repeat), and the window DefectDojo skipped is told.
 */

jest.setTimeout(60_000);

const TYPE_ID = 1;

interface Bed {
  peers: Peers;
  dir: ReturnType<typeof tempDir>;
  databasePath: string;
  port: number;
  url: string;
  env: Record<string, string>;
  sender: DojoWebhookSender;
  endpointId: number;
  children: ChildRelay[];
}

let bed: Bed | undefined;

afterEach(async () => {
  if (!bed) return;
  bed.sender.close();
  for (const child of bed.children) if (child.child.exitCode === null) child.child.kill("SIGKILL");
  await Promise.all(bed.children.map((child) => child.exited));
  await bed.peers.close();
  bed.dir.cleanup();
  bed = undefined;
});

async function setUp(senderOptions: DojoWebhookSenderOptions): Promise<Bed> {
  const peers = await startPeers();
  peers.dojo.addProductType({ id: TYPE_ID, name: "apps" });
  const dir = tempDir();
  const databasePath = join(dir.path, "relay.sqlite");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // As registerDefectDojoWebhook leaves it: one system endpoint with the bridge's header.
  const endpointId = peers.dojo.addWebhookEndpoint({ name: "Dojo Relay", url: `${url}/webhooks/defectdojo`, headerName: "Authorization", headerValue: WEBHOOK_SECRET });
  const env = relayEnv(peers, databasePath, {
    PORT: String(port),
    // Every second: the gap is filled within seconds (the default is every minute).
    POLL_CRON: "* * * * * *",
    DOJO_WEBHOOK_CHECK_MS: "250",
    LOG_LEVEL: "warn",
  });
  const sender = createDojoWebhookSender(peers.dojo, { reactivationDelayMs: 1000, ...senderOptions });
  bed = { peers, dir, databasePath, port, url, env, sender, endpointId, children: [] };
  return bed;
}

async function startBridge(b: Bed): Promise<ChildRelay> {
  const child = spawnRelay(b.dir.path, b.env);
  b.children.push(child);
  await waitForHealth(b.url, child);
  return child;
}

async function graphql(b: Bed, query: string, variables?: Record<string, unknown>) {
  const response = await rawRequest(`${b.url}/graphql`, {
    headers: { "Content-Type": "application/json", Authorization: `Token ${SUPERUSER_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const json = JSON.parse(response.body);
  if (json.errors) throw new Error(response.body);
  return json.data;
}

async function slackOn(b: Bed) {
  await graphql(b, `mutation($input: SystemSettingsInput!) { updateSystemSettings(input: $input) { slackTokenSet } }`, {
    input: { enableSlackNotifications: true, slackToken: SLACK_PEER_TOKEN, slackChannel: "#security", slackUsername: "DefectDojo" },
  });
}

/** DefectDojo creating products one after another, each sent (or skipped) by its webhook sender. */
function productStream(b: Bed, tag: string, firstId = 1001) {
  const created: string[] = [];
  let stopped = false;
  const running = (async () => {
    for (let n = 1; !stopped; n++) {
      const name = `${tag}-${String(n).padStart(4, "0")}`;
      created.push(name);
      void b.sender.createProduct({ id: firstId + n - 1, name, productTypeId: TYPE_ID, productTypeName: "apps" });
      // A pace for the producer, not a wait for a result.
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  })();
  return {
    created,
    firstId,
    async stop() {
      stopped = true;
      await running;
      await b.sender.idle();
    },
  };
}

const sentCount = (b: Bed, since = 0) => b.sender.log.filter((entry) => entry.outcome === "sent" && entry.at >= since).length;

/** Slack messages per product name. */
function slackTags(b: Bed, tag: string): string[] {
  const pattern = new RegExp(`${tag}-\\d{4}`);
  return b.peers.slack
    .callsOf("chat.postMessage")
    .map((call) => pattern.exec(String(call.args.text))?.[0])
    .filter((name): name is string => name !== undefined);
}

/** How many events the bridge stored per product (read from its SQLite file). */
function storedProductEvents(b: Bed): Map<number, number> {
  const db = new Sqlite(b.databasePath, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const rows = db
      .prepare("SELECT idempotency_key AS k, COUNT(*) AS n FROM event WHERE idempotency_key LIKE 'product_added|%' GROUP BY idempotency_key")
      .all() as Array<{ k: string; n: number }>;
    return new Map(rows.map((row) => [Number(row.k.split("|")[1]), row.n]));
  } finally {
    db.close();
  }
}

/** Every product created is stored once and announced; duplicates only among `mayRepeat`. */
async function expectAnnouncedOnce(b: Bed, tag: string, stream: { created: string[]; firstId: number }, mayRepeat: ReadonlySet<string> = new Set()) {
  const { created, firstId } = stream;
  await eventually(() => {
    const seen = new Set(slackTags(b, tag));
    return created.every((name) => seen.has(name)) ? true : undefined;
  }, 30_000);
  const events = storedProductEvents(b);
  created.forEach((name, i) => expect([name, events.get(firstId + i)]).toEqual([name, 1]));
  const counts = new Map<string, number>();
  for (const name of slackTags(b, tag)) counts.set(name, (counts.get(name) ?? 0) + 1);
  const repeated = [...counts].filter(([, count]) => count > 1).map(([name]) => name);
  for (const name of repeated) expect(mayRepeat).toContain(name);
}

async function skippedWindow(b: Bed) {
  const data = await graphql(b, `{ defectDojoConnection { webhookStatus lastHealedAt skippedWindow { from to healed message } } }`);
  return data.defectDojoConnection as {
    webhookStatus: string;
    lastHealedAt: string | null;
    skippedWindow: { from: string; to: string | null; healed: boolean; message: string } | null;
  };
}

const systemEndpoints = (b: Bed) => b.peers.dojo.webhookEndpointRows().filter((endpoint) => endpoint.owner === null);

describe("DefectDojo's webhook switch, and the bridge turning it back on", () => {
  it("killed -9 while DefectDojo sends: restarted on the same port and database, it re-creates the endpoint and fills the gap", async () => {
    const b = await setUp({ timeoutMs: 5000 });
    const first = await startBridge(b);
    await slackOn(b);
    const stream = productStream(b, "kill");
    await eventually(() => (sentCount(b) >= 10 ? true : undefined), 20_000);

    first.child.kill("SIGKILL");
    await first.exited;
    // What the dead bridge had handed to Slack may be sent again: its answer may not have been recorded.
    const mayRepeat = new Set(slackTags(b, "kill"));
    // DefectDojo's next send is refused: helper.py makes that permanent, and skips every later event.
    const refused = await eventually(() => b.sender.log.find((entry) => entry.outcome === "permanent"));
    await eventually(() => (b.sender.log.filter((entry) => entry.outcome === "skipped" && entry.at > refused.at).length >= 5 ? true : undefined));
    expect(b.peers.dojo.webhookEndpointRow(b.endpointId)?.status).toBe("inactive_permanent");

    const restarting = Date.now();
    await startBridge(b);
    const back = Date.now();
    const healed = await eventually(() => {
      const ours = systemEndpoints(b);
      return ours.length === 1 && ours[0].id !== b.endpointId && ours[0].status === "active" && ours[0].name === "Dojo Relay" ? Date.now() : undefined;
    }, 60_000);
    expect(healed - back).toBeLessThan(60_000);
    await eventually(() => (sentCount(b, healed) >= 10 ? true : undefined), 20_000);
    await stream.stop();
    await expectAnnouncedOnce(b, "kill", stream, mayRepeat);
    const filled = Date.now();

    const state = await skippedWindow(b);
    expect(state.webhookStatus).toBe("active");
    expect(state.skippedWindow).toMatchObject({ from: new Date(refused.at).toISOString(), healed: true, to: state.lastHealedAt });
    expect(state.skippedWindow!.message).toContain("DefectDojo skipped its webhook from");
    process.stdout.write(
      `webhook-switch kill -9: restart ${back - restarting} ms, active again ${healed - back} ms after the bridge was back, ` +
        `gap filled ${filled - back} ms after; ${stream.created.length} products, ` +
        `${b.sender.log.filter((e) => e.outcome === "skipped").length} skipped by DefectDojo\n`,
    );
  });

  it("a 503 from a database that failed for a moment: DefectDojo pauses (inactive_tmp), sends again, and the gap is filled", async () => {
    // Past SQLite's busy timeout (5 s) and the bridge's own writes queued before the webhook's: the bridge answers 503 first.
    const b = await setUp({ timeoutMs: 40_000 });
    await startBridge(b);
    await slackOn(b);
    const before = productStream(b, "dbok");
    await eventually(() => (sentCount(b) >= 5 ? true : undefined), 20_000);
    await before.stop();
    // Quiet first (every message out), so the webhook's write waits behind as few of the bridge's own as can be.
    await expectAnnouncedOnce(b, "dbok", before);

    const lock = new Sqlite(b.databasePath, { timeout: 5000 });
    lock.exec("BEGIN IMMEDIATE");
    const locked = Date.now();
    const stream = productStream(b, "dbfail", 5001);
    let paused;
    try {
      paused = await eventually(() => b.sender.log.find((entry) => entry.outcome === "temporary"), 40_000);
    } finally {
      lock.exec("ROLLBACK");
      lock.close();
    }
    expect(paused.detail).toBe("503");
    const back = Date.now();
    const sending = await eventually(() => (b.sender.log.some((entry) => entry.outcome === "sent" && entry.at > paused.at) ? Date.now() : undefined), 30_000);
    expect(b.sender.log.some((entry) => entry.outcome === "skipped" && entry.at > paused.at)).toBe(true);
    expect(systemEndpoints(b).map((endpoint) => [endpoint.id, endpoint.status])).toEqual([[b.endpointId, "active_tmp"]]);
    await eventually(() => (sentCount(b, sending) >= 3 ? true : undefined), 20_000);
    await stream.stop();
    await expectAnnouncedOnce(b, "dbfail", stream);
    const filled = Date.now();

    const state = await eventually(async () => {
      const current = await skippedWindow(b);
      return current.skippedWindow?.to ? current : undefined;
    });
    expect(state.skippedWindow).toMatchObject({ from: new Date(paused.at).toISOString(), healed: false });
    expect(state.lastHealedAt).toBeNull();
    process.stdout.write(
      `webhook-switch 503: answered ${paused.at - locked} ms after the lock, DefectDojo sent again ${sending - back} ms after the database was back, gap filled ${filled - back} ms after\n`,
    );
  });

  it("an answer slower than DefectDojo's timeout: inactive_tmp, the late event kept once, the rest filled in", async () => {
    const b = await setUp({ timeoutMs: 1000 });
    const bridge = await startBridge(b);
    await slackOn(b);
    const stream = productStream(b, "slow");
    await eventually(() => (sentCount(b) >= 5 ? true : undefined), 20_000);

    // A bridge that stalls (an overloaded host, a long pause) answers late, not wrong: what it read meanwhile it keeps.
    bridge.child.kill("SIGSTOP");
    let timedOut;
    try {
      timedOut = await eventually(() => b.sender.log.find((entry) => entry.outcome === "temporary"), 20_000);
    } finally {
      bridge.child.kill("SIGCONT");
    }
    expect(timedOut.detail).toMatch(/timed out/);
    const back = Date.now();
    const sending = await eventually(() => (b.sender.log.some((entry) => entry.outcome === "sent" && entry.at > timedOut.at) ? Date.now() : undefined), 30_000);
    expect(b.sender.log.some((entry) => entry.outcome === "skipped" && entry.at > timedOut.at)).toBe(true);
    await eventually(() => (sentCount(b, sending) >= 5 ? true : undefined), 20_000);
    await stream.stop();
    await expectAnnouncedOnce(b, "slow", stream);
    const filled = Date.now();

    const state = await eventually(async () => {
      const current = await skippedWindow(b);
      return current.skippedWindow?.to ? current : undefined;
    });
    expect(state.skippedWindow).toMatchObject({ from: new Date(timedOut.at).toISOString(), healed: false });
    expect(state.lastHealedAt).toBeNull();
    process.stdout.write(`webhook-switch timeout: DefectDojo sent again ${sending - back} ms after, gap filled ${filled - back} ms after\n`);
  });
});
