import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GraphQLEnumType, GraphQLField, GraphQLObjectType } from "graphql";
import { printRelaySchema, SCHEMA_FILE } from "../../src/graphql/schema";
import { relaySchema } from "./graphql-testbed";

const COMMITTED = join(__dirname, "..", "..", SCHEMA_FILE);

/** `name(arg: Type, …): Type`, the way the contract in issue 2 spells operations. */
function signature(field: GraphQLField<unknown, unknown>): string {
  const args = field.args.map((arg) => `${arg.name}: ${String(arg.type)}`).join(", ");
  return `${field.name}${args ? `(${args})` : ""}: ${String(field.type)}`;
}
const signatures = (type: GraphQLObjectType | null | undefined) => Object.values(type?.getFields() ?? {}).map(signature);

describe("the GraphQL schema", () => {
  it("matches the committed schema/schema.graphql", async () => {
    const generated = printRelaySchema(await relaySchema());
    const committed = existsSync(COMMITTED) ? readFileSync(COMMITTED, "utf8") : null;
    if (committed !== generated) {
      throw new Error(`${SCHEMA_FILE} is missing or stale: run \`npm run schema\` and commit the result`);
    }
    expect(committed).toBe(generated);
  });

  it("keeps the operation names and types of the public contract", async () => {
    const schema = await relaySchema();
    expect(signatures(schema.getQueryType())).toEqual(
      expect.arrayContaining([
        "systemSettings: SystemSettings!",
        "systemNotifications: [EventChannels!]!",
        "deliveries(first: Int, after: String): DeliveryConnection!",
        "slackAppManifest: String!",
      ]),
    );
    expect(signatures(schema.getMutationType())).toEqual(
      expect.arrayContaining([
        "updateSystemSettings(input: SystemSettingsInput!): SystemSettings!",
        "setSystemNotification(event: NotificationEvent!, channels: [Channel!]!): EventChannels!",
        "sendTestNotification(channel: Channel!): Delivery!",
      ]),
    );
    expect(signatures(schema.getType("SystemSettings") as GraphQLObjectType)).toEqual([
      "enableSlackNotifications: Boolean!",
      "slackChannel: String!",
      "slackUsername: String!",
      "slackTokenSet: Boolean!",
      "enableMsteamsNotifications: Boolean!",
      "msteamsUrlSet: Boolean!",
      "enableMailNotifications: Boolean!",
      "mailNotificationsTo: [String!]!",
    ]);
    expect(signatures(schema.getType("EventChannels") as GraphQLObjectType)).toEqual([
      "event: NotificationEvent!",
      "channels: [Channel!]!",
    ]);
    const enumValues = (name: string) => (schema.getType(name) as GraphQLEnumType).getValues().map((v) => v.name);
    expect(enumValues("Channel")).toEqual(["SLACK", "MSTEAMS", "MAIL"]);
    expect(enumValues("DeliveryStatus")).toEqual(["PENDING", "SENT", "RETRYING", "FAILED"]);
    expect(enumValues("NotificationEvent")).toHaveLength(18);
  });
});
