import { AddressInfo } from "node:net";
import { PollerHealth } from "../../src/ingest/poll/poller";
import { createHealthHandler } from "../../src/http/health";
import { createHttpServer } from "../../src/http/http-server";
import { migratedDatabase } from "../support/database";
import { rawRequest } from "../support/http-client";
import { quietLogger } from "../support/quiet-logger";

describe("GET /healthz", () => {
  // Security review (issue 17): /healthz is unauthenticated; an error's text may name hosts, paths or more.
  it("says the poller's state without any error text", async () => {
    const database = await migratedDatabase();
    const health: PollerHealth = {
      status: "failing",
      errors: { findings: "request to http://10.1.2.3:8080/api/v2/findings/ failed: ECONNREFUSED" },
      lastRunAt: Date.now(),
    };
    const server = createHttpServer({ "/healthz": { GET: createHealthHandler(database.db, { status: () => health }) } }, quietLogger());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const answer = await rawRequest(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`, { method: "GET" });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ status: "degraded", database: "ok", poller: "failing" });
      expect(answer.body).not.toContain("10.1.2.3");
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await database.close();
    }
  });
});
