import { AddressInfo } from "node:net";
import { Server } from "node:http";
import { Channel } from "../../../src/vocabulary/channel";
import { createHttpServer } from "../../../src/http/http-server";
import { createEventIntake } from "../../../src/ingest/accept-event";
import { createKeepAside } from "../../../src/ingest/keep-aside";
import { createWebhookReceiver } from "../../../src/ingest/webhook/webhook-receiver";
import { DeliveryEntity } from "../../../src/storage/entities/delivery.entity";
import { EventEntity } from "../../../src/storage/entities/event.entity";
import { KeptAsideReason, KeptAsideRequestEntity } from "../../../src/storage/entities/kept-aside-request.entity";
import { RoutingRuleStore } from "../../../src/storage/routing-rule-store";
import { SecretBox } from "../../../src/storage/secret-box";
import { SettingsStore } from "../../../src/storage/settings-store";
import { migratedDatabase } from "../../support/database";
import { allWebhookFixtures, eventNameOf, webhookFixture } from "../../support/fixtures";
import { rawRequest } from "../../support/http-client";
import { quietLogger } from "../../support/quiet-logger";
import { ROUTED_NOWHERE } from "../../support/webhook-bed";

const SECRET = "Token webhook-secret-123";
const MAX_BYTES = 8 * 1024 * 1024;

