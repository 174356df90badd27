import { existsSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import Sqlite from "better-sqlite3";
import { startDojoPeer } from "../peers/dojo-peer";
import { SLACK_PEER_TOKEN, startSlackPeer } from "../peers/slack-peer";
import { startSmtpPeer } from "../peers/smtp-peer";
import { startTeamsPeer } from "../peers/teams-peer";
import { ChildRelay, freePort, MAIN, spawnRelay, waitForHealth } from "../support/child-relay";
import { rawRequest, RawResponse } from "../support/http-client";
import { eventually, Peers, relayEnv, startPeers, SUPERUSER_TOKEN, WEBHOOK_SECRET } from "../support/relay-harness";
import { webhookFixture } from "../support/fixtures";
import { CHANNELS, ChannelName, countRedeliveries, receivedTags, taggedProductAdded } from "../support/tagged-messages";
import { tempDir } from "../support/temp-dir";

/**
 * The bridge as deployed (the built `dist/src/main.js` in its own process) killed, stopped and
 * restarted on one SQLite file, against real Slack, Teams and SMTP peers in this process.
 */

/** The documented default of DELIVERY_MAX_IN_FLIGHT_PER_TARGET. */
const DEFAULT_PER_TARGET_BOUND = 8;

interface RunningChild {
  process: ChildRelay;
  url: string;
  /** Every response body the bridge sent this test, for the secrets check. */
  responses: string[];
  graphql(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; json: any }>;
  postWebhook(body: unknown, event?: string, secret?: string): Promise<RawResponse>;
}

/** Starts the built bridge in `dir` with `env` on a free port, and waits until it is healthy. */
async function startChild(dir: string, env: Record<string, string>): Promise<RunningChild> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnRelay(dir, { ...env, PORT: String(port) });
  await waitForHealth(url, child);
  const responses: string[] = [];
  const keep = (response: RawResponse) => {
    responses.push(response.body);
    return response;
  };
  return {
    process: child,
    url,
    responses,
    graphql: async (query, variables, token = SUPERUSER_TOKEN) => {
      const response = keep(
        await rawRequest(`${url}/graphql`, {
          headers: { "Content-Type": "application/json", Authorization: `Token ${token}` },
          body: JSON.stringify({ query, variables }),
        }),
      );
      return { status: response.status, json: JSON.parse(response.body) };
    },
    postWebhook: async (body, event = "product_added", secret = WEBHOOK_SECRET) =>
      keep(
        await rawRequest(`${url}/webhooks/defectdojo`, {
          headers: {
            "Content-Type": "application/json",
            "X-DefectDojo-Event": event,
            "X-DefectDojo-Instance": "http://localhost:8080",
            Authorization: secret,
          },
          body: JSON.stringify(body),
        }),
      ),
  };
}

/** The environment of a deployment pointing at the peers; personal notifications and polling off. */
function childEnv(peers: Peers, databasePath: string, extra: Record<string, string> = {}): Record<string, string> {
  const { DOJO_API_KEY: _off, ...env } = relayEnv(peers, databasePath, { POLL_CRON: "off" });
  return { ...env, ...extra };
}

const CONFIGURE = `mutation($input: SystemSettingsInput!) {
  updateSystemSettings(input: $input) { slackTokenSet msteamsUrlSet mailNotificationsTo }
}`;

async function configureChannels(relay: RunningChild, input: { slackToken: string; msteamsUrl: string }, token?: string) {
  const result = await relay.graphql(
    CONFIGURE,
    {
      input: {
        enableSlackNotifications: true,
        slackChannel: "#security",
        slackUsername: "DefectDojo",
        enableMsteamsNotifications: true,
        enableMailNotifications: true,
        mailNotificationsTo: ["secops@example.com"],
        ...input,
      },
    },
    token,
  );
  expect(result.json).toEqual({
    data: { updateSystemSettings: { slackTokenSet: true, msteamsUrlSet: true, mailNotificationsTo: ["secops@example.com"] } },
  });
}

