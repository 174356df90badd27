import { rawRequest } from "../support/http-client";
import { webhookFixture } from "../support/fixtures";
import { parsePrometheusText, scrape, Scrape } from "../support/prometheus-text";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";
import { createMetrics } from "../../src/metrics/metrics";

const DELIVERIES = "dojo_relay_deliveries_total";
const EVENTS = "dojo_relay_events_received_total";

/** Scrapes until `check` holds, then returns that scrape. */
const scrapeUntil = (url: string, check: (s: Scrape) => boolean, timeoutMs?: number) =>
  eventually(async () => {
    const s = await scrape(url);
    return check(s) ? s : undefined;
  }, timeoutMs);

describe("GET /metrics on a running bridge", () => {
  let peers: Peers;
  let relay: RunningRelay;

  afterEach(async () => {
    await relay?.close();
    await peers?.close();
  });

  describe("without polling", () => {
    beforeEach(async () => {
      peers = await startPeers();
      relay = await startTestRelay(peers, { env: { POLL_CRON: "off" } });
      await relay.configureAllChannels();
    });

    it("counts events received and every delivery attempt by channel, outcome and reason", async () => {
      const before = await scrape(relay.relay.url);
      expect(before.types.get(EVENTS)).toBe("counter");
      expect(before.types.get(DELIVERIES)).toBe("counter");
      expect(before.types.get("dojo_relay_outbox_depth")).toBe("gauge");
      expect(before.types.get("dojo_relay_outbox_oldest_pending_age_seconds")).toBe("gauge");
      expect(before.types.get("dojo_relay_poll_duration_seconds")).toBe("histogram");
      expect(before.types.get("dojo_relay_poll_errors_total")).toBe("counter");
      expect(before.types.get("dojo_relay_http_request_duration_seconds")).toBe("histogram");
      // Default process metrics, on the bridge's own registry.
      expect(before.find("process_cpu_user_seconds_total")).toHaveLength(1);
      expect(before.find("nodejs_heap_size_used_bytes")).toHaveLength(1);
      expect(before.value("dojo_relay_outbox_depth")).toBe(0);
      expect(before.value("dojo_relay_outbox_oldest_pending_age_seconds")).toBe(0);
      expect(before.value(EVENTS)).toBe(0);

      // Slack refuses the channel (permanent: FAILED), Teams fails once (retried, then sent), mail goes through.
      peers.slack.failNext([{ body: { ok: false, error: "channel_not_found" } }]);
      peers.teams.respondNext([{ status: 503 }]);
      const first = await relay.postWebhook("product_added", webhookFixture("product_added"));
      expect(first.status).toBe(202);
      const again = await relay.postWebhook("product_added", webhookFixture("product_added"));
      expect(again.status).toBe(200);
      const other = await relay.postWebhook("engagement_added", webhookFixture("engagement_added"));
      expect(other.status).toBe(202);

      const after = await scrapeUntil(
        relay.relay.url,
        (s) =>
          s.value(DELIVERIES, { channel: "MSTEAMS", outcome: "sent" }) === 2 &&
          s.value(DELIVERIES, { channel: "MAIL", outcome: "sent" }) === 2 &&
          s.value(DELIVERIES, { channel: "SLACK" }) === 2 &&
          s.value("dojo_relay_outbox_depth") === 0,
      );
      expect(after.value(EVENTS, { source: "webhook", event: "product_added", outcome: "stored" })).toBe(1);
      expect(after.value(EVENTS, { source: "webhook", event: "product_added", outcome: "duplicate" })).toBe(1);
      expect(after.value(EVENTS, { source: "webhook", event: "engagement_added", outcome: "stored" })).toBe(1);
      expect(after.value(EVENTS)).toBe(3);

      expect(after.value(DELIVERIES, { channel: "SLACK", outcome: "failed", reason: "client_error" })).toBe(1);
      expect(after.value(DELIVERIES, { channel: "SLACK", outcome: "sent", reason: "" })).toBe(1);
      expect(after.value(DELIVERIES, { channel: "MSTEAMS", outcome: "retry", reason: "server_error" })).toBe(1);
      expect(after.value(DELIVERIES, { channel: "MSTEAMS", outcome: "sent", reason: "" })).toBe(2);
      expect(after.value(DELIVERIES, { channel: "MAIL", outcome: "sent", reason: "" })).toBe(2);
      expect(after.value(DELIVERIES)).toBe(7);
      expect(after.value("dojo_relay_outbox_oldest_pending_age_seconds")).toBe(0);

      // Nothing that names a target or holds a secret.
      expect(after.text).not.toContain(peers.teams.sig);
      expect(after.text).not.toContain("secops@example.com");
      expect(after.text).not.toContain("#security");
      expect(after.text).not.toContain("xoxb-");
    });

    it("counts the events of test sends as source test", async () => {
      const sent = await relay.graphql(`mutation { sendTestNotification(channel: MAIL) { status } }`);
      expect(sent.errors).toBeUndefined();
      const s = await scrapeUntil(relay.relay.url, (s) => s.value(DELIVERIES, { channel: "MAIL", outcome: "sent" }) === 1);
      expect(s.value(EVENTS, { source: "test", event: "test_notification", outcome: "stored" })).toBe(1);
    });

    it("reports the outbox depth and the age of the oldest waiting delivery", async () => {
      // Teams answers 503 with a Retry-After of a minute: its row waits, RETRYING, while the others are sent.
      peers.teams.respondNext([{ status: 503, retryAfter: 60 }]);
      expect((await relay.postWebhook("product_added", webhookFixture("product_added"))).status).toBe(202);
      const waiting = await scrapeUntil(
        relay.relay.url,
        (s) => s.value(DELIVERIES, { channel: "MSTEAMS", outcome: "retry" }) === 1 && s.value(DELIVERIES, { outcome: "sent" }) === 2,
      );
      expect(waiting.value("dojo_relay_outbox_depth")).toBe(1);
      const firstAge = waiting.value("dojo_relay_outbox_oldest_pending_age_seconds");
      expect(firstAge).toBeGreaterThanOrEqual(0);
      expect(firstAge).toBeLessThan(30);
      // The same row still waits, and its age grows with the clock.
      const later = await scrapeUntil(relay.relay.url, (s) => s.value("dojo_relay_outbox_oldest_pending_age_seconds") >= firstAge + 1);
      expect(later.value("dojo_relay_outbox_depth")).toBe(1);
    });

    it("times HTTP requests by method, matched route and status; unknown paths are `other`", async () => {
      await relay.postWebhook("product_added", webhookFixture("product_added"));
      await rawRequest(`${relay.relay.url}/webhooks/defectdojo`, { headers: { "X-DefectDojo-Event": "product_added" }, body: "{}" });
      await rawRequest(`${relay.relay.url}/healthz`, { method: "GET" });
      await rawRequest(`${relay.relay.url}/healthz`, { method: "POST" });
      await rawRequest(`${relay.relay.url}/no/such/path?x=1`, { method: "GET" });
      await rawRequest(`${relay.relay.url}/another-unknown-path`, { method: "GET" });
      const s = await scrape(relay.relay.url);
      const count = (labels: Record<string, string>) => s.value("dojo_relay_http_request_duration_seconds_count", labels);
      expect(count({ method: "POST", route: "/webhooks/defectdojo", status: "202" })).toBe(1);
      expect(count({ method: "POST", route: "/webhooks/defectdojo", status: "401" })).toBe(1);
      expect(count({ method: "GET", route: "/healthz", status: "200" })).toBe(1);
      expect(count({ method: "POST", route: "/healthz", status: "405" })).toBe(1);
      expect(count({ method: "GET", route: "other", status: "404" })).toBe(2);
      expect(count({ method: "POST", route: "/graphql", status: "200" })).toBeGreaterThanOrEqual(1);
      expect(s.text).not.toContain("/no/such/path");
      expect(s.text).not.toContain("another-unknown-path");
      expect(s.value("dojo_relay_http_request_duration_seconds_sum", { route: "/healthz" })).toBeGreaterThan(0);
      // The previous scrape is counted by the next one.
      const next = await scrape(relay.relay.url);
      expect(next.value("dojo_relay_http_request_duration_seconds_count", { method: "GET", route: "/metrics", status: "200" })).toBe(1);
    });
  });

  describe("with polling every second", () => {
    beforeEach(async () => {
      peers = await startPeers();
      peers.dojo.addProductType({ id: 4, name: "notif prod type" });
      relay = await startTestRelay(peers, { env: { POLL_CRON: "* * * * * *" } });
      await relay.configureAllChannels();
    });

    it("times each resource's poll, counts poll errors, and counts polled events as source poll", async () => {
      const polled = await scrapeUntil(relay.relay.url, (s) =>
        s.value("dojo_relay_poll_duration_seconds_count", { resource: "products" }) >= 1,
      );
      expect(polled.value("dojo_relay_poll_errors_total")).toBe(0);

      peers.dojo.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
      await scrapeUntil(relay.relay.url, (s) => s.value(EVENTS, { source: "poll", event: "product_added", outcome: "stored" }) === 1);
      const late = await relay.postWebhook("product_added", webhookFixture("product_added"));
      expect(JSON.parse(late.body).status).toBe("duplicate");

      peers.dojo.failApiWith(500, "products");
      const failing = await scrapeUntil(
        relay.relay.url,
        (s) => s.value("dojo_relay_poll_errors_total", { resource: "products" }) >= 1,
        15_000,
      );
      expect(failing.value(EVENTS, { source: "webhook", event: "product_added", outcome: "duplicate" })).toBe(1);
      expect(failing.value("dojo_relay_poll_errors_total", { resource: "findings" })).toBe(0);
    });
  });
});

