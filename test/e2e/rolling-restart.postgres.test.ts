import { existsSync } from "node:fs";
import { createServer, request, Server } from "node:http";
import { AddressInfo } from "node:net";
import { createDojoWebhookSender, DojoWebhookSender } from "../peers/dojo-webhook-sender";
import { SLACK_PEER_TOKEN } from "../peers/slack-peer";
import { ChildRelay, freePort, MAIN, spawnRelay, waitForHealth } from "../support/child-relay";
import { rawRequest } from "../support/http-client";
import { describePostgres, freshPostgresDatabase } from "../support/postgres";
import { eventually, Peers, relayEnv, startPeers, SUPERUSER_TOKEN, WEBHOOK_SECRET } from "../support/relay-harness";
import { tempDir } from "../support/temp-dir";

/**
 * A rolling restart of two built bridges on one PostgreSQL database, behind a load balancer that
 * routes only to replicas whose /readyz answers 200, while DefectDojo's sender (helper.py's switch,
 * test/peers/dojo-webhook-sender.ts) keeps sending: each SIGTERM fails readiness first and keeps taking
 * webhooks for SHUTDOWN_DRAIN_MS, so DefectDojo never meets a refused connection or an error, and its
 * endpoint stays `active` throughout (DefectDojo HEAD and 2.58.2-changelog dojo/notifications/helper.py).
 */

jest.setTimeout(60_000);

interface Replica {
  process: ChildRelay;
  url: string;
}

/** Round-robin over the replicas that answered /readyz 200 at the last look (every 50 ms), as a Service does. */
async function startLoadBalancer(replicas: () => Replica[]) {
  const ready = new Set<string>();
  let next = 0;
  const failures: string[] = [];
  const probe = setInterval(() => {
    for (const replica of replicas()) {
      rawRequest(`${replica.url}/readyz`, { method: "GET" }).then(
        (response) => (response.status === 200 ? ready.add(replica.url) : ready.delete(replica.url)),
        () => ready.delete(replica.url),
      );
    }
  }, 50);
  const server: Server = createServer((req, res) => {
    const targets = [...ready];
    if (targets.length === 0) {
      failures.push("no replica ready");
      res.writeHead(503).end();
      return;
    }
    const target = new URL(req.url ?? "/", targets[next++ % targets.length]);
    const upstream = request(target, { method: req.method, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", (error) => {
      failures.push(`${target.origin}: ${error.message}`);
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ready,
    failures,
    close: () => {
      clearInterval(probe);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describePostgres("a rolling restart of two replicas while DefectDojo sends", () => {
  let peers: Peers;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let sender: DojoWebhookSender;
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  const replicas: Replica[] = [];

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run the tests with \`npm test\`, which builds first`);
  });
  beforeEach(async () => {
    peers = await startPeers();
    database = await freshPostgresDatabase();
  });
  afterEach(async () => {
    sender?.close();
    for (const replica of replicas) if (replica.process.child.exitCode === null) replica.process.child.kill("SIGKILL");
    await Promise.all(replicas.splice(0).map((replica) => replica.process.exited));
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
      POLL_CRON: "* * * * * *",
      DOJO_WEBHOOK_CHECK_MS: "250",
      // Ten looks of the load balancer: it stops sending well before the port closes.
      SHUTDOWN_DRAIN_MS: "1000",
      LOG_LEVEL: "warn",
    });
    const child = spawnRelay(dir.path, env);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, child);
    const replica = { process: child, url };
    replicas.push(replica);
    return replica;
  };

  it("keeps DefectDojo's endpoint active throughout, and announces every product once", async () => {
    peers.dojo.addProductType({ id: 1, name: "apps" });
    const live = () => replicas.filter((replica) => replica.process.child.exitCode === null);
    const balancer = await startLoadBalancer(live);
    try {
      const endpointId = peers.dojo.addWebhookEndpoint({
        name: "Dojo Relay",
        url: `${balancer.url}/webhooks/defectdojo`,
        headerName: "Authorization",
        headerValue: WEBHOOK_SECRET,
      });
      sender = createDojoWebhookSender(peers.dojo, { timeoutMs: 10_000, reactivationDelayMs: 1000 });
      const first = await startReplica();
      const second = await startReplica();
      await eventually(() => (balancer.ready.size === 2 ? true : undefined));
      const configured = await rawRequest(`${first.url}/graphql`, {
        headers: { "Content-Type": "application/json", Authorization: `Token ${SUPERUSER_TOKEN}` },
        body: JSON.stringify({
          query: `mutation($input: SystemSettingsInput!) { updateSystemSettings(input: $input) { slackTokenSet } }`,
          variables: { input: { enableSlackNotifications: true, slackToken: SLACK_PEER_TOKEN, slackChannel: "#security", slackUsername: "DefectDojo" } },
        }),
      });
      expect(JSON.parse(configured.body).errors).toBeUndefined();

      const statuses = new Set<string>();
      const watch = setInterval(() => statuses.add(peers.dojo.webhookEndpointRow(endpointId)?.status ?? "gone"), 10);
      const created: string[] = [];
      let stopped = false;
      const stream = (async () => {
        for (let n = 1; !stopped; n++) {
          const name = `roll-${String(n).padStart(4, "0")}`;
          created.push(name);
          void sender.createProduct({ id: 2000 + n, name, productTypeId: 1, productTypeName: "apps" });
          await new Promise((resolve) => setTimeout(resolve, 40));
        }
      })();
      const sent = () => {
        // Fail at once, naming it, when DefectDojo met anything but a 2xx (the drain is what prevents it).
        const trouble = sender.log.find((entry) => entry.outcome !== "sent");
        if (trouble) throw new Error(`DefectDojo's send of ${trouble.tag} was ${trouble.outcome}: ${trouble.detail}`);
        return sender.log.length;
      };
      try {
        // Replace each replica in turn: SIGTERM, wait for its exit (0), start its successor, wait until it is routed to.
        for (const old of [first, second]) {
          const before = sent();
          await eventually(() => (sent() >= before + 10 ? true : undefined), 20_000);
          old.process.child.kill("SIGTERM");
          expect(await old.process.exited).toBe(0);
          const successor = await startReplica();
          await eventually(() => (balancer.ready.has(successor.url) ? true : undefined), 20_000);
        }
        const after = sent();
        await eventually(() => (sent() >= after + 10 ? true : undefined), 20_000);
      } finally {
        stopped = true;
        await stream;
        await sender.idle();
        clearInterval(watch);
      }

      expect(balancer.failures).toEqual([]);
      expect(sender.log.filter((entry) => entry.outcome !== "sent")).toEqual([]);
      expect([...statuses]).toEqual(["active"]);
      expect(peers.dojo.webhookEndpoints().map((endpoint) => [endpoint.id, endpoint.status])).toEqual([[endpointId, "active"]]);

      const names = () =>
        peers.slack
          .callsOf("chat.postMessage")
          .map((call) => /roll-\d{4}/.exec(String(call.args.text))?.[0])
          .filter((name): name is string => name !== undefined);
      await eventually(() => (new Set(names()).size === created.length ? true : undefined), 30_000);
      expect(names().sort()).toEqual([...created].sort());
      process.stdout.write(`[rolling restart] ${created.length} products, endpoint statuses seen: ${[...statuses].join(", ")}\n`);
    } finally {
      await balancer.close();
    }
  });
});