/** Opens the bridge's SQLite file read-only, as an operator inspecting it would. */
function readDatabase<T>(path: string, read: (db: Sqlite.Database) => T): T {
  const db = new Sqlite(path, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function statusCounts(path: string): Record<string, number> {
  return readDatabase(path, (db) =>
    Object.fromEntries(
      (db.prepare("SELECT status, COUNT(*) AS n FROM delivery GROUP BY status").all() as Array<{ status: string; n: number }>).map(
        (row) => [row.status, row.n],
      ),
    ),
  );
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Whether a new TCP connection to the port is accepted (a fresh one: no keep-alive socket reused). */
function acceptsConnections(port: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(port), "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function report(line: string) {
  process.stdout.write(`[crash-recovery] ${line}\n`);
}

describe("the bridge process killed, stopped and restarted", () => {
  let peers: Peers;
  let dir: ReturnType<typeof tempDir>;
  let databasePath: string;
  const children: RunningChild[] = [];

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run the tests with \`npm test\`, which builds first`);
  });
  beforeEach(async () => {
    peers = await startPeers();
    dir = tempDir();
    databasePath = join(dir.path, "relay.sqlite");
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.process.child.kill("SIGKILL");
    await peers.close();
    dir.cleanup();
  });
  const start = async (extra: Record<string, string> = {}) => {
    const child = await startChild(dir.path, childEnv(peers, databasePath, extra));
    children.push(child);
    return child;
  };

  it("loses nothing to a kill -9 mid-delivery, and sends again at most what was in flight", async () => {
    const EVENTS = 667;
    // Slow answers while the events are posted keep most of them waiting in the outbox.
    peers.slack.delayAnswers(200);
    peers.teams.delayAnswers(200);
    peers.smtp.delayAnswers(200);
    const first = await start();
    await configureChannels(first, { slackToken: SLACK_PEER_TOKEN, msteamsUrl: peers.teams.url });

    const startedAt = Date.now();
    await inParallel([...Array(EVENTS).keys()], 16, async (n) => {
      expect((await first.postWebhook(taggedProductAdded("crash", n, 100_000))).status).toBe(202);
    });
    const postedAt = Date.now();
    const total = EVENTS * CHANNELS.length;
    const sentWhilePosting = statusCounts(databasePath).SENT ?? 0;
    expect(sentWhilePosting).toBeLessThan(total / 3);

    // A few milliseconds per answer from now on: fast, but slow enough to kill mid-delivery.
    peers.slack.delayAnswers(3);
    peers.teams.delayAnswers(3);
    peers.smtp.delayAnswers(3);
    const receivedCount = () => Object.values(receivedTags(peers, "crash")).flat().length;
    await eventually(() => (receivedCount() >= total / 3 ? true : undefined), 30_000);
    first.process.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await first.process.exited).toBeNull();
    const receivedAtKill = receivedCount();
    expect(receivedAtKill).toBeLessThan(total);

    // The file as the killed process left it: intact, in WAL mode, its claimed rows still claimed.
    const atKill = readDatabase(databasePath, (db) => ({
      integrity: db.pragma("integrity_check", { simple: true }),
      journalMode: db.pragma("journal_mode", { simple: true }),
      rows: (db.prepare("SELECT COUNT(*) AS n FROM delivery").get() as { n: number }).n,
      sent: (db.prepare("SELECT COUNT(*) AS n FROM delivery WHERE status = 'SENT'").get() as { n: number }).n,
      // Claimed and not recorded as sent: what a restart sends again.
      inFlight: db
        .prepare(
          `SELECT d.channel, e.title FROM delivery d JOIN event e ON e.id = d.event_id
            WHERE d.status IN ('PENDING', 'RETRYING') AND d.lease_expires_at IS NOT NULL`,
        )
        .all() as Array<{ channel: ChannelName; title: string }>,
    }));
    expect(atKill.integrity).toBe("ok");
    expect(atKill.journalMode).toBe("wal");
    expect(atKill.rows).toBe(total);
    const inFlightAtKill = atKill.inFlight.length;
    const inFlightByChannel = CHANNELS.map((channel) => atKill.inFlight.filter((row) => row.channel === channel).length);
    for (const count of inFlightByChannel) expect(count).toBeLessThanOrEqual(DEFAULT_PER_TARGET_BOUND);

    const restartedAt = Date.now();
    await start();
    await eventually(() => (statusCounts(databasePath).SENT === total ? true : undefined), 60_000);
    const doneAt = Date.now();

    const received = receivedTags(peers, "crash");
    const inFlight = new Set(atKill.inFlight.map((row) => `${row.channel} ${row.title}`));
    const duplicates = countRedeliveries(received, inFlight, EVENTS);
    expect(duplicates).toBeLessThanOrEqual(inFlightAtKill);
    expect(inFlightAtKill).toBeLessThanOrEqual(DEFAULT_PER_TARGET_BOUND * CHANNELS.length);
    report(
      `${total} deliveries: posted in ${postedAt - startedAt} ms (${sentWhilePosting} sent meanwhile); killed ${killedAt - postedAt} ms later ` +
        `with ${atKill.sent} SENT in the database (${receivedAtKill} received), ${inFlightAtKill} in flight ` +
        `(${CHANNELS.map((channel, index) => `${channel} ${inFlightByChannel[index]}`).join(", ")}); ` +
        `after the restart all SENT in ${doneAt - restartedAt} ms; ${duplicates} received twice`,
    );
  });

  it("keeps every webhook it answered 2xx through a kill -9 mid-ingestion, and never half an event", async () => {
    const REQUESTS = 600;
    const KILL_AFTER_ACCEPTED = 150;
    const relay = await start();
    await configureChannels(relay, { slackToken: SLACK_PEER_TOKEN, msteamsUrl: peers.teams.url });

    // The status, or how the request failed: reset while in flight, or refused once the process was gone.
    const outcomes = new Map<string, number | string>();
    let accepted = 0;
    await inParallel([...Array(REQUESTS).keys()], 24, async (n) => {
      const body = taggedProductAdded("ingest", n, 200_000);
      try {
        const response = await relay.postWebhook(body);
        outcomes.set(body.title, response.status);
        if (response.status === 202 && ++accepted === KILL_AFTER_ACCEPTED) relay.process.child.kill("SIGKILL");
      } catch (error) {
        outcomes.set(body.title, (error as NodeJS.ErrnoException).code ?? "no answer");
      }
    });
    expect(await relay.process.exited).toBeNull();

    const answered2xx = [...outcomes].filter(([, outcome]) => outcome === 202).map(([title]) => title);
    const answeredError = [...outcomes].filter(([, outcome]) => typeof outcome === "number" && outcome !== 202).map(([title]) => title);
    const unanswered = [...outcomes].filter(([, outcome]) => typeof outcome === "string").map(([title]) => title);
    const resetInFlight = [...outcomes.values()].filter((outcome) => outcome === "ECONNRESET").length;
    expect(answered2xx.length).toBeGreaterThanOrEqual(KILL_AFTER_ACCEPTED);
    expect(unanswered.length).toBeGreaterThan(0);

    const stored = readDatabase(databasePath, (db) => {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      return new Map(
        (
          db
            .prepare(
              `SELECT e.title, GROUP_CONCAT(d.channel) AS channels FROM event e LEFT JOIN delivery d ON d.event_id = e.id
                WHERE e.title LIKE 'ingest-%' GROUP BY e.id`,
            )
            .all() as Array<{ title: string; channels: string | null }>
        ).map((row) => [row.title, (row.channels ?? "").split(",").filter(Boolean).sort()]),
      );
    });
    // Every stored event has its three rows: none half-stored, whatever its request saw.
    for (const channels of stored.values()) expect(channels).toEqual(["MAIL", "MSTEAMS", "SLACK"]);
    for (const title of answered2xx) expect(stored.has(title)).toBe(true);
    for (const title of answeredError) expect(stored.has(title)).toBe(false);
    const unansweredButStored = unanswered.filter((title) => stored.has(title)).length;

    await start();
    await eventually(() => (statusCounts(databasePath).SENT === stored.size * CHANNELS.length ? true : undefined), 30_000);
    const received = receivedTags(peers, "ingest");
    for (const channel of CHANNELS) {
      expect(new Set(received[channel])).toEqual(new Set(stored.keys()));
    }
    report(
      `ingestion: ${REQUESTS} posted, killed after ${KILL_AFTER_ACCEPTED} accepted; ${answered2xx.length} answered 202, ` +
        `${answeredError.length} answered with an error, ${unanswered.length} without answer (${resetInFlight} reset in flight, ` +
        `${unanswered.length - resetInFlight} never connected; ${unansweredButStored} of them stored whole, the rest absent); ` +
        `${stored.size} events stored, all delivered after the restart`,
    );
  });

  it("rides out Slack 500s and a 429 with Retry-After, with bounded backoff, and gives up on a dead target saying why", async () => {
    const RETRY_BASE_MS = 50;
    const RETRY_MAX_MS = 200;
    const MAX_ATTEMPTS = 10;
    const SERVER_ERRORS = 8;
    // The bridge's timers, queued database writes (each commit waits for fsync) and this process's event loop.
    const LATENCY_MS = 500;
    const relay = await start({
      DELIVERY_RETRY_BASE_MS: String(RETRY_BASE_MS),
      DELIVERY_RETRY_MAX_MS: String(RETRY_MAX_MS),
      DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    });
    await configureChannels(relay, { slackToken: SLACK_PEER_TOKEN, msteamsUrl: peers.teams.url });
    peers.slack.failNext([...Array(SERVER_ERRORS).fill({ status: 500 }), { status: 429, retryAfter: 2 }]);
    peers.teams.respondNext(Array(3 * MAX_ATTEMPTS + 5).fill({ status: 503, body: "Service Unavailable" }));

    expect((await relay.postWebhook(taggedProductAdded("retry", 0, 300_000))).status).toBe(202);
    // Two more events while Slack has us paused: they wait for the Retry-After too.
    const limited = await eventually(() => peers.slack.calls.find((call) => call.status === 429));
    for (const n of [1, 2]) expect((await relay.postWebhook(taggedProductAdded("retry", n, 300_000))).status).toBe(202);

    const deliveries = await eventually(async () => {
      const { json } = await relay.graphql(`{ deliveries(first: 20) { edges { node { eventTitle channel status attempts lastError } } } }`);
      const nodes: Array<{ channel: string; status: string; attempts: number; lastError: string | null; eventTitle: string }> =
        json.data.deliveries.edges.map((edge: { node: unknown }) => edge.node);
      return nodes.length === 9 && nodes.every((node) => node.status === "SENT" || node.status === "FAILED") ? nodes : undefined;
    }, 20_000);

    // Slack: everything delivered after the recovery, the first message on its last allowed attempt.
    const slackRows = deliveries.filter((row) => row.channel === "SLACK");
    expect(slackRows.map((row) => [row.eventTitle, row.status, row.attempts, row.lastError]).sort()).toEqual([
      ["retry-0000", "SENT", SERVER_ERRORS + 2, null],
      ["retry-0001", "SENT", 1, null],
      ["retry-0002", "SENT", 1, null],
    ]);
    const calls = peers.slack.callsOf("chat.postMessage");
    expect(calls.map((call) => call.status)).toEqual([...Array(SERVER_ERRORS).fill(500), 429, 200, 200, 200]);
    // Nothing reached Slack before the Retry-After was over.
    for (const call of calls.slice(SERVER_ERRORS + 1)) expect(call.at - limited.answeredAt!).toBeGreaterThanOrEqual(2000);
    // Backoff: each retry waited at least half its exponential step and never much more than the
    // configured maximum. Uncapped, the sixth to eighth would have waited 800 ms and more.
    const gaps = calls.slice(1, SERVER_ERRORS + 2).map((call, index) => call.at - calls[index].answeredAt!);
    gaps.slice(0, SERVER_ERRORS).forEach((gap, index) => {
      expect(gap).toBeGreaterThanOrEqual(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** index) / 2);
      expect(gap).toBeLessThanOrEqual(RETRY_MAX_MS + LATENCY_MS);
    });
    expect(RETRY_BASE_MS * 2 ** (SERVER_ERRORS - 1) / 2).toBeGreaterThan(RETRY_MAX_MS + LATENCY_MS);
    const afterRetryAfter = gaps[SERVER_ERRORS];
    expect(afterRetryAfter).toBeGreaterThanOrEqual(2000);
    expect(afterRetryAfter).toBeLessThanOrEqual(2000 + LATENCY_MS);

    // Teams answering 503 for ever: FAILED after the configured attempts, with the reason.
    const teamsRows = deliveries.filter((row) => row.channel === "MSTEAMS");
    expect(teamsRows).toHaveLength(3);
    for (const row of teamsRows) {
      expect(row).toMatchObject({ status: "FAILED", attempts: MAX_ATTEMPTS });
      // The status only: an answer's body is never quoted (issue 17).
      expect(row.lastError).toBe(`gave up after ${MAX_ATTEMPTS} attempts: server_error: HTTP 503 from Microsoft Teams`);
    }
    expect(peers.teams.requests).toHaveLength(3 * MAX_ATTEMPTS);
    expect(deliveries.filter((row) => row.channel === "MAIL").map((row) => row.status)).toEqual(["SENT", "SENT", "SENT"]);
    report(`retries: Slack gaps ${gaps.join(", ")} ms`);
  });

  it("on SIGTERM stops accepting, finishes the sends in flight, exits 0, and the restart sends the rest once", async () => {
    const EVENTS = 30;
    const relay = await start({ SHUTDOWN_DRAIN_MS: "3000" });
    await configureChannels(relay, { slackToken: SLACK_PEER_TOKEN, msteamsUrl: peers.teams.url });
    // Answers take twice the drain: the first sends are still in flight when the port closes. (As long
    // as the drain, they were answered about then, and whether their successors had started was a race.)
    peers.slack.delayAnswers(6000);
    for (let n = 0; n < EVENTS - 1; n++) expect((await relay.postWebhook(taggedProductAdded("term", n, 400_000))).status).toBe(202);
    const unanswered = () => peers.slack.calls.filter((call) => call.answeredAt === undefined).length;
    await eventually(() => (unanswered() === DEFAULT_PER_TARGET_BOUND ? true : undefined));

    const port = new URL(relay.url).port;
    expect(await acceptsConnections(port)).toBe(true);
    relay.process.child.kill("SIGTERM");
    // Draining first: not ready, yet still taking webhooks, so a load balancer stops sending before the port closes
    // (DefectDojo's sender turns its webhook off for good on a refused connection: dojo/notifications/helper.py).
    const draining = await eventually(async () => {
      const answer = await rawRequest(`${relay.url}/readyz`, { method: "GET" });
      return answer.status === 503 ? answer : undefined;
    });
    expect(JSON.parse(draining.body)).toEqual({ status: "draining", failing: ["shutdown"] });
    expect((await relay.postWebhook(taggedProductAdded("term", EVENTS - 1, 400_000))).status).toBe(202);
    // No longer accepting connections, while still running: its Slack sends take 6 s.
    await eventually(async () => ((await acceptsConnections(port)) ? undefined : true));
    const stillSending = unanswered();
    expect(relay.process.child.exitCode).toBeNull();
    expect(stillSending).toBe(DEFAULT_PER_TARGET_BOUND);

    expect(await relay.process.exited).toBe(0);
    const slackAtStop = peers.slack.calls.length;
    const afterStop = readDatabase(databasePath, (db) => ({
      leased: (db.prepare("SELECT COUNT(*) AS n FROM delivery WHERE lease_expires_at IS NOT NULL").get() as { n: number }).n,
      slackSent: (db.prepare("SELECT COUNT(*) AS n FROM delivery WHERE channel = 'SLACK' AND status = 'SENT'").get() as { n: number }).n,
    }));
    // Every Slack message that went out was answered and recorded; nothing is left claimed.
    expect(afterStop).toEqual({ leased: 0, slackSent: slackAtStop });
    expect(slackAtStop).toBeLessThan(EVENTS);
    expect(relay.process.output.stdout).toContain('"msg":"dojo relay stopped"');

    peers.slack.delayAnswers(0);
    await start();
    await eventually(() => (statusCounts(databasePath).SENT === EVENTS * CHANNELS.length ? true : undefined), 20_000);
    const received = receivedTags(peers, "term");
    for (const channel of CHANNELS) {
      expect(received[channel]).toHaveLength(EVENTS);
      expect(new Set(received[channel]).size).toBe(EVENTS);
    }
    report(
      `SIGTERM: connections refused while ${stillSending} Slack sends were in flight; ${slackAtStop} Slack sends finished ` +
        `before exit 0, ${EVENTS - slackAtStop} sent after the restart, none twice`,
    );
  }, 60_000);

  it("never shows a secret in its log or any API response, through configuration, deliveries and failures", async () => {
    // Every secret distinctive, with characters that encode differently in URLs, forms and JSON.
    const secrets = {
      slackToken: "xoxb-2468-secret-slack-token-Kq7Zp",
      teamsSig: "teamsSig-secret-Hm3Rw9Lx",
      smtpPassword: "smtp pass/secret:Vb8@Nc",
      webhook: "Token webhook-secret-Jd5Tg2",
      dojoApiKey: "dojo-service-secret-Wf4Qa8",
      userToken: "dojo-user-secret-Pr6Ys1",
      secretKey: "relay-secret-key-Xe2Uo7-long-enough-for-hkdf",
    };
    // Peers of its own, that accept only these secrets.
    await peers.close();
    const [slack, teams, smtp, dojo] = await Promise.all([
      startSlackPeer({ tokens: [secrets.slackToken] }),
      startTeamsPeer(secrets.teamsSig),
      startSmtpPeer({ user: "relay", pass: secrets.smtpPassword }),
      startDojoPeer(),
    ]);
    peers = { slack, teams, smtp, dojo, close: async () => void (await Promise.all([slack.close(), teams.close(), smtp.close(), dojo.close()])) };
    dojo.addServiceToken(secrets.dojoApiKey);
    dojo.addUser({ id: 7, username: "secops-admin", email: "admin@example.com", isSuperuser: true, token: secrets.userToken });
    const smtpUrl = smtp.urlWith("relay", secrets.smtpPassword);

    const relay = await start({
      DOJO_API_KEY: secrets.dojoApiKey,
      POLL_CRON: "* * * * * *",
      SMTP_URL: smtpUrl,
      WEBHOOK_HEADER_VALUE: secrets.webhook,
      SECRET_KEY: secrets.secretKey,
      LOG_LEVEL: "debug",
    });
    await configureChannels(relay, { slackToken: secrets.slackToken, msteamsUrl: teams.url }, secrets.userToken);

    // Failures whose answers echo the credential back, and a refused SMTP login.
    slack.failNext([{ body: { ok: false, error: `invalid_auth ${secrets.slackToken}` } }, { status: 500, body: { ok: false, error: secrets.slackToken } }]);
    teams.respondNext([{ status: 500, body: `no flow for ${teams.url}` }]);
    smtp.refuseNextLogins(1);
    expect((await relay.postWebhook(webhookFixture("product_added"), "product_added", secrets.webhook)).status).toBe(202);
    expect((await relay.postWebhook(webhookFixture("engagement_added"), "engagement_added", secrets.webhook)).status).toBe(202);
    expect((await relay.postWebhook(webhookFixture("ping"), "ping", `${secrets.webhook}x`)).status).toBe(401);
    expect((await relay.graphql("{ me { username } }", undefined, `${secrets.userToken}x`)).status).toBe(401);

    const settled = await eventually(async () => {
      const { json } = await relay.graphql(
        "{ deliveries(first: 50) { edges { node { event channel target status attempts lastError } } } }",
        undefined,
        secrets.userToken,
      );
      const nodes: Array<{ channel: string; status: string; lastError: string | null }> = json.data.deliveries.edges.map(
        (edge: { node: unknown }) => edge.node,
      );
      return nodes.length >= 6 && nodes.every((node) => node.status === "SENT" || node.status === "FAILED") ? nodes : undefined;
    }, 20_000);
    // The failures happened, and their reasons are there without the secret.
    const reasons = settled.map((row) => row.lastError ?? "").join("\n");
    expect(reasons).toMatch(/invalid_auth <secret>/);
    expect(reasons).toMatch(/SMTP EAUTH/);
    expect(settled.filter((row) => row.status === "SENT").length).toBeGreaterThanOrEqual(3);
    const testSend = await relay.graphql("mutation { sendTestNotification(channel: MSTEAMS) { status lastError } }", undefined, secrets.userToken);
    expect(testSend.json.data.sendTestNotification).toEqual({ status: "SENT", lastError: null });
    await eventually(async () => {
      const { json } = await relay.graphql("{ pollerStatus { resource lastRunAt } }", undefined, secrets.userToken);
      // Polled DefectDojo with the API key.
      return json.data.pollerStatus.some((row: { lastRunAt: string | null }) => row.lastRunAt) ? true : undefined;
    });
    for (const query of ["{ systemSettings { slackTokenSet msteamsUrlSet mailNotificationsTo } }", "{ me { username isSuperuser } }"]) {
      expect((await relay.graphql(query, undefined, secrets.userToken)).status).toBe(200);
    }
    relay.process.child.kill("SIGTERM");
    expect(await relay.process.exited).toBe(0);

    const everything = [relay.process.output.stdout, relay.process.output.stderr, ...relay.responses].join("\n");
    const stored = readdirSync(dir.path)
      .filter((file) => file.startsWith("relay.sqlite"))
      .map((file) => readFileSync(join(dir.path, file)).toString("latin1"))
      .join("\n");
    expect(everything).toContain('"msg":"delivered"');
    for (const secret of [...Object.values(secrets), teams.url, smtpUrl]) {
      for (const form of new Set([
        secret,
        encodeURIComponent(secret),
        new URLSearchParams({ s: secret }).toString().slice(2),
        JSON.stringify(secret).slice(1, -1),
        Buffer.from(secret).toString("base64"),
      ])) {
        expect(everything).not.toContain(form);
        expect(stored).not.toContain(form);
      }
    }
  });
});
