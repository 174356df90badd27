import { readFileSync } from "node:fs";
import {
  buildSchema,
  getNamedType,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  GraphQLType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
} from "graphql";

/**
 * A linter for the committed SDL (schema/schema.graphql), written with graphql-js: the rules of
 * Relay's cursor connections spec (https://relay.dev/graphql/connections.htm) that Relay-aware
 * tools act on by a type's name (Apollo Client's `relayStylePagination`, graphql-eslint's
 * relay-connection-types / relay-edge-types / relay-page-info), and the usual naming conventions.
 * Each rule returns the problems it finds, so one test names every offender at once.
 */
const SDL = readFileSync("schema/schema.graphql", "utf8");

const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;
const CAMEL_CASE = /^[a-z][A-Za-z0-9]*$/;
const UPPER_CASE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/** The types the schema declares: no introspection types, no built-in scalars. */
function ownTypes(schema: GraphQLSchema): GraphQLNamedType[] {
  return Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith("__") && !(isScalarType(type) && isSpecifiedScalarType(type)));
}

const print = (field: GraphQLField<unknown, unknown>) => `${field.name}: ${String(field.type)}`;

/** `Type!` whose inner type is named `name` (a list when `list`: `[Name!]!`). */
function isNonNullOf(type: GraphQLType, name: string, list = false): boolean {
  if (!isNonNullType(type)) return false;
  const inner = type.ofType;
  if (!list) return getNamedType(inner).name === name && !isListType(inner);
  return isListType(inner) && isNonNullType(inner.ofType) && getNamedType(inner.ofType).name === name && !isListType(inner.ofType.ofType);
}

/** Relay: a type named …Connection is a connection; an object type with edges and pageInfo is named so. */
export function relayConnectionProblems(schema: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const type of ownTypes(schema)) {
    const fields = isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
    const looksLikeConnection = "edges" in fields && "pageInfo" in fields;
    if (!type.name.endsWith("Connection")) {
      if (looksLikeConnection) problems.push(`${type.name} has edges and pageInfo: name it ${type.name}Connection`);
      continue;
    }
    if (!isObjectType(type)) {
      problems.push(`${type.name} ends in Connection but is not an object type`);
      continue;
    }
    const edgeName = `${type.name.slice(0, -"Connection".length)}Edge`;
    if (!fields.edges || !isNonNullOf(fields.edges.type, edgeName, true)) {
      problems.push(`${type.name} ends in Connection but has no \`edges: [${edgeName}!]!\`${fields.edges ? ` (${print(fields.edges)})` : ""}`);
    }
    if (!fields.pageInfo || !isNonNullOf(fields.pageInfo.type, "PageInfo")) {
      problems.push(`${type.name} ends in Connection but has no \`pageInfo: PageInfo!\``);
    }
  }
  return problems;
}

/** Relay: an edge type has `cursor: String!` and a `node` that is neither a list nor a scalar. */
export function relayEdgeProblems(schema: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const type of ownTypes(schema)) {
    if (!type.name.endsWith("Edge")) continue;
    if (!isObjectType(type)) {
      problems.push(`${type.name} ends in Edge but is not an object type`);
      continue;
    }
    const { cursor, node } = type.getFields();
    if (!cursor || !isNonNullOf(cursor.type, "String")) problems.push(`${type.name} has no \`cursor: String!\``);
    const nodeType = node && (isNonNullType(node.type) ? node.type.ofType : node.type);
    if (!node || isListType(nodeType) || !(isObjectType(nodeType) || isInterfaceType(nodeType))) {
      problems.push(`${type.name} has no \`node\` of an object type`);
    }
  }
  return problems;
}

/** Relay: PageInfo, when there is one, has the spec's four fields. */
export function relayPageInfoProblems(schema: GraphQLSchema): string[] {
  const pageInfo = schema.getType("PageInfo");
  if (!pageInfo) return [];
  if (!isObjectType(pageInfo)) return ["PageInfo is not an object type"];
  const fields = pageInfo.getFields();
  const wanted: Array<[string, (type: GraphQLType) => boolean, string]> = [
    ["hasNextPage", (type) => isNonNullOf(type, "Boolean"), "Boolean!"],
    ["hasPreviousPage", (type) => isNonNullOf(type, "Boolean"), "Boolean!"],
    ["startCursor", (type) => isScalarType(type) && type.name === "String", "String"],
    ["endCursor", (type) => isScalarType(type) && type.name === "String", "String"],
  ];
  return wanted.filter(([name, ok]) => !fields[name] || !ok(fields[name].type)).map(([name, , type]) => `PageInfo has no \`${name}: ${type}\``);
}

