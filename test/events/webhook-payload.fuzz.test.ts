import fc from "fast-check";
import { DojoEvent, FindingRef, ObjectRef } from "../../src/events/dojo-event";
import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../../src/events/notification-event";
import { InvalidPayloadError, parseWebhookPayload } from "../../src/events/webhook-payload";
import { namesNothing } from "../../src/ingest/webhook/names-nothing";
import { KeptAsideRequestEntity } from "../../src/storage/entities/kept-aside-request.entity";
import { allWebhookFixtures } from "../support/fixtures";
import { rawRequest } from "../support/http-client";
import { expectedChannels, startWebhookBed, WebhookBed } from "../support/webhook-bed";

/**
 * Property-based fuzzing of the webhook parser: whatever JSON arrives, `parseWebhookPayload`
 * returns a well-formed DojoEvent or throws InvalidPayloadError (the receiver's 400), never
 * anything else and never slowly. Bodies go through JSON text, as in the receiver, so
 * `__proto__` keys arrive as own properties. Run counts keep the file at a few seconds.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const FIXTURES = allWebhookFixtures().map(([version, name, body]) => ({ version, name: name === "ping_with_owner" ? "ping" : name, body: body as Json }));
const KNOWN_NAMES = [...new Set(FIXTURES.map((fixture) => fixture.name)), "finding_added", "other", "constructor", "some_future_event"];
const KNOWN_KEYS = new Set(
  "description title user url_ui url_api product_type product engagement test finding finding_count findings id name severity new reactivated mitigated untouched new_duplicate reactivated_duplicate untouched_duplicate".split(" "),
);
/** Longest time one parse may take: far above a real one (well under a millisecond), far below a hang. */
const PARSE_MS_MAX = 1000;

const eventName = fc.oneof(fc.constantFrom(...KNOWN_NAMES), fc.stringMatching(/^[a-z][a-z0-9_]{0,40}$/));
const instance = fc.option(fc.string({ maxLength: 40 }), { nil: null });
// Values aimed at the type checks: wrong types, edge numbers, hostile and long strings (through the URL regexes).
const edgeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 2 ** 53, Number.MAX_VALUE, "", "4", "null", [], {}, [{}], "\u0000", "\ud800"),
  fc.constantFrom<Json>("<!channel>", "http://hosthttp://host/finding/1", "http://h/engagement/1/risk_acceptance/99999999999999999999"),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ maxLength: 5000 }).map((tail) => `http://h/finding/${tail}`),
  // Object links with ids of any size, past 2^53 included.
  fc
    .tuple(fc.constantFrom("finding", "test", "engagement", "product", "product/type", "asset", "organization", "engagement/7/risk_acceptance"), fc.bigInt(0n, 10n ** 22n))
    .map(([kind, id]) => `http://localhost:8080/${kind}/${id}`),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);
const unknownKey = fc
  .oneof(fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "disclaimer", "requested_by"), fc.string({ maxLength: 12 }))
  .filter((key) => !KNOWN_KEYS.has(key));

type Path = Array<string | number>;
/** Every key or index in a JSON value, with its path; `__proto__` and friends are plain own keys here. */
function entries(value: Json, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => [[...path, index], ...entries(item, [...path, index])]);
  if (value && typeof value === "object") return Object.keys(value).flatMap((key) => [[...path, key], ...entries(value[key], [...path, key])]);
  return [];
}
function objects(value: Json, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => objects(item, [...path, index]));
  if (value && typeof value === "object") return [path, ...Object.keys(value).flatMap((key) => objects(value[key], [...path, key]))];
  return [];
}
const at = (root: Json, path: Path): any => path.reduce((node: any, key) => node[key], root);
/** Sets an own property, even `__proto__`, as JSON.parse would. */
function put(target: any, key: string | number, value: Json) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
const clone = (value: Json): Json => JSON.parse(JSON.stringify(value));

type Mutation = { kind: "replace" | "delete" | "add" | "wrap"; pick: number; key: string; value: Json };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("replace", "delete", "add", "wrap"),
  pick: fc.nat(),
  key: unknownKey,
  value: edgeValue,
});

