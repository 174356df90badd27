import { createLogger } from "../../src/logging/logger";
import { webhookFixture } from "../support/fixtures";
import { rawRequest } from "../support/http-client";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay, WEBHOOK_SECRET } from "../support/relay-harness";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type LogLine = Record<string, unknown> & { msg?: string };

describe("request ids and the event id in the logs", () => {
  let peers: Peers;
  let relay: RunningRelay;
  let lines: LogLine[];

  beforeEach(async () => {
    lines = [];
    peers = await startPeers();
    const logger = createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line)) });
    relay = await startTestRelay(peers, { env: { POLL_CRON: "off" }, logger });
    await relay.configureAllChannels();
  });
  afterEach(async () => {
    await relay.close();
    await peers.close();
  });

  const postWebhook = (event: string, headers: Record<string, string> = {}) =>
    rawRequest(`${relay.relay.url}/webhooks/defectdojo`, {
      headers: {
        "Content-Type": "application/json",
        "X-DefectDojo-Event": event,
        "X-DefectDojo-Instance": "http://localhost:8080",
        Authorization: WEBHOOK_SECRET,
        ...headers,
      },
      body: JSON.stringify(webhookFixture(event)),
    });
  const logged = (msg: string) => lines.filter((line) => line.msg === msg);

  it("honours a sane X-Request-Id, echoes it, and puts it with the eventId on the accepted line", async () => {
    const response = await postWebhook("product_added", { "X-Request-Id": "deploy-42.abc_DEF:7" });
    expect(response.status).toBe(202);
    expect(response.headers["x-request-id"]).toBe("deploy-42.abc_DEF:7");
    const { eventId } = JSON.parse(response.body);
    const [accepted] = logged("webhook accepted");
    expect(accepted).toMatchObject({ requestId: "deploy-42.abc_DEF:7", eventId, event: "product_added", duplicate: false });
  });

  it("makes a UUID when there is none or it is not a sane short token", async () => {
    const none = await postWebhook("product_added");
    expect(none.headers["x-request-id"]).toMatch(UUID);
    expect(logged("webhook accepted")[0].requestId).toBe(none.headers["x-request-id"]);

    for (const insane of ["has spaces", 'quo"te', "x".repeat(129), "a,b"]) {
      const response = await rawRequest(`${relay.relay.url}/healthz`, { method: "GET", headers: { "X-Request-Id": insane } });
      expect(response.headers["x-request-id"]).toMatch(UUID);
    }
    const short = await rawRequest(`${relay.relay.url}/healthz`, { method: "GET", headers: { "X-Request-Id": "x".repeat(128) } });
    expect(short.headers["x-request-id"]).toBe("x".repeat(128));
    // Every answer carries one, a 404 too, and two requests never share one.
    const missing = await rawRequest(`${relay.relay.url}/nowhere`, { method: "GET" });
    const again = await rawRequest(`${relay.relay.url}/nowhere`, { method: "GET" });
    expect(missing.status).toBe(404);
    expect(missing.headers["x-request-id"]).toMatch(UUID);
    expect(again.headers["x-request-id"]).not.toBe(missing.headers["x-request-id"]);
  });

  it("puts the request id on the rejected line", async () => {
    const response = await postWebhook("product_added", { Authorization: "Token wrong", "X-Request-Id": "rejected-1" });
    expect(response.status).toBe(401);
    expect(response.headers["x-request-id"]).toBe("rejected-1");
    expect(logged("webhook rejected")).toEqual([expect.objectContaining({ requestId: "rejected-1", status: 401 })]);
  });

  it("follows the event to each delivery by eventId (and deliveryId), not by the request id", async () => {
    // Slack refuses the channel: a failed line; Teams fails once: a retried line; then everything else is delivered.
    peers.slack.failNext([{ body: { ok: false, error: "channel_not_found" } }]);
    peers.teams.respondNext([{ status: 503 }]);
    const response = await postWebhook("product_added", { "X-Request-Id": "trace-me" });
    const { eventId } = JSON.parse(response.body);
    const delivered = await eventually(() => (logged("delivered").length === 2 ? logged("delivered") : undefined));
    const failed = logged("delivery failed");
    const retried = logged("delivery will be retried");
    expect(failed).toHaveLength(1);
    expect(retried).toHaveLength(1);
    const deliveryLines = [...delivered, ...failed, ...retried];
    for (const line of deliveryLines) {
      expect(line).toMatchObject({ eventId, deliveryId: expect.any(Number), channel: expect.any(String) });
      // The worker's run serves every event: it is not the request's.
      expect(line.requestId).toBeUndefined();
    }
    expect(new Set(deliveryLines.map((line) => line.channel))).toEqual(new Set(["SLACK", "MSTEAMS", "MAIL"]));
    expect(logged("webhook accepted")[0]).toMatchObject({ requestId: "trace-me", eventId });
  });
});