/** Types PascalCase, fields and arguments camelCase, enum values UPPER_CASE; input types, and only they, end in Input. */
export function namingProblems(schema: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const type of ownTypes(schema)) {
    if (!PASCAL_CASE.test(type.name)) problems.push(`type ${type.name} is not PascalCase`);
    if (isInputObjectType(type) !== type.name.endsWith("Input")) {
      problems.push(isInputObjectType(type) ? `input ${type.name} does not end in Input` : `${type.name} ends in Input but is not an input type`);
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (!UPPER_CASE.test(value.name)) problems.push(`enum value ${type.name}.${value.name} is not UPPER_CASE`);
    }
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!CAMEL_CASE.test(field.name)) problems.push(`field ${type.name}.${field.name} is not camelCase`);
        for (const arg of "args" in field ? field.args : []) {
          if (!CAMEL_CASE.test(arg.name)) problems.push(`argument ${type.name}.${field.name}(${arg.name}) is not camelCase`);
        }
      }
    }
  }
  return problems;
}

describe("the committed SDL (schema/schema.graphql) lints clean", () => {
  const schema = buildSchema(SDL);

  it("has a connection, edge and PageInfo for every type named so (Relay cursor connections)", () => {
    expect(relayConnectionProblems(schema)).toEqual([]);
    expect(relayEdgeProblems(schema)).toEqual([]);
    expect(relayPageInfoProblems(schema)).toEqual([]);
    // The rules look at something: the schema's paginated lists.
    expect(Object.keys(schema.getTypeMap()).filter((name) => name.endsWith("Connection")).sort()).toEqual([
      "DeliveryConnection",
      "KeptAsideRequestConnection",
    ]);
  });

  it("follows the naming conventions", () => {
    expect(namingProblems(schema)).toEqual([]);
  });
});

describe("the schema linter's rules catch what they are for", () => {
  const lint = (sdl: string) => {
    const schema = buildSchema(`type Query { x: Int }\n${sdl}`);
    return [...relayConnectionProblems(schema), ...relayEdgeProblems(schema), ...relayPageInfoProblems(schema), ...namingProblems(schema)];
  };
  const PAGE_INFO = "type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }";

  it("accepts a Relay connection", () => {
    expect(lint(`type Thing { id: Int } type ThingEdge { cursor: String! node: Thing! } type ThingConnection { edges: [ThingEdge!]! pageInfo: PageInfo! } ${PAGE_INFO}`)).toEqual([]);
  });

  it("refuses a type named …Connection that is not a connection (the old DefectDojoConnection)", () => {
    expect(lint("type DefectDojoConnection { reachable: Boolean! version: String }")).toEqual([
      "DefectDojoConnection ends in Connection but has no `edges: [DefectDojoEdge!]!`",
      "DefectDojoConnection ends in Connection but has no `pageInfo: PageInfo!`",
    ]);
  });

  it("refuses a connection by another name, and broken edges and PageInfo", () => {
    expect(
      lint(`type Thing { id: Int } type ThingEdge { node: [Thing] } type ThingPage { edges: [ThingEdge!]! pageInfo: PageInfo! }
        type PageInfo { hasNextPage: Boolean }`),
    ).toEqual([
      "ThingPage has edges and pageInfo: name it ThingPageConnection",
      "ThingEdge has no `cursor: String!`",
      "ThingEdge has no `node` of an object type",
      "PageInfo has no `hasNextPage: Boolean!`",
      "PageInfo has no `hasPreviousPage: Boolean!`",
      "PageInfo has no `startCursor: String`",
      "PageInfo has no `endCursor: String`",
    ]);
  });

  it("refuses names against the conventions", () => {
    expect(lint("type thing { Id: Int bad_name(Arg: Int): Int } enum Color { red DARK_BLUE } input ThingFilter { a: Int } type ThingInput { a: Int }")).toEqual([
      "type thing is not PascalCase",
      "field thing.Id is not camelCase",
      "field thing.bad_name is not camelCase",
      "argument thing.bad_name(Arg) is not camelCase",
      "enum value Color.red is not UPPER_CASE",
      "input ThingFilter does not end in Input",
      "ThingInput ends in Input but is not an input type",
    ]);
  });
});
