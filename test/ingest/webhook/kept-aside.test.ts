import BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import { KeptAsideReason } from "../../../src/storage/entities/kept-aside-request.entity";
import { createDojoWebhookSender, SenderLogEntry } from "../../peers/dojo-webhook-sender";
import { allWebhookFixtures, webhookFixture } from "../../support/fixtures";
import { rawRequest, RawResponse } from "../../support/http-client";
import { scrape } from "../../support/prometheus-text";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay, USER_TOKEN, WEBHOOK_SECRET } from "../../support/relay-harness";

/**
 * Kept-aside requests end to end: a real bridge with its workers, delivering to the Slack, Teams
 * and SMTP stand-ins. DefectDojo turns its endpoint off for good on any 4xx but 429 and on a
 * connection error, and pauses it on a 5xx (2.58.2-changelog and HEAD dojo/notifications/helper.py,
 * WebhookNotificationManger.send_webhooks_notification), so every request with the right secret
 * must get a 2xx; what the bridge cannot use is kept aside and never reaches a channel.
 */

const MAX_BYTES = 4096;
/** In every kept-aside request: it must never reach a channel. */
const MARKER = "KEPT-ASIDE-MARKER";

/** Headers as DefectDojo sends them (_generate_request_details, both refs); python-requests adds Content-Type. */
function dojoHeaders(event: string | null, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "User-Agent": "DefectDojo-2.58.4",
    ...(event === null ? {} : { "X-DefectDojo-Event": event }),
    "X-DefectDojo-Instance": "http://localhost:8080",
    Accept: "application/json",
    "Content-Type": "application/json",
    Authorization: WEBHOOK_SECRET,
    ...extra,
  };
}