describe("dojo_relay_defectdojo_webhook_status on a running bridge", () => {
  let peers: Peers;
  let relay: RunningRelay;
  afterEach(async () => {
    await relay?.close();
    await peers?.close();
  });

  it("is 1 for the endpoint's status in DefectDojo and 0 for the others, all 0 before one is registered", async () => {
    const STATUS = "dojo_relay_defectdojo_webhook_status";
    peers = await startPeers();
    relay = await startTestRelay(peers, { env: { POLL_CRON: "off" } });
    const none = await scrape(relay.relay.url);
    expect(none.types.get(STATUS)).toBe("gauge");
    expect(none.find(STATUS).map((sample) => [sample.labels.status, sample.value])).toEqual([
      ["active", 0],
      ["active_tmp", 0],
      ["inactive_tmp", 0],
      ["inactive_permanent", 0],
    ]);

    const id = peers.dojo.addWebhookEndpoint({ name: "Dojo Relay", url: "https://relay.example.com/webhooks/defectdojo" });
    peers.dojo.setWebhookStatus(id, "inactive_tmp", "Response status code: 503");
    // A scrape reuses the last reading for 10 s; the connection query reads afresh.
    await relay.graphql("{ defectDojoConnection { webhookStatus } }");
    const inactive = await scrape(relay.relay.url);
    expect(inactive.value(STATUS, { status: "inactive_tmp" })).toBe(1);
    expect(inactive.value(STATUS)).toBe(1);
  });
});

