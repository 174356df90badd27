import { connect } from "node:net";
import { EventEntity } from "../../../src/storage/entities/event.entity";
import { KeptAsideReason, KeptAsideRequestEntity } from "../../../src/storage/entities/kept-aside-request.entity";
import { webhookFixture } from "../../support/fixtures";
import { expectedChannels, startWebhookBed, WEBHOOK_PATH, WebhookBed } from "../../support/webhook-bed";

/**
 * A corpus of hostile requests against the real receiver on a real HTTP server storing into a real
 * SQLite file. Each gets the answer README's table defines: with the right secret always a 2xx,
 * since DefectDojo disables an endpoint for good on any 4xx but 429 (2.58.2-changelog and HEAD
 * dojo/notifications/helper.py, send_webhooks_notification), a body it cannot use kept aside; a 4xx
 * only for a wrong secret, another method or path, or what Node's HTTP parser refuses before the
 * bridge sees it. After each the server still answers and the database holds exactly the accepted
 * events, each with all of its outbox rows, and the kept-aside rows.
 */

const SECRET = "Token hostile-corpus-secret-0123456789";
const MAX_BYTES = 4 * 1024 * 1024;
const HOSTILE_TEXT = [
  "<!channel> <!here> <@U123> <#C123> <https://evil.example|click>",
  "<script>alert(1)</script><img src=x onerror=alert(2)>",
  "[x](javascript:alert(1)) **bold** ![img](http://evil/x.png)",
  "line\r\nBcc: victim@evil.example\r\n\r\nbody",
  "\u202Egnp.exe\u200B\u200D\uFEFF",
].join(" | ");

type Header = [name: string, value: string];

/** One request as bytes on the wire: headers exactly as listed (duplicates, odd case), body whole or chunked. */
interface WireRequest {
  method?: string;
  target?: string;
  headers?: Header[];
  body?: Buffer | string;
  /** Sent with Transfer-Encoding: chunked and no Content-Length. */
  chunks?: Array<Buffer | string>;
  /** Leaves out Content-Length without chunking: to HTTP/1.1 the request then has no body (RFC 9112 §6.3). */
  noContentLength?: boolean;
  /** Sends the headers and this much of the body, then drops the connection. */
  abortAfter?: number;
}

interface Row {
  name: string;
  request: WireRequest;
  status: number;
  /** What the stored event must hold, for accepted requests. */
  stored?: (event: EventEntity) => void;
  /** What the error message must say, for refused ones. */
  error?: RegExp;
  /** Kept aside (202 `kept_aside`) for this reason; `kept` checks the row. */
  keptAside?: KeptAsideReason;
  kept?: (row: KeptAsideRequestEntity) => void;
}

/** Headers as DefectDojo 2.58 sends them (python-requests adds Content-Type and Content-Length). */
function dojoHeaders(event: string, replace: Record<string, string | null> = {}): Header[] {
  const base: Record<string, string> = {
    "User-Agent": "DefectDojo-2.58.4",
    "X-DefectDojo-Event": event,
    "X-DefectDojo-Instance": "http://localhost:8080",
    Accept: "application/json",
    "Content-Type": "application/json",
    Authorization: SECRET,
  };
  const headers = Object.entries(base).filter(([name]) => !(name in replace));
  for (const [name, value] of Object.entries(replace)) if (value !== null) headers.push([name, value]);
  return headers;
}

let uniqueId = 1000;
/** A product_added body no other row uses (create events dedupe by object id for ever). */
function productAdded(changes: Record<string, unknown> = {}) {
  const id = ++uniqueId;
  const body = webhookFixture("product_added");
  return {
    ...body,
    product: { ...(body.product as object), id, url_ui: `http://localhost:8080/product/${id}` },
    ...changes,
  };
}
/** An unknown-event body no other row uses (keyed by content); its title is what it names. */
const unknownEvent = (changes: Record<string, unknown> = {}) => ({ title: `event ${++uniqueId}`, description: "what happened", ...changes });

