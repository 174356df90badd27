import { AddressInfo } from "node:net";
import { join } from "node:path";
import { createHttpServer } from "../../src/http/http-server";
import { createReadinessHandler, ReadinessOptions } from "../../src/http/readiness";
import { createDataSource } from "../../src/storage/data-source";
import { Database } from "../../src/storage/database";
import { migratedDatabase } from "../support/database";
import { rawRequest } from "../support/http-client";
import { quietLogger } from "../support/quiet-logger";
import { Peers, startPeers, startTestRelay } from "../support/relay-harness";
import { tempDir } from "../support/temp-dir";

const get = (url: string) => rawRequest(url, { method: "GET" });

describe("GET /readyz on a running bridge", () => {
  it("is 200 with every check when the database, the migrations and DefectDojo are fine", async () => {
    const peers = await startPeers();
    const relay = await startTestRelay(peers);
    try {
      const ready = await get(`${relay.relay.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toEqual({
        status: "ready",
        // No endpoint of the bridge's in DefectDojo yet: not a failure.
        checks: { database: "ok", migrations: "ok", defectdojo: "ok", defectdojo_webhook: "ok" },
      });
      expect(ready.headers["content-type"]).toMatch(/^application\/json/);
    } finally {
      await relay.close();
      await peers.close();
    }
  });

  // DefectDojo 2.58.2-changelog and HEAD dojo/notifications/helper.py: a refused connection makes the webhook
  // inactive_permanent, so a bridge taken out of service for DefectDojo's sake would switch DefectDojo's webhook off.
  it("stays 200 with a defectdojo warning when DefectDojo is stopped, and /healthz stays 200", async () => {
    const peers: Peers = await startPeers();
    const relay = await startTestRelay(peers, { env: { POLL_CRON: "off" } });
    try {
      await peers.dojo.close();
      const unready = await get(`${relay.relay.url}/readyz`);
      expect(unready.status).toBe(200);
      const body = JSON.parse(unready.body);
      expect(body).toEqual({
        status: "ready",
        warnings: ["defectdojo"],
        // The endpoint's status cannot be read either; the defectdojo warning already says why.
        checks: { database: "ok", migrations: "ok", defectdojo: "unreachable", defectdojo_webhook: "ok" },
      });
      expect(unready.body).not.toContain("127.0.0.1");
      // Liveness does not depend on DefectDojo: restarting the bridge would not bring it back.
      const live = await get(`${relay.relay.url}/healthz`);
      expect(live.status).toBe(200);
      expect(JSON.parse(live.body)).toMatchObject({ status: "ok", database: "ok" });
    } finally {
      await relay.close();
      await Promise.all([peers.slack.close(), peers.teams.close(), peers.smtp.close()]);
    }
  });
});

describe("GET /readyz and the bridge's webhook endpoint in DefectDojo", () => {
  it("warns loudly, yet stays ready, while DefectDojo has the endpoint inactive, and drops the warning once it is active", async () => {
    const peers = await startPeers();
    const relay = await startTestRelay(peers, { env: { POLL_CRON: "off" } });
    const connection = () => relay.graphql("{ defectDojoConnection { webhookStatus } }");
    try {
      const registered = await relay.graphql<{ registerDefectDojoWebhook: { endpointId: number } }>(
        'mutation { registerDefectDojoWebhook(publicUrl: "https://relay.example.com") { endpointId } }',
      );
      const id = registered.data!.registerDefectDojoWebhook.endpointId;
      expect((await get(`${relay.relay.url}/readyz`)).status).toBe(200);

      // DefectDojo got a 4xx from somewhere. The connection query reads afresh (probes reuse a reading for 10 s).
      peers.dojo.setWebhookStatus(id, "inactive_permanent", "Response status code: 401");
      expect((await connection()).data).toEqual({ defectDojoConnection: { webhookStatus: "inactive_permanent" } });
      // Still ready: out of the load balancer, the bridge could not take the ping that revives the endpoint.
      const warned = await get(`${relay.relay.url}/readyz`);
      expect(warned.status).toBe(200);
      expect(JSON.parse(warned.body)).toEqual({
        status: "ready",
        warnings: ["defectdojo_webhook"],
        checks: { database: "ok", migrations: "ok", defectdojo: "ok", defectdojo_webhook: "inactive_permanent" },
      });

      peers.dojo.setWebhookStatus(id, "active");
      await connection();
      const recovered = JSON.parse((await get(`${relay.relay.url}/readyz`)).body);
      expect(recovered).toMatchObject({ status: "ready", checks: { defectdojo_webhook: "ok" } });
      expect(recovered.warnings).toBeUndefined();
    } finally {
      await relay.close();
      await peers.close();
    }
  });

  it("has no such check without DOJO_API_KEY", async () => {
    const peers = await startPeers();
    const relay = await startTestRelay(peers, { env: { POLL_CRON: "off", DOJO_API_KEY: "" } });
    try {
      expect(JSON.parse((await get(`${relay.relay.url}/readyz`)).body).checks).toEqual({ database: "ok", migrations: "ok", defectdojo: "ok" });
    } finally {
      await relay.close();
      await peers.close();
    }
  });
});

describe("createReadinessHandler", () => {
  /** Serves the handler alone on a loopback port. */
  async function serve(options: ReadinessOptions) {
    const server = createHttpServer({ "/readyz": { GET: createReadinessHandler(options) } }, quietLogger());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
    return {
      check: async () => {
        const response = await get(url);
        return { status: response.status, body: JSON.parse(response.body) };
      },
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it("reuses the DefectDojo check for cacheMs, then asks again", async () => {
    const database = await migratedDatabase();
    let clock = 1_000_000;
    const asked: string[] = [];
    let dojoStatus = 200;
    const fakeFetch = (async (url: string | URL) => {
      asked.push(String(url));
      return new Response("{}", { status: dojoStatus });
    }) as typeof fetch;
    const readyz = await serve({ db: database.db, dojoUrl: "http://dojo.example/prefix/", now: () => clock, fetch: fakeFetch });
    try {
      expect(await readyz.check()).toMatchObject({ status: 200, body: { checks: { defectdojo: "ok" } } });
      expect(asked).toEqual(["http://dojo.example/prefix/api/v2/"]);

      dojoStatus = 502;
      clock += 9_000;
      expect((await readyz.check()).status).toBe(200);
      expect(asked).toHaveLength(1);

      clock += 1_000;
      expect(await readyz.check()).toEqual({
        status: 200,
        body: { status: "ready", warnings: ["defectdojo"], checks: { database: "ok", migrations: "ok", defectdojo: "HTTP 502" } },
      });
      expect(asked).toHaveLength(2);

      // A 401 (the API root without a key) is DefectDojo answering: reachable.
      dojoStatus = 401;
      clock += 10_000;
      expect((await readyz.check()).status).toBe(200);
    } finally {
      await readyz.close();
      await database.close();
    }
  });

  it("names pending migrations, and checks no DefectDojo without DOJO_URL", async () => {
    const dir = tempDir();
    const dataSource = createDataSource(join(dir.path, "unmigrated.sqlite"));
    await dataSource.initialize();
    const readyz = await serve({ db: new Database(dataSource), dojoUrl: null });
    try {
      expect(await readyz.check()).toEqual({
        status: 503,
        body: { status: "not ready", failing: ["migrations"], checks: { database: "ok", migrations: "pending" } },
      });
    } finally {
      await readyz.close();
      await dataSource.destroy();
      dir.cleanup();
    }
  });

  it("warns about the webhook only for DefectDojo's inactive statuses, and never fails the probe for it", async () => {
    const database = await migratedDatabase();
    let status: string | null | Error = null;
    const readyz = await serve({
      db: database.db,
      dojoUrl: null,
      webhookStatus: async () => {
        if (status instanceof Error) throw status;
        return status;
      },
    });
    try {
      const seen: Array<[number, string, unknown]> = [];
      for (const next of [null, "active", "active_tmp", "inactive_tmp", "inactive_permanent", new Error("DefectDojo unreachable")]) {
        status = next;
        const result = await readyz.check();
        seen.push([result.status, result.body.checks.defectdojo_webhook, result.body.warnings]);
      }
      expect(seen).toEqual([
        [200, "ok", undefined],
        [200, "ok", undefined],
        [200, "ok", undefined],
        [200, "inactive_tmp", ["defectdojo_webhook"]],
        [200, "inactive_permanent", ["defectdojo_webhook"]],
        [200, "ok", undefined],
      ]);
    } finally {
      await readyz.close();
      await database.close();
    }
  });

  it("fails with draining once shutdown began, whatever the checks say", async () => {
    const database = await migratedDatabase();
    let draining = false;
    const readyz = await serve({ db: database.db, dojoUrl: null, draining: () => draining });
    try {
      expect((await readyz.check()).status).toBe(200);
      draining = true;
      expect(await readyz.check()).toEqual({ status: 503, body: { status: "draining", failing: ["shutdown"] } });
    } finally {
      await readyz.close();
      await database.close();
    }
  });

  it("says the database is unreachable when it does not answer", async () => {
    const database = await migratedDatabase();
    const readyz = await serve({ db: database.db, dojoUrl: null });
    await database.close();
    try {
      const result = await readyz.check();
      expect(result.status).toBe(503);
      expect(result.body.failing).toContain("database");
      expect(result.body.checks.database).toBe("unreachable");
    } finally {
      await readyz.close();
    }
  });
});
