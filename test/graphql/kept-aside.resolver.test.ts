import { createKeepAside, KEPT_ASIDE_MAX_ROWS, KeptAsideRequest } from "../../src/ingest/keep-aside";
import { KeptAsideReason, KeptAsideRequestEntity } from "../../src/storage/entities/kept-aside-request.entity";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, Testbed } from "./graphql-testbed";

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

const PAGE = `query ($first: Int, $after: String) {
  keptAsideRequests(first: $first, after: $after) {
    edges { cursor node { id receivedAt reason detail eventName contentType sizeBytes headers { name value } body bodyTruncated } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Page {
  edges: Array<{ cursor: string; node: Record<string, unknown> & { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const request = (i: number, changes: Partial<KeptAsideRequest> = {}): KeptAsideRequest => ({
  reason: KeptAsideReason.INVALID_JSON,
  detail: "the body is not valid JSON",
  eventName: "product_added",
  eventLabel: "product_added",
  contentType: "application/json",
  sizeBytes: 9,
  headers: [{ name: "X-Request", value: String(i) }],
  body: Buffer.from("{not json"),
  ...changes,
});

describe("keptAsideRequests over GraphQL", () => {
  let bed: Testbed;
  let ids: number[];

  beforeEach(async () => {
    bed = await graphqlTestbed();
    ids = [];
    let clock = T0;
    const keepAside = createKeepAside({ db: bed.services.db, now: () => (clock += 1000) });
    for (let i = 0; i < 25; i++) ids.push(await keepAside(request(i)));
  });
  afterEach(() => bed.close());

  const page = async (variables: Record<string, unknown>) => {
    const result = await bed.run(SUPERUSER, PAGE, variables);
    expect(result.errors).toBeUndefined();
    return (result.data as { keptAsideRequests: Page }).keptAsideRequests;
  };

  it("pages newest first with Relay cursors, 20 by default", async () => {
    const first = await page({});
    expect(first.edges.map((edge) => Number(edge.node.id))).toEqual(ids.slice(5).reverse());
    expect(first.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: first.edges[0].cursor, endCursor: first.edges[19].cursor });
    expect(first.edges[0].node).toEqual({
      id: String(ids[24]),
      receivedAt: new Date(T0 + 25_000).toISOString(),
      reason: "INVALID_JSON",
      detail: "the body is not valid JSON",
      eventName: "product_added",
      contentType: "application/json",
      sizeBytes: 9,
      headers: [{ name: "X-Request", value: "24" }],
      body: "{not json",
      bodyTruncated: false,
    });

    const rest = await page({ first: 10, after: first.pageInfo.endCursor });
    expect(rest.edges.map((edge) => Number(edge.node.id))).toEqual(ids.slice(0, 5).reverse());
    expect(rest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect((await page({ first: 0 })).edges).toEqual([]);
  });

  it("refuses a cursor it did not hand out, and a page over 100", async () => {
    const deliveryCursor = Buffer.from("delivery:3").toString("base64");
    for (const after of [deliveryCursor, "junk", Buffer.from("kept_aside:0").toString("base64")]) {
      expect(errorCodes(await bed.run(SUPERUSER, PAGE, { after }))).toEqual(["BAD_USER_INPUT"]);
    }
    expect(errorCodes(await bed.run(SUPERUSER, PAGE, { first: 101 }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("is for superusers only", async () => {
    const result = await bed.run(READER, PAGE, {});
    expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
    expect(result.data?.keptAsideRequests ?? null).toBeNull();
    expect(errorCodes(await bed.run(null, PAGE, {}))).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("keeping requests aside", () => {
  let bed: Testbed;
  beforeEach(async () => (bed = await graphqlTestbed()));
  afterEach(() => bed.close());

  it(`keeps the newest ${KEPT_ASIDE_MAX_ROWS} rows, dropping the oldest as new ones come`, async () => {
    const keepAside = createKeepAside({ db: bed.services.db });
    let last = 0;
    for (let i = 0; i < KEPT_ASIDE_MAX_ROWS + 3; i++) last = await keepAside(request(i, { body: null, sizeBytes: 0 }));
    const manager = bed.services.db.manager;
    expect(await manager.count(KeptAsideRequestEntity)).toBe(KEPT_ASIDE_MAX_ROWS);
    expect((await manager.find(KeptAsideRequestEntity, { order: { id: "ASC" }, take: 1 }))[0].id).toBe(last - KEPT_ASIDE_MAX_ROWS + 1);
  }, 60_000);

  it("bounds the body to 64 KiB, says so, and stores NUL as U+FFFD", async () => {
    const keepAside = createKeepAside({ db: bed.services.db });
    const body = Buffer.concat([Buffer.from("a\u0000b"), Buffer.alloc(100_000, "z")]);
    const id = await keepAside(request(1, { body, sizeBytes: body.length, detail: "x".repeat(5000) }));
    const row = await bed.services.db.manager.findOneByOrFail(KeptAsideRequestEntity, { id });
    expect(row.body).toHaveLength(64 * 1024);
    expect(row.body!.slice(0, 3)).toBe("a\uFFFDb");
    expect(row).toMatchObject({ sizeBytes: 100_003, bodyTruncated: true });
    expect(row.detail).toHaveLength(1000);
  });
});