describe("createMetrics", () => {
  it("keeps each bridge's metrics on its own registry", async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.eventReceived("webhook", "ping", true);
    a.deliveryAttempted("SLACK", "failed", "rate_limited");
    const textA = parsePrometheusText(await a.registry.metrics());
    const textB = parsePrometheusText(await b.registry.metrics());
    expect(textA.value(EVENTS, { source: "webhook", event: "ping", outcome: "stored" })).toBe(1);
    expect(textA.value(DELIVERIES, { channel: "SLACK", outcome: "failed", reason: "rate_limited" })).toBe(1);
    expect(textB.value(EVENTS)).toBe(0);
    expect(textB.value(DELIVERIES)).toBe(0);
  });

  it("reads the webhook status at scrape time, and keeps the last values while DefectDojo cannot be read", async () => {
    let status: string | null | Error = "active";
    const metrics = createMetrics({
      defaultMetrics: false,
      webhookStatus: async () => {
        if (status instanceof Error) throw status;
        return status;
      },
    });
    const values = async () => parsePrometheusText(await metrics.registry.metrics()).find("dojo_relay_defectdojo_webhook_status").map((sample) => [sample.labels.status, sample.value]);
    expect(await values()).toEqual([["active", 1], ["active_tmp", 0], ["inactive_tmp", 0], ["inactive_permanent", 0]]);
    status = new Error("unreachable");
    expect(await values()).toEqual([["active", 1], ["active_tmp", 0], ["inactive_tmp", 0], ["inactive_permanent", 0]]);
    status = "inactive_permanent";
    expect(await values()).toEqual([["active", 0], ["active_tmp", 0], ["inactive_tmp", 0], ["inactive_permanent", 1]]);
    // Without DefectDojo's API there is nothing to say: no samples.
    expect(parsePrometheusText(await createMetrics({ defaultMetrics: false }).registry.metrics()).find("dojo_relay_defectdojo_webhook_status")).toEqual([]);
  });

  it("reads the outbox once per scrape, and a failing read leaves the gauges as they were", async () => {
    let reads = 0;
    let fail = false;
    const metrics = createMetrics({
      defaultMetrics: false,
      now: () => 100_000,
      outbox: async () => {
        reads++;
        if (fail) throw new Error("database gone");
        return { depth: 7, oldestCreatedAt: 40_000 };
      },
    });
    const first = parsePrometheusText(await metrics.registry.metrics());
    expect(reads).toBe(1);
    expect(first.value("dojo_relay_outbox_depth")).toBe(7);
    expect(first.value("dojo_relay_outbox_oldest_pending_age_seconds")).toBe(60);
    fail = true;
    const second = parsePrometheusText(await metrics.registry.metrics());
    expect(reads).toBe(2);
    expect(second.value("dojo_relay_outbox_depth")).toBe(7);
  });
});
