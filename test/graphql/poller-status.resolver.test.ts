import { PollCursorEntity } from "../../src/storage/entities/poll-cursor.entity";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, Testbed } from "./graphql-testbed";

const QUERY = `{ pollerStatus { resource cursor lastRunAt lastError eventsFound } }`;

describe("pollerStatus", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
  });
  afterEach(() => bed.close());

  it("shows superusers every resource in polling order, with its cursor, last run, last error and events found", async () => {
    await bed.database.db.write((manager) =>
      manager.save(PollCursorEntity, [
        { resource: "findings", state: { lastId: 1234 }, cursor: "id 1234", lastRunAt: Date.parse("2026-11-28T09:00:00Z"), lastError: null, eventsFound: 3 },
        { resource: "products", state: { lastId: 4 }, cursor: "id 4", lastRunAt: Date.parse("2026-11-28T09:00:00Z"), lastError: "GET /api/v2/products/: DefectDojo HTTP 500", eventsFound: 0 },
      ]),
    );
    const result = await bed.run(SUPERUSER, QUERY);
    expect(result.errors).toBeUndefined();
    const rows = result.data!.pollerStatus as Array<Record<string, unknown>>;
    expect(rows.map((row) => row.resource)).toEqual([
      "product_types",
      "products",
      "engagements",
      "tests",
      "test_imports",
      "findings",
      "risk_acceptances",
      "sla",
    ]);
    expect(rows.find((row) => row.resource === "findings")).toEqual({
      resource: "findings",
      cursor: "id 1234",
      lastRunAt: "2026-11-28T09:00:00.000Z",
      lastError: null,
      eventsFound: 3,
    });
    expect(rows.find((row) => row.resource === "products")!.lastError).toBe("GET /api/v2/products/: DefectDojo HTTP 500");
    expect(rows.find((row) => row.resource === "sla")).toEqual({ resource: "sla", cursor: null, lastRunAt: null, lastError: null, eventsFound: 0 });
  });

  it("is for superusers only", async () => {
    expect(errorCodes(await bed.run(READER, QUERY))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await bed.run(null, QUERY))).toEqual(["UNAUTHENTICATED"]);
  });
});