function mutate(body: Json, mutations: Mutation[]): Json {
  const result = clone(body);
  for (const { kind, pick, key, value: generated } of mutations) {
    // A copy: fast-check reuses generated values (and constants) across runs, and later mutations edit in place.
    const value = clone(generated);
    if (kind === "add") {
      const targets = objects(result).filter((path) => !Array.isArray(at(result, path)));
      if (targets.length) put(at(result, targets[pick % targets.length]), key, value);
      continue;
    }
    const targets = entries(result);
    if (!targets.length) continue;
    const path = targets[pick % targets.length];
    const parent = at(result, path.slice(0, -1));
    const last = path[path.length - 1];
    if (kind === "delete") {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else {
      put(parent, last, kind === "wrap" ? [parent[last]] : value);
    }
  }
  return result;
}

/** The parser as the receiver calls it: on the JSON text, timed. */
function parse(name: string, inst: string | null, body: Json): DojoEvent | InvalidPayloadError {
  const parsed = JSON.parse(JSON.stringify(body));
  const started = performance.now();
  try {
    return parseWebhookPayload(name, inst, parsed);
  } catch (error) {
    if (!(error instanceof InvalidPayloadError)) throw new Error(`parseWebhookPayload threw ${String(error)}`);
    expect(error.message).toMatch(/^(the body must be a JSON object|invalid DefectDojo payload: .+)$/s);
    return error;
  } finally {
    expect(performance.now() - started).toBeLessThan(PARSE_MS_MAX);
  }
}

const isId = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isText = (value: unknown) => value === null || typeof value === "string";
/** The event's own link is repaired where DefectDojo doubles it (`http://hosthttp://host/…`); objects' links are never doubled. */
const isRepairedUrl = (value: unknown) => value === null || (typeof value === "string" && !/^.+https?:\/\//.test(value));

/** Everything downstream relies on this shape. */
function expectWellFormed(event: DojoEvent, name: string, inst: string | null) {
  const objectRef = (ref: ObjectRef | null) => ref === null || (isId(ref.id) && typeof ref.name === "string" && isText(ref.urlUi));
  const findingRef = (ref: FindingRef | null) =>
    ref === null || (isId(ref.id) && typeof ref.title === "string" && typeof ref.severity === "string" && isText(ref.urlUi));
  const setting = ALL_NOTIFICATION_EVENTS.find((known) => known.toLowerCase() === name) ?? NotificationEvent.OTHER;
  expect(event).toMatchObject({ name, setting, instance: inst });
  expect(typeof event.title).toBe("string");
  expect(isText(event.description)).toBe(true);
  expect(isRepairedUrl(event.urlUi)).toBe(true);
  expect([event.productType, event.product, event.engagement, event.test].every(objectRef)).toBe(true);
  expect(findingRef(event.finding)).toBe(true);
  expect(event.findingCount === null || isId(event.findingCount)).toBe(true);
  if (event.findings) {
    const { new: added, reactivated, mitigated, untouchedCount, duplicateCount, newDuplicateIds, reactivatedDuplicateIds } = event.findings;
    expect([...added, ...reactivated, ...mitigated].every(findingRef)).toBe(true);
    expect([untouchedCount, duplicateCount, ...newDuplicateIds, ...reactivatedDuplicateIds].every(isId)).toBe(true);
  }
  if (event.subject) {
    expect(["product_type", "product", "engagement", "test", "finding", "risk_acceptance"]).toContain(event.subject.kind);
    expect(isId(event.subject.id) && (event.subject.engagementId === undefined || isId(event.subject.engagementId))).toBe(true);
  }
  // Plain data only: no prototype smuggled in through a `__proto__` key.
  const walk = (value: unknown): void => {
    if (value && typeof value === "object") {
      expect([Object.prototype, Array.prototype]).toContain(Object.getPrototypeOf(value));
      Object.values(value).forEach(walk);
    }
  };
  walk(event);
}

type Kind = "string?" | "string" | "id" | "count" | "object?" | "list";
const rightFor: Record<Kind, (value: Json) => boolean> = {
  "string?": (value) => value === null || typeof value === "string",
  string: (value) => typeof value === "string",
  id: isId,
  count: (value) => value === null || isId(value),
  "object?": (value) => value === null || (typeof value === "object" && !Array.isArray(value)),
  list: Array.isArray,
};
const FINDING_FIELDS: Array<[string, Kind]> = [["id", "id"], ["title", "string"], ["severity", "string?"], ["url_ui", "string?"]];
const LISTS = ["new", "reactivated", "mitigated", "untouched", "new_duplicate", "reactivated_duplicate", "untouched_duplicate"];

/** The places in a body whose type the bridge reads, and what type each must have. */
function readFields(body: Json): Array<[Path, Kind]> {
  const fields: Array<[Path, Kind]> = [];
  const has = (path: Path) => {
    const parent = at(body, path.slice(0, -1));
    return parent !== null && typeof parent === "object" && Object.prototype.hasOwnProperty.call(parent, path[path.length - 1]);
  };
  const add = (path: Path, kind: Kind) => has(path) && fields.push([path, kind]);
  for (const key of ["title", "description", "url_ui", "url_api"]) add([key], "string?");
  add(["finding_count"], "count");
  for (const key of ["user", "product_type", "product", "engagement", "test", "finding", "findings"]) add([key], "object?");
  // Engagement.name is nullable in DefectDojo (dojo/engagement/models.py at 3.2, dojo/models.py at 2.58); product names are not.
  for (const key of ["product_type", "product", "engagement"]) {
    const name: Kind = key === "engagement" ? "string?" : "string";
    if (has([key]) && at(body, [key])) for (const [field, kind] of [["id", "id"], ["name", name], ["url_ui", "string?"]] as const) add([key, field], kind);
  }
  if (has(["test"]) && at(body, ["test"])) for (const [field, kind] of [["id", "id"], ["title", "string?"], ["url_ui", "string?"]] as const) add(["test", field], kind);
  if (has(["finding"]) && at(body, ["finding"])) for (const [field, kind] of FINDING_FIELDS) add(["finding", field], kind);
  if (has(["findings"]) && at(body, ["findings"])) {
    for (const list of LISTS) {
      if (!add(["findings", list], "list")) continue;
      (at(body, ["findings", list]) as Json[]).forEach((_item, index) => {
        for (const [field, kind] of FINDING_FIELDS) add(["findings", list, index, field], kind);
      });
    }
  }
  return fields;
}

describe("parseWebhookPayload, fuzzed", () => {
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype);
  afterAll(() => {
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).title).toBeUndefined();
  });

  it("returns a well-formed event or throws InvalidPayloadError for any JSON value", () => {
    fc.assert(
      fc.property(eventName, instance, fc.jsonValue({ maxDepth: 5, stringUnit: "binary" }) as fc.Arbitrary<Json>, (name, inst, body) => {
        const result = parse(name, inst, body);
        if (body === null || typeof body !== "object" || Array.isArray(body)) expect(result).toBeInstanceOf(InvalidPayloadError);
        if (!(result instanceof InvalidPayloadError)) expectWellFormed(result, name, inst);
      }),
      { numRuns: 2000 },
    );
  });

  it("does the same for DefectDojo's payloads with fields replaced, deleted, added and wrapped", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), eventName, fc.array(mutation, { minLength: 1, maxLength: 6 }), (fixture, name, mutations) => {
        const result = parse(name, "http://localhost:8080", mutate(fixture.body, mutations));
        if (!(result instanceof InvalidPayloadError)) {
          accepted += 1;
          expectWellFormed(result, name, "http://localhost:8080");
        }
      }),
      { numRuns: 2000 },
    );
    // Both outcomes were exercised, not only the refusals.
    expect(accepted).toBeGreaterThan(200);
  });

  it("ignores unknown keys at every level, __proto__ and constructor included", () => {
    const additions = fc.array(fc.record({ kind: fc.constant("add" as const), pick: fc.nat(), key: unknownKey, value: edgeValue }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), additions, (fixture, mutations) => {
        const plain = parse(fixture.name, null, fixture.body);
        const extended = parse(fixture.name, null, mutate(fixture.body, mutations));
        expect(extended).toEqual(plain);
        expect(plain).not.toBeInstanceOf(InvalidPayloadError);
      }),
      { numRuns: 500 },
    );
  });

  it("accepts DefectDojo's payloads with any optional field missing (older versions send fewer)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (fixture, picks) => {
        const body = clone(fixture.body);
        for (const pick of picks) {
          // Ids and names identify objects, and a listed finding has a title: DefectDojo always sends those.
          const optional = entries(body).filter((path) => {
            const key = path[path.length - 1];
            return typeof key === "string" && key !== "id" && key !== "name" && !(key === "title" && path.length > 1 && path[0] !== "test");
          });
          if (!optional.length) break;
          const path = optional[pick % optional.length];
          delete at(body, path.slice(0, -1))[path[path.length - 1]];
        }
        const result = parse(fixture.name, null, body);
        expect(result).not.toBeInstanceOf(InvalidPayloadError);
        expectWellFormed(result as DojoEvent, fixture.name, null);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a wrongly typed value in any field the bridge reads", () => {
    const withField = fc.constantFrom(...FIXTURES).chain((fixture) => {
      const fields = readFields(fixture.body);
      return fc.record({
        fixture: fc.constant(fixture),
        field: fc.constantFrom(...fields),
        value: edgeValue,
      });
    });
    let checked = 0;
    fc.assert(
      fc.property(withField, ({ fixture, field: [path, kind], value }) => {
        fc.pre(!rightFor[kind](value));
        const body = clone(fixture.body);
        put(at(body, path.slice(0, -1)), path[path.length - 1], value);
        const result = parse(fixture.name, null, body);
        expect(result).toBeInstanceOf(InvalidPayloadError);
        expect((result as InvalidPayloadError).message).toContain(path.join("."));
        checked += 1;
      }),
      { numRuns: 1000 },
    );
    expect(checked).toBeGreaterThan(500);
  });
});