const json = (value: unknown) => JSON.stringify(value);
const post = (event: string, body: unknown, replace: Record<string, string | null> = {}): WireRequest => ({
  headers: dojoHeaders(event, replace),
  body: typeof body === "string" || Buffer.isBuffer(body) ? body : json(body),
});
const nested = (depth: number, open: string, close: string, inner = "") => open.repeat(depth) + inner + close.repeat(depth);

/** Sends bytes on a fresh connection and reads the answer until the server closes it. */
function exchange(port: number, request: WireRequest): Promise<{ status: number; headers: string; body: string } | null> {
  const method = request.method ?? "POST";
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${method} ${request.target ?? WEBHOOK_PATH} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  for (const [name, value] of request.headers ?? []) lines.push(`${name}: ${value}`);
  if (request.chunks) lines.push("Transfer-Encoding: chunked");
  else if (body && !request.noContentLength) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");

  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (data) => received.push(data));
    // A server that answers before reading the whole body (401, 413) may close while we still write.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    socket.on("close", () => {
      const text = Buffer.concat(received).toString("utf8");
      if (!text) return resolve(null);
      const [headers, ...rest] = text.split("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers, body: rest.join("\r\n\r\n") });
    });
    socket.write(head);
    if (request.abortAfter !== undefined) {
      socket.write(body!.subarray(0, request.abortAfter), () => setTimeout(() => socket.destroy(), 50));
      return;
    }
    if (request.chunks) {
      for (const chunk of request.chunks) {
        const bytes = Buffer.from(chunk);
        socket.write(`${bytes.length.toString(16)}\r\n`);
        socket.write(bytes);
        socket.write("\r\n");
      }
      socket.write("0\r\n\r\n");
    } else if (body) {
      socket.write(body);
    }
    // Without Content-Length or chunking the bytes after the head are no body: the half-close ends the exchange.
    if (request.noContentLength) socket.end();
  });
}

const fixture = webhookFixture("scan_added", "3.x");
const fullText = json(fixture);

const kept = (reason: KeptAsideReason, kept?: Row["kept"]) => ({ status: 202, keptAside: reason, kept });