const KEPT_LIST = `query ($first: Int, $after: String) {
  keptAsideRequests(first: $first, after: $after) {
    edges { cursor node { id receivedAt reason detail eventName contentType sizeBytes headers { name value } body bodyTruncated } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface KeptNode {
  id: string;
  reason: KeptAsideReason;
  detail: string;
  eventName: string | null;
  contentType: string | null;
  sizeBytes: number;
  headers: Array<{ name: string; value: string }>;
  body: string | null;
  bodyTruncated: boolean;
}

/** Everything the three stand-ins received, as one text. */
const receivedText = (peers: Peers) => JSON.stringify([peers.slack.calls, peers.teams.requests, peers.smtp.messages.map((m) => m.raw)]);

describe("kept-aside webhook requests on a running bridge", () => {
  let peers: Peers;
  let relay: RunningRelay;
  const post = (headers: Record<string, string>, body: string | Buffer) => rawRequest(`${relay.relay.url}/webhooks/defectdojo`, { headers, body });

  beforeEach(async () => {
    peers = await startPeers();
    relay = await startTestRelay(peers, { env: { POLL_CRON: "off", WEBHOOK_MAX_BYTES: String(MAX_BYTES) } });
    await relay.configureAllChannels();
  });
  afterEach(async () => {
    await relay?.close();
    await peers?.close();
  });

  /** One request per reason, each carrying MARKER where it can. */
  const REQUESTS: Array<[KeptAsideReason, Record<string, string>, string]> = [
    [KeptAsideReason.TOO_LARGE, dojoHeaders("product_added"), JSON.stringify({ title: MARKER, padding: "x".repeat(MAX_BYTES) })],
    [KeptAsideReason.UNSUPPORTED_CONTENT_TYPE, dojoHeaders("product_added", { "Content-Type": "text/plain" }), JSON.stringify({ title: MARKER })],
    [KeptAsideReason.MISSING_EVENT_HEADER, dojoHeaders(null), JSON.stringify({ title: MARKER })],
    [KeptAsideReason.MALFORMED_EVENT_HEADER, dojoHeaders("Product Added"), JSON.stringify({ title: MARKER })],
    [KeptAsideReason.INVALID_JSON, dojoHeaders("product_added"), `{"title": "${MARKER}"`],
    [KeptAsideReason.NOT_AN_OBJECT, dojoHeaders("product_added"), JSON.stringify([MARKER])],
    [KeptAsideReason.INVALID_PAYLOAD, dojoHeaders("product_added"), JSON.stringify({ title: MARKER, product: { id: "4", name: "p" } })],
    [KeptAsideReason.NAMES_NOTHING, dojoHeaders("finding_group_deleted"), JSON.stringify({ title: "", description: MARKER })],
  ];

  it("answers each unusable request 202, keeps it, counts it, lists it for superusers, and sends none of it", async () => {
    expect(new Set(REQUESTS.map(([reason]) => reason))).toEqual(new Set(Object.values(KeptAsideReason)));
    const answers: Array<{ status: string; id: number; reason: string }> = [];
    for (const [reason, headers, body] of REQUESTS) {
      const response = await post(headers, body);
      expect(response.status).toBe(202);
      const answer = JSON.parse(response.body);
      expect(answer).toEqual({ status: "kept_aside", id: expect.any(Number), reason, detail: expect.any(String) });
      answers.push(answer);
    }
    // A wrong secret: 401, nothing kept.
    expect((await post(dojoHeaders("product_added", { Authorization: "Token wrong" }), "{not json")).status).toBe(401);

    // A usable event afterwards goes out on all three channels; nothing kept aside went with it.
    expect((await relay.postWebhook("product_added", webhookFixture("product_added"))).status).toBe(202);
    await eventually(() => (peers.slack.callsOf("chat.postMessage").length >= 1 && peers.teams.requests.length >= 1 && peers.smtp.messages.length >= 1) || undefined);
    // Give the workers a moment to send anything else they (wrongly) hold, then look.
    await eventually(async () => {
      const result = await relay.graphql<{ deliveries: { edges: Array<{ node: { status: string } }> } }>("{ deliveries(first: 100) { edges { node { status } } } }");
      return result.data!.deliveries.edges.every((edge) => edge.node.status === "SENT") ? true : undefined;
    });
    expect(peers.slack.callsOf("chat.postMessage")).toHaveLength(1);
    expect(peers.teams.requests).toHaveLength(1);
    expect(peers.smtp.messages).toHaveLength(1);
    expect(receivedText(peers)).not.toContain(MARKER);

    // Counted, with the existing labels: source, event ("" without a valid event name), outcome.
    const metrics = await scrape(relay.relay.url);
    const keptSamples = metrics.find("dojo_relay_events_received_total").filter((sample) => sample.labels.outcome === "kept_aside");
    expect(Object.fromEntries(keptSamples.map((sample) => [sample.labels.event, sample.value]))).toEqual({
      product_added: 5,
      finding_group_deleted: 1,
      "": 2,
    });
    expect(keptSamples.every((sample) => sample.labels.source === "webhook")).toBe(true);
    expect(metrics.value("dojo_relay_events_received_total", { outcome: "stored" })).toBe(1);

    // Listed for superusers, newest first, with the headers (secret redacted) and the bodies.
    const list = await relay.graphql<{ keptAsideRequests: { edges: Array<{ node: KeptNode }> } }>(KEPT_LIST, { first: 20 });
    expect(list.errors).toBeUndefined();
    const nodes = list.data!.keptAsideRequests.edges.map((edge) => edge.node);
    expect(nodes.map((node) => [Number(node.id), node.reason])).toEqual(answers.map((answer) => [answer.id, answer.reason]).reverse());
    const byReason = new Map(nodes.map((node) => [node.reason, node]));
    expect(byReason.get(KeptAsideReason.TOO_LARGE)).toMatchObject({ body: null, bodyTruncated: true, sizeBytes: REQUESTS[0][2].length });
    expect(byReason.get(KeptAsideReason.INVALID_JSON)).toMatchObject({ body: REQUESTS[4][2], bodyTruncated: false, eventName: "product_added" });
    expect(byReason.get(KeptAsideReason.UNSUPPORTED_CONTENT_TYPE)?.contentType).toBe("text/plain");
    expect(byReason.get(KeptAsideReason.MALFORMED_EVENT_HEADER)?.eventName).toBe("Product Added");
    for (const node of nodes) {
      expect(node.headers).toEqual(expect.arrayContaining([{ name: "Authorization", value: "[redacted]" }, { name: "User-Agent", value: "DefectDojo-2.58.4" }]));
    }
    expect(list.raw).not.toContain(WEBHOOK_SECRET);

    // A plain user is refused.
    const forbidden = await relay.graphql(KEPT_LIST, { first: 20 }, USER_TOKEN);
    expect(forbidden.errors?.map((error) => error.extensions?.code)).toEqual(["FORBIDDEN"]);
  });

  it("leaves DefectDojo's endpoint active through every unusable body, where a wrong secret switches it off for good", async () => {
    const url = `${relay.relay.url}/webhooks/defectdojo`;
    const endpoint = peers.dojo.addWebhookEndpoint({ name: "Dojo Relay", url, headerName: "Authorization", headerValue: WEBHOOK_SECRET });
    const unusable = [
      "{not json",
      "[1, 2]",
      JSON.stringify({ title: 5 }),
      JSON.stringify({ title: "", description: "only words" }),
      JSON.stringify({ title: "big", padding: "x".repeat(MAX_BYTES * 50) }),
    ];
    const sender = createDojoWebhookSender(peers.dojo);
    const outcomes = (entries: SenderLogEntry[]) => entries.map(({ endpointId, outcome, detail }) => ({ endpointId, outcome, detail }));
    try {
      for (const rawBody of unusable) {
        expect(outcomes(await sender.send("product_added", { rawBody }))).toEqual([{ endpointId: endpoint, outcome: "sent", detail: "202" }]);
      }
      expect(outcomes(await sender.send("ping", { body: webhookFixture("ping") }))).toEqual([{ endpointId: endpoint, outcome: "sent", detail: "202" }]);
      expect(peers.dojo.webhookEndpoints().find((e) => e.id === endpoint)?.status).toBe("active");

      // An endpoint with a wrong header value: DefectDojo's rule turns it off for good, and skips it from then on.
      const wrong = peers.dojo.addWebhookEndpoint({ name: "Wrong", url, headerName: "Authorization", headerValue: "Token wrong" });
      const product = { body: webhookFixture("product_added") };
      expect(outcomes(await sender.send("product_added", product))).toEqual([
        { endpointId: endpoint, outcome: "sent", detail: "202" },
        { endpointId: wrong, outcome: "permanent", detail: "401" },
      ]);
      expect(peers.dojo.webhookEndpoints().find((e) => e.id === wrong)?.status).toBe("inactive_permanent");
      expect(outcomes(await sender.send("product_added", product))).toEqual([
        { endpointId: endpoint, outcome: "sent", detail: "200" },
        { endpointId: wrong, outcome: "skipped", detail: "inactive_permanent" },
      ]);
    } finally {
      sender.close();
    }
  });

  it("keeps a ping working as before: 202 accepted, recorded, nothing sent, nothing kept aside", async () => {
    // DefectDojo HEAD dojo/notifications/helper.py _test_webhooks_notification: "ping" with a description only.
    const response = await relay.postWebhook("ping", webhookFixture("ping"));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body).status).toBe("accepted");
    const list = await relay.graphql<{ keptAsideRequests: { edges: unknown[] } }>(KEPT_LIST, {});
    expect(list.data!.keptAsideRequests.edges).toEqual([]);
  });

  it("answers 503 with Retry-After when the kept-aside row cannot be written, and still 2xx once it can", async () => {
    // The table gone, as a database that cannot take the write: from a second connection to the same file.
    const other = new BetterSqlite3(relay.databasePath);
    other.exec("ALTER TABLE kept_aside_request RENAME TO kept_aside_request_away");
    const down = await post(dojoHeaders("product_added"), "{not json");
    expect(down.status).toBe(503);
    expect(down.headers["retry-after"]).toBe("5");
    other.exec("ALTER TABLE kept_aside_request_away RENAME TO kept_aside_request");
    other.close();
    expect((await post(dojoHeaders("product_added"), "{not json")).status).toBe(202);
  });

  // The property the issue asks for: with the right secret, whatever the body and the other headers, a 2xx.
  it("answers every request with the right secret 2xx, whatever its body and headers, and sends nothing kept aside", async () => {
    const fixtures = allWebhookFixtures().map(([, , body]) => body);
    const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".split("");
    const headerName = fc
      .oneof(
        fc.constantFrom("Expect", "Accept", "User-Agent", "X-DefectDojo-Instance", "Cookie", "Content-Encoding", "Accept-Encoding"),
        fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength: 30 }),
      )
      // Framing and the secret header are the transport's and the auth's: a second secret header is a 401 by design.
      .filter((name) => !/^(content-length|transfer-encoding|host|connection|keep-alive|upgrade|te|trailer|authorization)$/i.test(name));
    // What Node's client lets through: no CR, LF or NUL; latin1 otherwise.
    const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 300 });
    // Mostly what DefectDojo sends, so that usable requests are exercised too.
    const eventHeader = fc.option(
      fc.oneof(
        { arbitrary: fc.constantFrom("product_added", "scan_added", "ping", "finding_added", "some_future_event"), weight: 6 },
        fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/),
        headerValue,
      ),
      { nil: undefined, freq: 10 },
    );
    const contentType = fc.option(
      fc.oneof(
        { arbitrary: fc.constant("application/json"), weight: 6 },
        fc.constantFrom("application/json; charset=utf-8", "application/vnd.x+json", "text/plain", "application/xml", "multipart/form-data; boundary=x", ""),
        headerValue,
      ),
      { nil: undefined, freq: 10 },
    );
    const body = fc.oneof(
      fc.constantFrom(...fixtures).map((fixture) => Buffer.from(JSON.stringify(fixture))),
      fc.tuple(fc.constantFrom(...fixtures), fc.dictionary(fc.constantFrom("title", "product", "url_ui", "findings", "test", "x"), fc.jsonValue({ maxDepth: 2 })))
        .map(([fixture, changes]) => Buffer.from(JSON.stringify({ ...fixture, ...changes }))),
      fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? "")),
      fc.string({ unit: "binary", maxLength: 300 }).map((text) => Buffer.from(text)),
      fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
      fc.integer({ min: MAX_BYTES - 2, max: MAX_BYTES * 3 }).map((size) => Buffer.alloc(size, "{")),
    );
    const chunked = fc.boolean();
    const outcomes = { accepted: 0, duplicate: 0, kept_aside: 0 } as Record<string, number>;

    await fc.assert(
      fc.asyncProperty(eventHeader, contentType, fc.dictionary(headerName, headerValue, { maxKeys: 6 }), body, chunked, async (event, type, extra, bytes, inChunks) => {
        const headers: Record<string, string> = { ...extra, Authorization: WEBHOOK_SECRET };
        for (const name of Object.keys(headers)) if (/^(x-defectdojo-event|content-type)$/i.test(name)) delete headers[name];
        if (event !== undefined) headers["X-DefectDojo-Event"] = event;
        if (type !== undefined) headers["Content-Type"] = type;
        const url = `${relay.relay.url}/webhooks/defectdojo`;
        const response: RawResponse = inChunks
          ? await rawRequest(url, { headers, chunks: [bytes.subarray(0, 100), bytes.subarray(100)] })
          : await rawRequest(url, { headers, body: bytes });
        expect([200, 202]).toContain(response.status);
        const answer = JSON.parse(response.body);
        expect(["accepted", "duplicate", "kept_aside"]).toContain(answer.status);
        outcomes[answer.status] += 1;
      }),
      { numRuns: 250 },
    );
    // Every kind of answer was exercised.
    expect(outcomes.accepted).toBeGreaterThan(5);
    expect(outcomes.kept_aside).toBeGreaterThan(50);

    // Nothing kept aside was sent: the stand-ins got exactly the deliveries of the accepted events.
    type Deliveries = { deliveries: { edges: Array<{ node: { status: string; channel: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const allDeliveries = async () => {
      const nodes: Array<{ status: string; channel: string }> = [];
      for (let after: string | null = null; ; ) {
        const page: Deliveries = (await relay.graphql<Deliveries>("query ($after: String) { deliveries(first: 100, after: $after) { edges { node { status channel } } pageInfo { hasNextPage endCursor } } }", { after })).data!;
        nodes.push(...page.deliveries.edges.map((edge) => edge.node));
        if (!page.deliveries.pageInfo.hasNextPage) return nodes;
        after = page.deliveries.pageInfo.endCursor;
      }
    };
    const settled = await eventually(async () => {
      const nodes = await allDeliveries();
      return nodes.every((node) => node.status === "SENT" || node.status === "FAILED") ? nodes : undefined;
    }, 60_000);
    const sent = (channel: string) => settled.filter((node) => node.channel === channel && node.status === "SENT").length;
    expect(peers.slack.callsOf("chat.postMessage")).toHaveLength(sent("SLACK"));
    expect(peers.teams.requests).toHaveLength(sent("MSTEAMS"));
    expect(peers.smtp.messages).toHaveLength(sent("MAIL"));
    const kept = await relay.graphql<{ keptAsideRequests: { edges: unknown[] } }>(KEPT_LIST, { first: 100 });
    expect(kept.data!.keptAsideRequests.edges.length).toBe(Math.min(outcomes.kept_aside, 100));
    const metrics = await scrape(relay.relay.url);
    expect(metrics.value("dojo_relay_events_received_total", { outcome: "kept_aside" })).toBe(outcomes.kept_aside);
  }, 180_000);
});
