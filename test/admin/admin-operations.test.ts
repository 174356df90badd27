import { GraphQLSchema, parse, validate } from "graphql";
import { OPERATIONS } from "../../src/admin-ui/operations";
import { buildRelaySchema } from "../../src/graphql/schema";

/**
 * The admin page's operations against the schema the bridge serves (built from the resolvers, as at
 * start-up): a field or argument renamed or retyped in the API fails here rather than on a page.
 */
describe("the admin page's GraphQL operations", () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildRelaySchema();
  });

  it.each(Object.entries(OPERATIONS))("%s is valid against the bridge's schema", (_name, source) => {
    expect(validate(schema, parse(source)).map((error) => error.message)).toEqual([]);
  });

  it("names each operation once", () => {
    const names = Object.values(OPERATIONS).map((source) => /^(?:query|mutation) (\w+)/.exec(source)?.[1]);
    expect(names).not.toContain(undefined);
    expect(new Set(names).size).toBe(names.length);
  });
});