// Every row's expected answer follows README's status table.
const ROWS: Row[] = [
  // --- 401: the secret header, checked before anything else
  { name: "no auth header", request: post("product_added", productAdded(), { Authorization: null }), status: 401 },
  { name: "wrong secret of the same length", request: post("product_added", productAdded(), { Authorization: SECRET.replace(/.$/, "X") }), status: 401 },
  { name: "a prefix of the secret", request: post("product_added", productAdded(), { Authorization: SECRET.slice(0, -1) }), status: 401 },
  { name: "the secret plus one character", request: post("product_added", productAdded(), { Authorization: `${SECRET}0` }), status: 401 },
  { name: "the secret in other case", request: post("product_added", productAdded(), { Authorization: SECRET.toLowerCase() }), status: 401 },
  { name: "an empty auth header", request: post("product_added", productAdded(), { Authorization: "" }), status: 401 },
  { name: "the secret as a Bearer token", request: post("product_added", productAdded(), { Authorization: `Bearer ${SECRET}` }), status: 401 },
  { name: "the secret under another header name", request: post("product_added", productAdded(), { Authorization: null, "X-Authorization": SECRET }), status: 401 },
  {
    name: "the auth header twice, right then wrong",
    request: { headers: [...dojoHeaders("product_added"), ["Authorization", "Token wrong"]], body: json(productAdded()) },
    status: 401,
  },
  {
    name: "the auth header twice, wrong then right",
    request: { headers: [["Authorization", "Token wrong"], ...dojoHeaders("product_added")], body: json(productAdded()) },
    status: 401,
  },
  {
    name: "the auth header twice, both right",
    request: { headers: [...dojoHeaders("product_added"), ["Authorization", SECRET]], body: json(productAdded()) },
    status: 401,
  },
  { name: "a wrong secret with an oversized body (auth first)", request: post("scan_added", Buffer.alloc(MAX_BYTES + 1, 0x20), { Authorization: "nope" }), status: 401 },
  // Header names are case-insensitive (RFC 9110 §5.1): DefectDojo's own spelling is not required.
  { name: "the auth header name in lower case", request: post("product_added", productAdded(), { Authorization: null, authorization: SECRET }), status: 202 },
  { name: "the auth header name in upper case", request: post("product_added", productAdded(), { Authorization: null, AUTHORIZATION: SECRET }), status: 202 },

  // --- kept aside: size, from Content-Length or counted; read to the end, none of it kept
  {
    name: "a Content-Length over the limit",
    request: post("scan_added", Buffer.alloc(MAX_BYTES + 1, 0x20)),
    ...kept(KeptAsideReason.TOO_LARGE, (row) => expect(row).toMatchObject({ sizeBytes: MAX_BYTES + 1, body: null, bodyTruncated: true })),
  },
  {
    name: "a chunked body growing over the limit",
    request: { headers: dojoHeaders("scan_added"), chunks: Array.from({ length: 5 }, () => Buffer.alloc(1024 * 1024, 0x20)) },
    ...kept(KeptAsideReason.TOO_LARGE, (row) => expect(row.sizeBytes).toBe(5 * 1024 * 1024)),
  },
  {
    // An HTTP/1.1 request without Content-Length or chunking has no body (RFC 9112 §6.3): an empty one is not JSON.
    // (Bytes sent after it would be the next request, which Node's parser refuses with its own 400.)
    name: "a request without Content-Length or chunking",
    request: { ...post("scan_added", ""), noContentLength: true },
    ...kept(KeptAsideReason.INVALID_JSON, (row) => expect(row).toMatchObject({ sizeBytes: 0, body: null, bodyTruncated: false })),
  },

  // --- kept aside: content type
  ...["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json", "application/jsonp", "application/json-seq", "application/xml"].map(
    (type): Row => ({
      name: `Content-Type ${type}`,
      request: post("product_added", productAdded(), { "Content-Type": type }),
      ...kept(KeptAsideReason.UNSUPPORTED_CONTENT_TYPE, (row) => expect(row.contentType).toBe(type)),
    }),
  ),
  // JSON is UTF-8 (RFC 8259 §8.1) and application/json has no charset parameter: any is ignored.
  ...["application/json; charset=utf-8", "APPLICATION/JSON;CHARSET=UTF-8", 'application/json; charset="utf-8"', "application/json; charset=iso-8859-1", "application/vnd.defectdojo+json"].map(
    (type): Row => ({ name: `Content-Type ${type}`, request: post("product_added", productAdded(), { "Content-Type": type }), status: 202 }),
  ),
  { name: "no Content-Type at all", request: post("product_added", productAdded(), { "Content-Type": null }), status: 202 },
  // Node answers an unknown expectation 417 by itself unless told otherwise (RFC 9110 §10.1.1 allows ignoring it).
  { name: "an Expect other than 100-continue", request: post("product_added", productAdded(), { Expect: "the-unexpected" }), status: 202 },

  // --- kept aside: not JSON, not an object
  { name: "invalid JSON", request: post("product_added", "{not json"), ...kept(KeptAsideReason.INVALID_JSON) },
  { name: "truncated JSON", request: post("scan_added", fullText.slice(0, Math.floor(fullText.length / 2))), ...kept(KeptAsideReason.INVALID_JSON) },
  { name: "an empty body", request: post("product_added", ""), ...kept(KeptAsideReason.INVALID_JSON) },
  { name: "JSON with trailing garbage", request: post("product_added", `${json(productAdded())}x`), ...kept(KeptAsideReason.INVALID_JSON) },
  { name: "JSON with a comment", request: post("product_added", `{"title": "x" /* c */}`), ...kept(KeptAsideReason.INVALID_JSON) },
  { name: "a NaN literal", request: post("scan_added", `{"finding_count": NaN}`), ...kept(KeptAsideReason.INVALID_JSON) },
  { name: "a BOM before the JSON (python's json never writes one)", request: post("ping", `\uFEFF${json(unknownEvent())}`), ...kept(KeptAsideReason.INVALID_JSON) },
  ...([["an array", "[1,2,3]"], ["a string", '"product"'], ["a number", "42"], ["null", "null"], ["true", "true"]] as const).map(
    ([what, body]): Row => ({ name: `a body that is ${what}`, request: post("product_added", body), ...kept(KeptAsideReason.NOT_AN_OBJECT) }),
  ),
  { name: "a body of 100,000 nested arrays", request: post("product_added", nested(100_000, "[", "]")), ...kept(KeptAsideReason.NOT_AN_OBJECT) },
  { name: "a title of 100,000 nested objects", request: post("product_added", `{"title":${nested(100_000, '{"a":', "}", "1")}}`), ...kept(KeptAsideReason.INVALID_PAYLOAD) },
  { name: "a body of 1,000,000 nested arrays", request: post("product_added", nested(1_000_000, "[", "]")), ...kept(KeptAsideReason.NOT_AN_OBJECT) },

  // --- kept aside: missing or malformed event header (DefectDojo always sends a snake_case name)
  {
    name: "no X-DefectDojo-Event",
    request: post("x", unknownEvent(), { "X-DefectDojo-Event": null }),
    ...kept(KeptAsideReason.MISSING_EVENT_HEADER, (row) => expect(row.eventName).toBeNull()),
  },
  ...["", "Product_Added", "product added", "../../etc/passwd", "a".repeat(101), "__proto__", "scan_added\u0085"].map(
    (name): Row => ({
      name: `X-DefectDojo-Event ${JSON.stringify(name.slice(0, 20))}`,
      request: post(name, unknownEvent()),
      // Present, even empty: malformed rather than missing.
      ...kept(KeptAsideReason.MALFORMED_EVENT_HEADER),
    }),
  ),
  {
    name: "X-DefectDojo-Event twice",
    request: { headers: [...dojoHeaders("product_added"), ["X-DefectDojo-Event", "scan_added"]], body: json(productAdded()) },
    ...kept(KeptAsideReason.MALFORMED_EVENT_HEADER, (row) => expect(row.eventName).toBe("product_added, scan_added")),
  },

  // --- kept aside: wrong types in fields the bridge reads
  ...(
    [
      ["a numeric title", { title: 5 }],
      ["a numeric description", { description: 5 }],
      ["an object description", { description: { text: "x" } }],
      ["a numeric url_ui", { url_ui: 9 }],
      ["a string user", { user: "admin" }],
      ["a product id as a string", { product: { id: "4", name: "p" } }],
      ["a numeric product name", { product: { id: 4, name: 7 } }],
      ["a product that is a string", { product: "notif prod" }],
      ["a test id as a string", { test: { id: "90", title: "t" } }],
      ["a finding_count as a string", { finding_count: "3" }],
      ["findings as an array", { findings: [] }],
      ["a findings list that is an object", { findings: { new: {} } }],
      ["a finding id as a string", { findings: { new: [{ id: "232", title: "t" }] } }],
      ["a numeric finding title", { findings: { new: [{ id: 232, title: 1 }] } }],
      ["a numeric severity", { findings: { new: [{ id: 232, title: "t", severity: 3 }] } }],
      ["a negative id", { product: { id: -1, name: "p" } }],
      ["a float id", { product: { id: 4.5, name: "p" } }],
      ["an id past 2^53", { product: { id: 2 ** 53, name: "p" } }],
      ["a negative finding_count", { finding_count: -1 }],
      ["a fractional finding_count", { finding_count: 1.5 }],
    ] as const
  ).map(([what, changes]): Row => ({ name: what, request: post("product_added", productAdded(changes)), ...kept(KeptAsideReason.INVALID_PAYLOAD) })),
  { name: "an id of 1e400 (Infinity)", request: post("product_added", `{"product":{"id":1e400,"name":"p"}}`), ...kept(KeptAsideReason.INVALID_PAYLOAD) },
  {
    // Each wrong item used to become its own zod issue: ~2 million of them took seconds and gigabytes.
    name: "two million wrongly typed finding items",
    request: post("scan_added", `{"findings":{"new":[${Array(2_000_000).fill("1").join(",")}]}}`),
    ...kept(KeptAsideReason.INVALID_PAYLOAD, (row) => {
      expect(row.detail).toMatch(/^invalid DefectDojo payload: findings\.new\.0: [^;]+$/);
      expect(row.bodyTruncated).toBe(true);
    }),
  },

  // --- 202: what DefectDojo may send (unknown events, missing optional fields, unknown keys)
  {
    name: "the 2.39 shape: no title, null description, no user",
    request: post("product_type_added", { description: null, url_ui: "http://dd/product/type/5", product_type: { id: 5, name: "pt" } }),
    status: 202,
    stored: (event) => expect(event.data).toMatchObject({ title: "", description: null, productType: { id: 5, name: "pt", urlUi: null } }),
  },
  { name: "an unknown event with a title", request: post("finding_group_deleted", unknownEvent()), status: 202 },
  // Names nothing (no title, object or url_ui): a message would be empty.
  { name: "an unknown event with only a description", request: post("finding_group_deleted", { description: "gone" }), ...kept(KeptAsideReason.NAMES_NOTHING) },
  { name: "an unknown event with an empty object", request: post("some_future_event", {}), ...kept(KeptAsideReason.NAMES_NOTHING) },
  { name: "a known event with a blank title and nothing else", request: post("product_added", { title: "  ", description: null }), ...kept(KeptAsideReason.NAMES_NOTHING) },
  {
    name: "missing optional fields everywhere",
    request: post("scan_added", { test: { id: 77 }, findings: { new: [{ id: 1, title: "t" }] } }),
    status: 202,
    stored: (event) =>
      expect(event.data).toMatchObject({ title: "", test: { id: 77, name: "Test 77" }, findings: { new: [{ id: 1, severity: "Info", urlUi: null }] } }),
  },
  {
    name: "unknown keys of every type at every level",
    request: post(
      "review_requested",
      unknownEvent({
        disclaimer: 5,
        requested_by: { id: 1, username: ["x"] },
        reviewers: "all",
        finding: { id: 9, title: "t", extra: { deep: [1, { a: null }] } },
        findings: { new: [], future_list: "x" },
      }),
    ),
    status: 202,
  },
  {
    name: "100,000 nested arrays in an unknown key",
    request: post("product_added", json(productAdded()).replace(/^\{/, `{"added_later":${nested(100_000, "[", "]")},`)),
    status: 202,
  },
  {
    name: "prototype keys: __proto__ and constructor.prototype",
    request: post(
      "product_added",
      json(productAdded({ constructor: { prototype: { polluted: true } } })).replace(/^\{/, '{"__proto__":{"title":5,"polluted":true},'),
    ),
    status: 202,
    stored: (event) => {
      expect(event.data.title).toBe("notif prod");
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  },
  // `constructor` is a valid event name; it used to find Object's constructor in the create-event table.
  { name: "an event named constructor", request: post("constructor", unknownEvent()), status: 202 },
  { name: "another event named constructor (not a duplicate)", request: post("constructor", unknownEvent()), status: 202 },
  {
    name: "NUL bytes and lone surrogates in text",
    request: post("product_added", `{"title":"a\\u0000b\\ud800c\\udfff","description":"\\u0000","product":{"id":${++uniqueId},"name":"\\udbff"}}`),
    status: 202,
    stored: (event) => {
      expect(event.data.title).toBe("a\u0000b\ud800c\udfff");
      expect(event.data.description).toBe("\u0000");
      expect(event.data.product?.name).toBe("\udbff");
    },
  },
  {
    name: "bytes that are not UTF-8 inside a string",
    request: post("finding_added", Buffer.concat([Buffer.from('{"title":"x'), Buffer.from([0xff, 0xc3]), Buffer.from('y"}')])),
    status: 202,
    stored: (event) => expect(event.data.title).toBe("x\uFFFD\uFFFDy"),
  },
  {
    name: "hostile text in every field",
    request: post(
      "scan_added",
      {
        title: HOSTILE_TEXT,
        description: HOSTILE_TEXT,
        url_ui: `http://localhost:8080/test/${++uniqueId}?q=<!channel>`,
        product_type: { id: 1, name: HOSTILE_TEXT, url_ui: "javascript:alert(1)" },
        product: { id: 2, name: HOSTILE_TEXT, url_ui: HOSTILE_TEXT },
        engagement: { id: 3, name: HOSTILE_TEXT },
        test: { id: uniqueId, title: HOSTILE_TEXT },
        findings: { new: [{ id: 5, title: HOSTILE_TEXT, severity: HOSTILE_TEXT, url_ui: "http://evil.example/|<!here>" }] },
      },
      { "X-DefectDojo-Instance": "<!channel> <script>" },
    ),
    status: 202,
    stored: (event) => {
      expect(event.title).toBe(HOSTILE_TEXT);
      expect(event.data).toMatchObject({
        description: HOSTILE_TEXT,
        instance: "<!channel> <script>",
        product: { name: HOSTILE_TEXT, urlUi: HOSTILE_TEXT },
        findings: { new: [{ title: HOSTILE_TEXT, severity: HOSTILE_TEXT }] },
      });
    },
  },
  {
    name: "a 3 MB description (within the limit)",
    request: post("finding_added", unknownEvent({ title: "big", description: "<!channel>".repeat(300_000) })),
    status: 202,
    stored: (event) => expect(event.data.description).toHaveLength(3_000_000),
  },
  {
    name: "an id written 4.0 (the same number as 4)",
    request: post("product_added", `{"title":"p","product":{"id":${++uniqueId}.0,"name":"p"}}`),
    status: 202,
    stored: (event) => expect(Number.isInteger(event.data.product?.id)).toBe(true),
  },
  // Digits past 2^53 name no object: they used to round to one id and one idempotency key for ever.
  {
    name: "a finding_added link with a 20-digit id",
    request: post("finding_added", { title: "A", url_ui: "http://localhost:8080/finding/99999999999999999999" }),
    status: 202,
    stored: (event) => expect(event.data.subject).toBeNull(),
  },
  {
    name: "another 20-digit id that rounds to the same number (not a duplicate)",
    request: post("finding_added", { title: "A", url_ui: "http://localhost:8080/finding/99999999999999999998" }),
    status: 202,
  },
  {
    name: "a chunked body without Content-Length",
    request: { headers: dojoHeaders("product_added"), chunks: json(productAdded()).match(/.{1,7}/gs)! },
    status: 202,
  },
  { name: "ping", request: post("ping", { description: "Test webhook notification", title: "", user: null }), status: 202 },
  { name: "scan_added_empty (stored, routed nowhere by default)", request: post("scan_added_empty", webhookFixture("scan_added_empty")), status: 202 },

  // --- 200: the same event again
  { name: "a product_added seen before", request: post("product_added", webhookFixture("product_added")), status: 202 },
  { name: "the same product_added again", request: post("product_added", webhookFixture("product_added")), status: 200 },
  {
    name: "the same product again, re-ordered and re-spaced",
    request: post("product_added", JSON.stringify(Object.fromEntries(Object.entries(webhookFixture("product_added")).reverse()), null, 2)),
    status: 200,
  },

  // --- other methods and paths
  ...["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"].map(
    (method): Row => ({ name: `${method} on the webhook`, request: { ...post("product_added", productAdded()), method }, status: 405 }),
  ),
  { name: "a trailing slash", request: { ...post("product_added", productAdded()), target: `${WEBHOOK_PATH}/` }, status: 404 },
  // `new URL` threw on these in the request handler, which ended the whole process.
  ...["http://[", "http://a b/", "//[", "http://%zz/"].map(
    (target): Row => ({ name: `the request target ${target}`, request: { ...post("product_added", productAdded()), target }, status: 400 }),
  ),

  // --- broken at the HTTP level: Node's parser answers, nothing reaches the receiver
  { name: "a NUL byte in a header value", request: post("product_added", productAdded(), { "X-DefectDojo-Instance": "a\u0000b" }), status: 400 },
  {
    name: "Content-Length and chunked together",
    request: { headers: [...dojoHeaders("product_added"), ["Content-Length", "5"]], chunks: [json(productAdded())] },
    status: 400,
  },
  { name: "a non-numeric Content-Length", request: { ...post("product_added", productAdded()), noContentLength: true, headers: [...dojoHeaders("product_added"), ["Content-Length", "abc"]] }, status: 400 },
];

describe("hostile webhook requests", () => {
  let bed: WebhookBed;
  let port: number;
  /** What must be in the database: every accepted request's event, oldest first. */
  const accepted: Array<{ id: number; name: string }> = [];
  /** Every kept-aside request's row id and reason, oldest first. */
  const keptAside: Array<{ id: number; reason: KeptAsideReason }> = [];

  beforeAll(async () => {
    bed = await startWebhookBed({ secret: SECRET, maxBodyBytes: MAX_BYTES });
    port = bed.port;
  });
  afterAll(() => bed.close());

  const eventOf = (id: number) => bed.db.manager.findOneByOrFail(EventEntity, { id });
  const keptRows = () => bed.db.manager.find(KeptAsideRequestEntity, { order: { id: "ASC" } });

  /** Exactly the accepted events, each with every outbox row its routing gives; no row without its event; the kept-aside rows. */
  async function expectNothingHalfStored() {
    expect(await bed.events()).toEqual(accepted.map(({ id, name }) => ({ id, name, channels: expectedChannels(name) })));
    expect(await bed.orphanRows()).toBe(0);
    expect((await keptRows()).map(({ id, reason }) => ({ id, reason }))).toEqual(keptAside);
  }

  it("has a corpus covering every answer of the status table and every reason to keep aside", () => {
    const statuses = new Set(ROWS.map((row) => row.status));
    expect([...statuses].sort()).toEqual([200, 202, 400, 401, 404, 405]);
    expect(new Set(ROWS.map((row) => row.keptAside).filter(Boolean))).toEqual(new Set(Object.values(KeptAsideReason)));
    // With the right secret a 4xx comes only from Node's HTTP parser or the router, never from the receiver.
    for (const row of ROWS.filter((row) => row.status === 400)) expect(row.request.method ?? "POST").toBe("POST");
    expect(ROWS.length).toBeGreaterThan(90);
  });

  it.each(ROWS.map((row) => [row.name, row.status, row] as const))("%s: %i", async (_name, status, row) => {
    const response = await exchange(port, row.request);
    // Whatever was expected, an accepted event is in the database now: later rows check against it.
    const answer = response?.status === 202 || response?.status === 200 ? JSON.parse(response.body) : undefined;
    if (answer?.status === "accepted") accepted.push({ id: answer.eventId, name: (await eventOf(answer.eventId)).name });
    if (answer?.status === "kept_aside") keptAside.push({ id: answer.id, reason: answer.reason });
    expect(response?.status).toBe(status);
    if (row.keptAside) {
      expect(answer).toEqual({ status: "kept_aside", id: expect.any(Number), reason: row.keptAside, detail: expect.any(String) });
      const kept = await bed.db.manager.findOneByOrFail(KeptAsideRequestEntity, { id: answer.id });
      expect(kept.headers.find((header) => header.name.toLowerCase() === "authorization")?.value).toBe("[redacted]");
      expect(JSON.stringify(kept)).not.toContain(SECRET);
      row.kept?.(kept);
    } else if (status === 202 || status === 200) {
      expect(answer).toEqual({ status: status === 202 ? "accepted" : "duplicate", eventId: expect.any(Number) });
      if (status === 202) {
        row.stored?.(await eventOf(answer.eventId));
      } else {
        expect(accepted.map((event) => event.id)).toContain(answer.eventId);
      }
    } else if (row.request.method !== "HEAD" && response?.headers.includes("application/json")) {
      expect(JSON.parse(response.body).error).toMatch(row.error ?? /./);
    }
    if (status === 405) expect(response?.headers).toMatch(/^Allow: POST$/im);

    // The process is still up and answering, and nothing was half-stored.
    const health = await exchange(port, { method: "GET", target: "/healthz" });
    expect(health?.status).toBe(200);
    await expectNothingHalfStored();
  });

  it("stays up when a client drops the connection in the middle of a body, and stores nothing", async () => {
    const response = await exchange(port, { ...post("product_added", productAdded()), abortAfter: 40 });
    expect(response).toBeNull();
    expect((await exchange(port, { method: "GET", target: "/healthz" }))?.status).toBe(200);
    await expectNothingHalfStored();
  });

  it("still accepts a valid request after the whole corpus", async () => {
    const response = await exchange(port, post("product_added", productAdded()));
    expect(response?.status).toBe(202);
    accepted.push({ id: JSON.parse(response!.body).eventId, name: "product_added" });
    await expectNothingHalfStored();
  });
});
