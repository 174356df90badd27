import { Channel } from "../../src/vocabulary/channel";
import { GraphqlServices } from "../../src/graphql/context";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { Database } from "../../src/storage/database";
import { errorCodes, graphqlTestbed, READER, seedDeliveries, SUPERUSER, Testbed } from "./graphql-testbed";

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

/** Stores an event with one delivery per entry; returns the delivery ids. */
async function seed(db: Database, name: string, deliveries: Array<Partial<DeliveryEntity>>, at: number): Promise<number[]> {
  return (await seedDeliveries(db, name, deliveries, at)).map((delivery) => delivery.id);
}

/**
 * The test's sendTestNotification: what the real one leaves behind after a successful first
 * attempt (an event of source "test" and one SENT delivery), written through the real Database.
 */
async function sendTestNotification(services: GraphqlServices, channel: Channel): Promise<DeliveryEntity> {
  const settings = await services.settings.systemSettings();
  const [id] = await seed(
    services.db,
    "test_notification",
    [{ channel, target: settings.slackChannel, status: DeliveryStatus.SENT, attempts: 1, sentAt: T0 + 1, updatedAt: T0 + 1 }],
    T0,
  );
  return services.db.manager.findOneByOrFail(DeliveryEntity, { id });
}

const PAGE = `query ($first: Int, $after: String) {
  deliveries(first: $first, after: $after) {
    edges { cursor node { id event eventTitle channel target status attempts lastError createdAt updatedAt sentAt nextAttemptAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Page {
  edges: Array<{ cursor: string; node: Record<string, unknown> & { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

describe("deliveries over GraphQL", () => {
  let bed: Testbed;
  let all: number[];
  let readers: number[];

  beforeEach(async () => {
    bed = await graphqlTestbed(sendTestNotification);
    all = [];
    readers = [];
    // 25 deliveries over 25 events: every fifth is a personal one for READER, every seventh for someone else.
    for (let i = 0; i < 25; i++) {
      const recipientUserId = i % 5 === 0 ? READER.id : i % 7 === 0 ? 99 : null;
      const channel = recipientUserId ? Channel.MAIL : Channel.SLACK;
      const [id] = await seed(bed.services.db, "product_added", [{ recipientUserId, channel }], T0 + i * 1000);
      all.push(id);
      if (recipientUserId === READER.id) readers.push(id);
    }
  });
  afterEach(() => bed.close());

  const page = async (caller = SUPERUSER, variables: Record<string, unknown> = {}): Promise<Page> => {
    const result = await bed.run(caller, PAGE, variables);
    expect(result.errors).toBeUndefined();
    return result.data?.deliveries as Page;
  };

  it("pages through every delivery, newest first, with opaque cursors", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const current: Page = await page(SUPERUSER, { first: 10, after });
      pages++;
      seen.push(...current.edges.map((edge) => edge.node.id));
      expect(current.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(current.pageInfo.startCursor).toBe(current.edges[0].cursor);
      expect(current.pageInfo.endCursor).toBe(current.edges.at(-1)?.cursor);
      // Opaque: base64, not the bare id a client might start doing arithmetic on.
      for (const edge of current.edges) expect(edge.cursor).toMatch(/^[A-Za-z0-9+/]{4,}=*$/);
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...all].reverse().map(String));
  });

  it("returns 20 by default and refuses more than 100 or a negative count", async () => {
    expect((await page()).edges).toHaveLength(20);
    expect((await page(SUPERUSER, { first: 100 })).edges).toHaveLength(25);
    for (const first of [101, -1]) {
      const result = await bed.run(SUPERUSER, PAGE, { first });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0].message).toContain("first");
    }
  });

  it.each([
    ["junk", "not-a-cursor"],
    ["base64 of something else", Buffer.from("user:1").toString("base64")],
    ["a cursor with a non-numeric id", Buffer.from("delivery:1 OR 1=1").toString("base64")],
  ])("refuses %s as a cursor with BAD_USER_INPUT", async (_label, after) => {
    const result = await bed.run(SUPERUSER, PAGE, { after });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0].extensions?.field).toBe("after");
  });

  it("shows other users only the deliveries addressed to them, across pages", async () => {
    const first = await page(READER, { first: 3 });
    const rest = await page(READER, { first: 3, after: first.pageInfo.endCursor });
    const ids = [...first.edges, ...rest.edges].map((edge) => edge.node.id);
    expect(ids).toEqual([...readers].reverse().map(String));
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it("maps a delivery's fields, with its event's name and title", async () => {
    const [failed] = await seed(
      bed.services.db,
      "scan_added",
      [{ channel: Channel.MSTEAMS, target: "Teams (system)", status: DeliveryStatus.FAILED, attempts: 3, lastError: "HTTP 400: bad card", updatedAt: T0 + 60_000 }],
      T0 + 50_000,
    );
    const [retrying] = await seed(
      bed.services.db,
      "sla_breach",
      [{ status: DeliveryStatus.RETRYING, attempts: 1, nextAttemptAt: T0 + 90_000 }],
      T0 + 51_000,
    );
    const nodes = (await page(SUPERUSER, { first: 2 })).edges.map((edge) => edge.node);
    expect(nodes[0]).toMatchObject({ id: String(retrying), event: "sla_breach", status: "RETRYING", nextAttemptAt: new Date(T0 + 90_000).toISOString() });
    expect(nodes[1]).toEqual({
      id: String(failed),
      event: "scan_added",
      eventTitle: `scan_added at ${T0 + 50_000}`,
      channel: "MSTEAMS",
      target: "Teams (system)",
      status: "FAILED",
      attempts: 3,
      lastError: "HTTP 400: bad card",
      createdAt: new Date(T0 + 50_000).toISOString(),
      updatedAt: new Date(T0 + 60_000).toISOString(),
      sentAt: null,
      // Final rows have no next attempt.
      nextAttemptAt: null,
    });
  });

  it("sends a test notification through the service and returns its delivery", async () => {
    await bed.settings.updateSystemSettings({ slackChannel: "#relay-test" });
    const result = await bed.run(SUPERUSER, `mutation { sendTestNotification(channel: SLACK) { id event channel target status attempts sentAt } }`);
    expect(result.errors).toBeUndefined();
    const delivery = result.data?.sendTestNotification as Record<string, unknown>;
    expect(delivery).toMatchObject({ event: "test_notification", channel: "SLACK", target: "#relay-test", status: "SENT", attempts: 1 });
    expect(delivery.sentAt).toBe(new Date(T0 + 1).toISOString());
    // The delivery log shows it first.
    expect((await page(SUPERUSER, { first: 1 })).edges[0].node.id).toBe(delivery.id);
  });

  it("filters by status", async () => {
    const [failed] = await seed(bed.services.db, "scan_added", [{ status: DeliveryStatus.FAILED, lastError: "x" }], T0 + 99_000);
    const result = await bed.run(SUPERUSER, `{ deliveries(first: 100, status: FAILED) { edges { node { id status } } } }`);
    expect(result.data?.deliveries).toEqual({ edges: [{ node: { id: String(failed), status: "FAILED" } }] });
    const pending = await bed.run(SUPERUSER, `{ deliveries(first: 100, status: PENDING) { edges { node { id } } } }`);
    expect((pending.data?.deliveries as Page).edges).toHaveLength(25);
  });

  it("retries a FAILED delivery from its first attempt, for superusers and for its own recipient only", async () => {
    const RETRY = `mutation($id: ID!) { retryDelivery(id: $id) { id status attempts } }`;
    const [others, readers, sent] = await seed(
      bed.services.db,
      "scan_added",
      [
        { status: DeliveryStatus.FAILED, attempts: 10, recipientUserId: 99 },
        { status: DeliveryStatus.FAILED, attempts: 3, recipientUserId: READER.id },
        { status: DeliveryStatus.SENT, attempts: 1 },
      ],
      T0 + 99_000,
    );
    // Someone else's delivery does not exist for this caller, and stays FAILED.
    expect(errorCodes(await bed.run(READER, RETRY, { id: String(others) }))).toEqual(["NOT_FOUND"]);
    expect(await bed.services.db.manager.findOneByOrFail(DeliveryEntity, { id: others })).toMatchObject({ status: "FAILED", attempts: 10 });
    expect((await bed.run(READER, RETRY, { id: String(readers) })).data).toEqual({ retryDelivery: { id: String(readers), status: "PENDING", attempts: 0 } });
    expect((await bed.run(SUPERUSER, RETRY, { id: String(others) })).data).toEqual({ retryDelivery: { id: String(others), status: "PENDING", attempts: 0 } });
    expect(errorCodes(await bed.run(SUPERUSER, RETRY, { id: String(sent) }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await bed.run(SUPERUSER, RETRY, { id: "x1" }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("lets only superusers send a test notification", async () => {
    const result = await bed.run(READER, `mutation { sendTestNotification(channel: MAIL) { id } }`);
    expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
    expect(await bed.services.db.manager.count(DeliveryEntity)).toBe(25);
  });
});