describe("the webhook receiver, fuzzed over HTTP", () => {
  const SECRET = "Token fuzz-secret";
  let bed: WebhookBed;
  beforeAll(async () => (bed = await startWebhookBed({ secret: SECRET, maxBodyBytes: 1024 * 1024 })));
  afterAll(() => bed.close());

  it("answers 202 or 200 as the parser decides (an unusable body kept aside), stays up, and stores only whole events", async () => {
    const body = fc.oneof(
      fc.tuple(fc.constantFrom(...FIXTURES), fc.array(mutation, { maxLength: 4 })).map(([fixture, mutations]) => JSON.stringify(mutate(fixture.body, mutations))),
      fc.jsonValue({ maxDepth: 4, stringUnit: "binary" }).map((value) => JSON.stringify(value)),
      fc.string({ unit: "binary", maxLength: 200 }),
    );
    let stored = 0;
    let keptAside = 0;
    await fc.assert(
      fc.asyncProperty(eventName, body, async (name, text) => {
        // The oracle: the parser on the text as the receiver decodes it (lone surrogates become U+FFFD on the wire);
        // an event naming nothing is kept aside too (ping excepted).
        let unusable = false;
        try {
          const event = parseWebhookPayload(name, null, JSON.parse(Buffer.from(text).toString("utf8")));
          unusable = name !== "ping" && namesNothing(event);
        } catch (error) {
          if (!(error instanceof SyntaxError || error instanceof InvalidPayloadError)) throw error;
          unusable = true;
        }
        const response = await rawRequest(bed.url, {
          headers: { "Content-Type": "application/json", "X-DefectDojo-Event": name, Authorization: SECRET },
          body: text,
        });
        expect(unusable ? ["202 kept_aside"] : ["200 duplicate", "202 accepted"]).toContain(`${response.status} ${JSON.parse(response.body).status}`);
        if (response.status === 202 && !unusable) stored += 1;
        if (unusable) keptAside += 1;

        expect((await rawRequest(`http://127.0.0.1:${bed.port}/healthz`, { method: "GET" })).status).toBe(200);
        const events = await bed.events();
        expect(events).toHaveLength(stored);
        for (const event of events) expect(event.channels).toEqual(expectedChannels(event.name));
        expect(await bed.orphanRows()).toBe(0);
        expect(await bed.db.manager.count(KeptAsideRequestEntity)).toBe(keptAside);
      }),
      { numRuns: 150 },
    );
    expect(stored).toBeGreaterThan(10);
  });
});
