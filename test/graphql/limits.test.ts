import { readFileSync } from "node:fs";
import { DocumentNode, getIntrospectionQuery, parse, specifiedRules, validate } from "graphql";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../../src/events/notification-event";
import { isPersonalOnlyEvent } from "../../src/events/personal-only-events";
import { DEFAULT_GRAPHQL_LIMITS, limitValidationRules, MAX_DIRECTIVES, MAX_TOKENS, operationCost } from "../../src/graphql/limits";
import { dataOf, errorsOf, GraphqlHttp, graphqlOverHttp } from "./graphql-http";
import { READER, relaySchema, SUPERUSER } from "./graphql-testbed";

const NODE_FIELDS = "id event eventTitle channel target status attempts lastError createdAt updatedAt sentAt nextAttemptAt";
/** A full page of the delivery log with every field: the costliest operation an admin tool sends. */
const PAGE = `query ($first: Int, $after: String) {
  deliveries(first: $first, after: $after) {
    edges { cursor node { ${NODE_FIELDS} } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const USER = `query ($id: Int!) {
  user(id: $id) { id username email isSuperuser contact { slackEmail email msteamsUrlSet } notifications { event channels } }
}`;

/** Every operation README.md shows: the `gql '{"query":…}'` lines and the ```graphql blocks. */
function readmeOperations(): string[] {
  const readme = readFileSync("README.md", "utf8");
  const fromCurl = [...readme.matchAll(/^gql '(\{"query":.*\})'$/gm)].map((match) => JSON.parse(match[1]).query as string);
  const fromBlocks = [...readme.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  return [...fromCurl, ...fromBlocks];
}

interface Measured {
  depth: number;
  aliases: number;
  cost: number;
}

/** Depth and aliases as graphql-armor counts them for the limits; cost as the cost limit does. */
async function measure(source: string, variables: Record<string, unknown> = {}): Promise<Measured> {
  const schema = await relaySchema();
  const document: DocumentNode = parse(source, { maxTokens: MAX_TOKENS });
  const measured = { depth: 0, aliases: 0, cost: operationCost(schema, document, variables) };
  const errors = validate(schema, document, [
    ...specifiedRules,
    maxDepthRule({ n: Infinity, ignoreIntrospection: true, flattenFragments: true, onAccept: [(_, { n }) => (measured.depth = n)] }),
    maxAliasesRule({ n: Infinity, onAccept: [(_, { n }) => (measured.aliases = n)] }),
  ]);
  expect(errors).toEqual([]);
  return measured;
}

describe("the default GraphQL limits against the real operations", () => {
  const real: Array<[string, string, Record<string, unknown>]> = [
    ...readmeOperations().map((source): [string, string, Record<string, unknown>] => [source.slice(0, 60), source, {}]),
    ["a full page of 100 deliveries", PAGE, { first: 100 }],
    ["another user with every field", USER, { id: 3 }],
  ];

  it("finds the README's operations", () => {
    expect(readmeOperations().length).toBeGreaterThanOrEqual(11);
  });

  it.each(real)("passes %s at half the default depth and aliases and a quarter of the default cost", async (_label, source, variables) => {
    const schema = await relaySchema();
    const document = parse(source, { maxTokens: MAX_TOKENS / 4 });
    const half = {
      maxDepth: DEFAULT_GRAPHQL_LIMITS.maxDepth / 2,
      maxCost: DEFAULT_GRAPHQL_LIMITS.maxCost / 4,
      maxAliases: Math.floor(DEFAULT_GRAPHQL_LIMITS.maxAliases / 2),
    };
    expect(validate(schema, document, [...specifiedRules, ...limitValidationRules(half)])).toEqual([]);
    expect(operationCost(schema, document, variables)).toBeLessThanOrEqual(half.maxCost);
  });

  it("measures the deepest real operation at 4 and the costliest at 2,001 (a page of 100), with no aliases", async () => {
    const all = await Promise.all(real.map(([, source, variables]) => measure(source, variables)));
    expect(Math.max(...all.map((m) => m.depth))).toBe(4);
    expect(Math.max(...all.map((m) => m.cost))).toBe(2001);
    expect(Math.max(...all.map((m) => m.aliases))).toBe(0);
    // The page weighs by its size: 1 + 20 per delivery (its edge, cursor, node and 12 fields, pageInfo's 5).
    expect((await measure(PAGE, { first: 10 })).cost).toBe(201);
    expect((await measure(PAGE, {})).cost).toBe(401); // 20 when `first` is absent
    expect((await measure(PAGE, { first: 5000 })).cost).toBe(2001); // out of range: validation refuses it, not the cost
  });

  it("passes the standard introspection query that GraphQL tools send", async () => {
    const source = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    const schema = await relaySchema();
    const document = parse(source, { maxTokens: MAX_TOKENS / 4 });
    expect(validate(schema, document, [...specifiedRules, ...limitValidationRules(DEFAULT_GRAPHQL_LIMITS)])).toEqual([]);
    expect(operationCost(schema, document)).toBeLessThanOrEqual(DEFAULT_GRAPHQL_LIMITS.maxCost / 4);
  });
});

describe("GraphQL limits over HTTP", () => {
  let http: GraphqlHttp;
  afterEach(() => http.close());

  const refusal = (response: { status: number; body: string }) => {
    expect(response.status).toBe(400);
    expect(dataOf(response as never)).toBeUndefined();
    return errorsOf(response as never);
  };

  describe("with the defaults", () => {
    beforeEach(async () => {
      http = await graphqlOverHttp();
    });

    it("serves a full page of 100 deliveries, and refuses five in one operation by their cost", async () => {
      const one = await http.post({ query: PAGE, variables: { first: 100 } });
      expect(one.status).toBe(200);
      expect(errorsOf(one)).toEqual([]);

      const pages = (first: number) =>
        `{ ${[1, 2, 3, 4, 5].map((n) => `p${n}: deliveries(first: ${first}) { edges { cursor node { ${NODE_FIELDS} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }`).join(" ")} }`;
      const [error] = refusal(await http.post({ query: pages(100) }));
      expect(error.message).toBe("Query cost limit of 10000 exceeded, found 10005 (limit set by GRAPHQL_MAX_COST).");
      expect(error.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED", limit: "cost" });

      // The same selection on small pages is cheap: the cost follows the page size.
      expect((await http.post({ query: pages(10) })).status).toBe(200);
    });

    it("weighs a page by the size its variables ask for", async () => {
      const fivePages = `query ($first: Int) { ${[1, 2, 3, 4, 5].map((n) => `p${n}: deliveries(first: $first) { edges { cursor node { ${NODE_FIELDS} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }`).join(" ")} }`;
      expect((await http.post({ query: fivePages, variables: { first: 10 } })).status).toBe(200);
      const [error] = refusal(await http.post({ query: fivePages, variables: { first: 100 } }));
      expect(error.extensions?.limit).toBe("cost");
    });

    it("answers variables of the wrong type with 400 BAD_USER_INPUT", async () => {
      const [error] = refusal(await http.post({ query: PAGE, variables: { first: "ten" } }));
      expect(error.extensions?.code).toBe("BAD_USER_INPUT");
      expect(error.message).toContain("$first");
    });

    it("refuses more than 40 aliases before running any of them", async () => {
      expect(DEFAULT_GRAPHQL_LIMITS.maxAliases).toBeGreaterThanOrEqual(40);
      const aliased = (count: number) =>
        `mutation { ${Array.from({ length: count }, (_, n) => `a${n}: setMyNotification(event: OTHER, channels: [MAIL]) { event }`).join(" ")} }`;
      const [error] = refusal(await http.post({ query: aliased(41) }));
      expect(error.message).toBe("Aliases limit of 40 exceeded, found 41 (limit set by GRAPHQL_MAX_ALIASES).");
      expect(error.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED", limit: "aliases" });
      expect(await http.bed.preferences.subscribers(NotificationEvent.OTHER)).toEqual([]);

      expect((await http.post({ query: aliased(40) })).status).toBe(200);
      expect(await http.bed.preferences.subscribers(NotificationEvent.OTHER)).toEqual([{ userId: SUPERUSER.id, channels: ["MAIL"] }]);
    });

    it("lets a client set the whole system matrix with one aliased setSystemNotification per event", async () => {
      // Every event, personal-only ones with [] (the only value they take); the rest to MAIL alone.
      const rows = ALL_NOTIFICATION_EVENTS.map((event) => `${event.toLowerCase()}: setSystemNotification(event: ${event}, channels: [${isPersonalOnlyEvent(event) ? "" : "MAIL"}]) { event channels }`);
      expect(rows).toHaveLength(18);
      const response = await http.post({ query: `mutation { ${rows.join(" ")} }` });
      expect(response.status).toBe(200);
      expect(errorsOf(response)).toEqual([]);
      expect(await http.bed.settings.systemNotifications()).toEqual(
        ALL_NOTIFICATION_EVENTS.map((event) => ({ event, channels: isPersonalOnlyEvent(event) ? [] : ["MAIL"] })),
      );
    });

    it(`refuses more than ${MAX_DIRECTIVES} directives`, async () => {
      const directives = (count: number) => `{ slackAppManifest ${"__typename @include(if: true) ".repeat(count)}}`;
      expect(refusal(await http.post({ query: directives(MAX_DIRECTIVES + 1) }))).toEqual([
        { message: `Directives limit of ${MAX_DIRECTIVES} exceeded, found ${MAX_DIRECTIVES + 1}.`, extensions: { code: "GRAPHQL_VALIDATION_FAILED", limit: "directives" } },
      ]);
      expect((await http.post({ query: directives(MAX_DIRECTIVES) })).status).toBe(200);
    });

    it(`stops parsing after ${MAX_TOKENS} tokens, before running anything`, async () => {
      // 16 tokens around the list (commas are not tokens); the resolver keeps each channel once.
      const tokens = (count: number) =>
        `mutation { setMyNotification(event: OTHER, channels: [${" MAIL".repeat(count - 16)} ]) { event } }`;
      const [error] = refusal(await http.post({ query: tokens(MAX_TOKENS + 1) }));
      expect(error.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
      expect(error.message).toMatch(new RegExp(`more tha[nt] ${MAX_TOKENS} tokens`)); // graphql-js writes "more that"
      expect(await http.bed.preferences.subscribers(NotificationEvent.OTHER)).toEqual([]);

      expect(errorsOf(await http.post({ query: tokens(MAX_TOKENS) }))).toEqual([]);
      expect(await http.bed.preferences.subscribers(NotificationEvent.OTHER)).toEqual([{ userId: SUPERUSER.id, channels: ["MAIL"] }]);
    });

    it("refuses introspection that follows its own cycles (graphql-js's introspection depth rule)", async () => {
      const cyclic = `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`;
      const [error] = refusal(await http.post({ query: cyclic }));
      expect(error).toMatchObject({ message: "Maximum introspection depth exceeded", extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    });

    it("refuses a batch (a JSON array body) with 400, running none of its operations", async () => {
      const set = `mutation { setMyNotification(event: OTHER, channels: [MAIL]) { event } }`;
      const response = await http.post([{ query: set }, { query: "{ slackAppManifest }" }]);
      expect(response.status).toBe(400);
      expect(errorsOf(response)).toEqual([{ message: "Operation batching disabled.", extensions: { code: "BAD_REQUEST" } }]);
      expect(await http.bed.preferences.subscribers(NotificationEvent.OTHER)).toEqual([]);
    });
  });

  describe("as configured", () => {
    it("refuses an operation deeper than the limit, and changes nothing", async () => {
      http = await graphqlOverHttp({ limits: { ...DEFAULT_GRAPHQL_LIMITS, maxDepth: 2 } });
      const update = `mutation { updateMyContact(input: { slackEmail: "deep@slack.example" }) { contact { slackEmail } } }`;
      const [error] = refusal(await http.post({ query: update }, http.asReader));
      expect(error.message).toBe("Query depth limit of 2 exceeded, found 3 (limit set by GRAPHQL_MAX_DEPTH).");
      expect(error.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED", limit: "depth" });
      expect(await http.bed.preferences.contact(READER.id)).toMatchObject({ slackEmail: null });

      const shallow = await http.post({ query: `mutation { updateMyContact(input: { slackEmail: "deep@slack.example" }) { id } }` }, http.asReader);
      expect(errorsOf(shallow)).toEqual([]);
      expect(await http.bed.preferences.contact(READER.id)).toMatchObject({ slackEmail: "deep@slack.example" });
    });

    it("refuses an operation over the cost limit before it runs", async () => {
      http = await graphqlOverHttp({ limits: { ...DEFAULT_GRAPHQL_LIMITS, maxCost: 2 } });
      const update = `mutation { updateSystemSettings(input: { slackChannel: "#costly" }) { slackChannel slackUsername } }`;
      const [error] = refusal(await http.post({ query: update }));
      expect(error.message).toBe("Query cost limit of 2 exceeded, found 3 (limit set by GRAPHQL_MAX_COST).");
      expect((await http.bed.settings.systemSettings()).slackChannel).toBe("");

      expect(errorsOf(await http.post({ query: `mutation { updateSystemSettings(input: { slackChannel: "#costly" }) { slackChannel } }` }))).toEqual([]);
      expect((await http.bed.settings.systemSettings()).slackChannel).toBe("#costly");
    });

    it("refuses every alias when the limit is 0", async () => {
      http = await graphqlOverHttp({ limits: { ...DEFAULT_GRAPHQL_LIMITS, maxAliases: 0 } });
      expect(refusal(await http.post({ query: "{ manifest: slackAppManifest }" }))[0].extensions?.limit).toBe("aliases");
      expect((await http.post({ query: "{ slackAppManifest }" })).status).toBe(200);
    });
  });
});