/** The receiver on a real HTTP server, storing into a real SQLite file through the real intake. */
async function startReceiver(headerValue: string | null = SECRET) {
  const database = await migratedDatabase();
  const settings = new SettingsStore(database.db, new SecretBox("k, thirty-two characters or more"));
  await settings.updateSystemSettings({
    enableSlackNotifications: true,
    slackChannel: "#sec",
    enableMailNotifications: true,
    mailNotificationsTo: ["a@example.com", "b@example.com"],
  });
  // No workers: rows stay in the outbox for the assertions.
  const intake = createEventIntake({ db: database.db, settings, rules: new RoutingRuleStore(database.db, new SecretBox("k, thirty-two characters or more")), personalSubscriptions: null, onStored: () => undefined });
  let authenticated = 0;
  const server: Server = createHttpServer(
    {
      "/webhooks/defectdojo": {
        POST: createWebhookReceiver({
          headerName: "Authorization",
          headerValue,
          maxBodyBytes: MAX_BYTES,
          logger: quietLogger(),
          accept: (event, body) => intake.accept(event, body),
          keepAside: createKeepAside({ db: database.db }),
          authenticated: () => void (authenticated += 1),
        }),
      },
    },
    quietLogger(),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/defectdojo`;
  const counts = async () => ({
    events: await database.db.manager.count(EventEntity),
    deliveries: await database.db.manager.count(DeliveryEntity),
    keptAside: await database.db.manager.count(KeptAsideRequestEntity),
  });
  const keptAside = () => database.db.manager.find(KeptAsideRequestEntity, { order: { id: "ASC" } });
  const close = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
    await database.close();
  };
  return { url, db: database.db, settings, counts, keptAside, close, authenticated: () => authenticated };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Headers exactly as DefectDojo 2.58 sends them. */
function dojoHeaders(event: string, extra: Record<string, string> = {}) {
  return {
    "User-Agent": "DefectDojo-2.58.4",
    "X-DefectDojo-Event": event,
    "X-DefectDojo-Instance": "http://localhost:8080",
    Accept: "application/json",
    "Content-Type": "application/json",
    Authorization: SECRET,
    ...extra,
  };
}

const post = (receiver: Receiver, event: string, body: unknown, headers: Record<string, string> = {}) =>
  rawRequest(receiver.url, { headers: dojoHeaders(event, headers), body: JSON.stringify(body) });

describe("POST /webhooks/defectdojo", () => {
  let receiver: Receiver;
  beforeEach(async () => (receiver = await startReceiver()));
  afterEach(() => receiver.close());

  it.each(allWebhookFixtures())("accepts DefectDojo %s %s and stores it with its outbox rows", async (_v, fixture, body) => {
    const response = await post(receiver, eventNameOf(fixture), body);
    expect(response.status).toBe(202);
    const { eventId } = JSON.parse(response.body);
    const stored = await receiver.db.manager.findOneByOrFail(EventEntity, { id: eventId });
    expect(stored.name).toBe(eventNameOf(fixture));
    const rows = await receiver.db.manager.findBy(DeliveryEntity, { eventId });
    if (ROUTED_NOWHERE.has(eventNameOf(fixture))) {
      expect(rows).toEqual([]); // ping sends nothing; scan_added_empty is off by default; two events are personal-only
    } else {
      expect(rows.map((r) => [r.channel, r.target, r.status]).sort()).toEqual([
        [Channel.MAIL, "a@example.com, b@example.com", "PENDING"],
        [Channel.SLACK, "#sec", "PENDING"],
      ]);
    }
  });

  it("refuses a wrong or missing secret with 401 and stores nothing", async () => {
    const body = webhookFixture("product_added");
    expect((await post(receiver, "product_added", body, { Authorization: "Token wrong" })).status).toBe(401);
    const { Authorization: _omit, ...withoutAuth } = dojoHeaders("product_added");
    const missing = await rawRequest(receiver.url, { headers: withoutAuth, body: JSON.stringify(body) });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body).error).toMatch(/Authorization/);
    expect(await receiver.counts()).toEqual({ events: 0, deliveries: 0, keptAside: 0 });
    // Refused requests do not count as webhooks waiting (src/delivery/ingest-first.ts): a flood of them holds nothing back.
    expect(receiver.authenticated()).toBe(0);
    expect((await post(receiver, "product_added", body)).status).toBe(202);
    expect(receiver.authenticated()).toBe(1);
  });

  it("answers 401 to a large unauthenticated body without reading it into memory, and the client sees the answer", async () => {
    const response = await rawRequest(receiver.url, {
      headers: { ...dojoHeaders("scan_added"), Authorization: "nope" },
      chunks: Array.from({ length: 40 }, () => Buffer.alloc(512 * 1024, 0x20)),
    });
    expect(response.status).toBe(401);
    expect(await receiver.counts()).toEqual({ events: 0, deliveries: 0, keptAside: 0 });
  });

  it("refuses everything with 401 when no secret is configured", async () => {
    const open = await startReceiver(null);
    try {
      const response = await post(open, "product_added", webhookFixture("product_added"));
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body).error).toMatch(/WEBHOOK_HEADER_VALUE/);
      expect(await open.counts()).toEqual({ events: 0, deliveries: 0, keptAside: 0 });
    } finally {
      await open.close();
    }
  });

  // DefectDojo 2.58.2-changelog and HEAD dojo/notifications/helper.py send_webhooks_notification: any 4xx
  // but 429, and any exception but a Timeout (a reset mid-upload included), set the endpoint
  // STATUS_INACTIVE_PERMANENT. So an oversized body is read to its end and answered 202.
  it("reads a body over the limit to its end, keeps none of it, and answers 202 kept aside (Content-Length and chunked)", async () => {
    const big = Buffer.alloc(MAX_BYTES + 1, 0x20);
    // rawRequest rejects on a reset or EPIPE: a resolved 202 means the whole upload was taken.
    const declared = await rawRequest(receiver.url, { headers: dojoHeaders("scan_added"), body: big });
    expect(declared.status).toBe(202);
    expect(JSON.parse(declared.body)).toEqual({ status: "kept_aside", id: 1, reason: "TOO_LARGE", detail: expect.stringContaining(`${MAX_BYTES}`) });
    const chunks = Array.from({ length: 9 }, () => Buffer.alloc(1024 * 1024, 0x20));
    const streamed = await rawRequest(receiver.url, { headers: dojoHeaders("scan_added"), chunks });
    expect(streamed.status).toBe(202);
    expect(await receiver.counts()).toEqual({ events: 0, deliveries: 0, keptAside: 2 });
    const rows = await receiver.keptAside();
    // The sizes prove every byte was read; none of them was kept.
    expect(rows.map((row) => [row.reason, row.sizeBytes, row.body, row.bodyTruncated, row.eventName])).toEqual([
      [KeptAsideReason.TOO_LARGE, MAX_BYTES + 1, null, true, "scan_added"],
      [KeptAsideReason.TOO_LARGE, 9 * 1024 * 1024, null, true, "scan_added"],
    ]);
  });

  it.each([
    ["not JSON", "{not json", KeptAsideReason.INVALID_JSON],
    ["empty", "", KeptAsideReason.INVALID_JSON],
    ["a JSON array", "[1,2,3]", KeptAsideReason.NOT_AN_OBJECT],
    ["a JSON string", '"product"', KeptAsideReason.NOT_AN_OBJECT],
    ["a wrongly typed field", JSON.stringify({ title: 42 }), KeptAsideReason.INVALID_PAYLOAD],
    ["an event that names nothing", JSON.stringify({ description: "only words", title: "" }), KeptAsideReason.NAMES_NOTHING],
    ["an empty object", "{}", KeptAsideReason.NAMES_NOTHING],
  ])("keeps a body that is %s aside with 202 and its reason, storing no event", async (_case, body, reason) => {
    const response = await rawRequest(receiver.url, { headers: dojoHeaders("product_added"), body });
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ status: "kept_aside", id: 1, reason, detail: expect.any(String) });
    expect(await receiver.counts()).toEqual({ events: 0, deliveries: 0, keptAside: 1 });
    const [row] = await receiver.keptAside();
    expect(row).toMatchObject({ reason, eventName: "product_added", contentType: "application/json", sizeBytes: Buffer.byteLength(body) });
    expect(row.body).toBe(body === "" ? null : body);
    expect(row.bodyTruncated).toBe(false);
  });

  it("keeps a non-JSON content type and a missing or malformed event header aside with 202", async () => {
    const body = JSON.stringify(webhookFixture("product_added"));
    const textPlain = await rawRequest(receiver.url, { headers: dojoHeaders("product_added", { "Content-Type": "text/plain" }), body });
    expect(textPlain.status).toBe(202);
    const { "X-DefectDojo-Event": _omit, ...noEvent } = dojoHeaders("product_added");
    expect((await rawRequest(receiver.url, { headers: noEvent, body })).status).toBe(202);
    expect((await rawRequest(receiver.url, { headers: dojoHeaders("Product Added"), body })).status).toBe(202);
    expect(await receiver.counts()).toEqual({ events: 0, deliveries: 0, keptAside: 3 });
    expect((await receiver.keptAside()).map((row) => [row.reason, row.eventName, row.contentType])).toEqual([
      [KeptAsideReason.UNSUPPORTED_CONTENT_TYPE, "product_added", "text/plain"],
      [KeptAsideReason.MISSING_EVENT_HEADER, null, "application/json"],
      [KeptAsideReason.MALFORMED_EVENT_HEADER, "Product Added", "application/json"],
    ]);
  });

  // DefectDojo 2.58.2-changelog and HEAD dojo/notifications/helper.py _generate_request_details: User-Agent,
  // X-DefectDojo-Event, X-DefectDojo-Instance, Accept and the endpoint's own header_name: header_value.
  it("keeps the headers as sent, in order, with the secret header's value (and any credential) redacted", async () => {
    const body = "{not json";
    await rawRequest(receiver.url, { headers: dojoHeaders("product_added", { Cookie: "session=abc", "X-Long": "v".repeat(5000) }), body });
    const [row] = await receiver.keptAside();
    const headers = Object.fromEntries(row.headers.map((header) => [header.name, header.value]));
    expect(headers).toMatchObject({
      "User-Agent": "DefectDojo-2.58.4",
      "X-DefectDojo-Event": "product_added",
      "X-DefectDojo-Instance": "http://localhost:8080",
      Accept: "application/json",
      Authorization: "[redacted]",
      Cookie: "[redacted]",
    });
    expect(headers["X-Long"]).toHaveLength(1000);
    expect(JSON.stringify(row)).not.toContain("webhook-secret-123");
  });

  it("keeps the first 64 KiB of a large unusable body and says it was cut", async () => {
    const body = `{"title": ${"9".repeat(200_000)}`;
    expect((await rawRequest(receiver.url, { headers: dojoHeaders("product_added"), body })).status).toBe(202);
    const [row] = await receiver.keptAside();
    expect(row).toMatchObject({ reason: KeptAsideReason.INVALID_JSON, sizeBytes: body.length, bodyTruncated: true });
    expect(row.body).toBe(body.slice(0, 64 * 1024));
  });

  it("answers a ping (title empty, description only) 202 as an event, not kept aside", async () => {
    // DefectDojo HEAD dojo/notifications/helper.py _test_webhooks_notification: event "ping", description only.
    const response = await post(receiver, "ping", webhookFixture("ping"));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body).status).toBe("accepted");
    expect(await receiver.counts()).toEqual({ events: 1, deliveries: 0, keptAside: 0 });
  });

  it("accepts unknown events and missing optional fields, routed by the OTHER setting", async () => {
    const response = await post(receiver, "finding_group_deleted", { title: "Finding group deleted", description: "gone" });
    expect(response.status).toBe(202);
    expect(await receiver.counts()).toEqual({ events: 1, deliveries: 2, keptAside: 0 });
  });

  it("stores an event once however often it arrives", async () => {
    const body = webhookFixture("product_added");
    const first = await post(receiver, "product_added", body);
    const again = await post(receiver, "product_added", body);
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ status: "duplicate", eventId: JSON.parse(first.body).eventId });
    expect(await receiver.counts()).toEqual({ events: 1, deliveries: 2, keptAside: 0 });
  });

  it("stores an event once when the same request arrives concurrently", async () => {
    const body = webhookFixture("sla_breach");
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(receiver, "sla_breach", body)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    expect(await receiver.counts()).toEqual({ events: 1, deliveries: 2, keptAside: 0 });
  });

  it("accepts a 5 MB scan_added re-import", async () => {
    const base = webhookFixture("scan_added");
    const untouched = Array.from({ length: 25_000 }, (_, i) => ({
      id: 100_000 + i,
      title: `Untouched finding number ${i} from a very chatty scanner`,
      severity: "Low",
      url_ui: `http://localhost:8080/finding/${100_000 + i}`,
      url_api: `http://localhost:8080/api/v2/findings/${100_000 + i}/`,
    }));
    const body = { ...base, findings: { ...(base.findings as object), untouched } };
    const text = JSON.stringify(body);
    expect(text.length).toBeGreaterThan(5_000_000);
    const response = await rawRequest(receiver.url, { headers: dojoHeaders("scan_added"), body: text });
    expect(response.status).toBe(202);
    const stored = await receiver.db.manager.findOneByOrFail(EventEntity, { id: JSON.parse(response.body).eventId });
    expect(stored.data.findings?.untouchedCount).toBe(25_000);
    expect(stored.data.findings?.new).toHaveLength(1);
  });
});
