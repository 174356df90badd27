import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GraphQLEnumType, GraphQLField, GraphQLInputObjectType, GraphQLObjectType } from "graphql";
import { printRelaySchema, SCHEMA_FILE } from "../../src/graphql/schema";
import { relaySchema } from "./graphql-testbed";

const COMMITTED = join(__dirname, "..", "..", SCHEMA_FILE);

/** `name(arg: Type, …): Type`, the way the contracts in issues 2 and 3 spell operations. */
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
        "me: Me!",
        "user(id: Int!): Me",
      ]),
    );
    expect(signatures(schema.getMutationType())).toEqual(
      expect.arrayContaining([
        "updateSystemSettings(input: SystemSettingsInput!): SystemSettings!",
        "setSystemNotification(event: NotificationEvent!, channels: [Channel!]!): EventChannels!",
        "sendTestNotification(channel: Channel!): Delivery!",
        "updateMyContact(input: ContactInput!): Me!",
        "setMyNotification(event: NotificationEvent!, channels: [Channel!]!): EventChannels!",
        "setUserNotification(userId: Int!, event: NotificationEvent!, channels: [Channel!]!): EventChannels!",
      ]),
    );
    expect(signatures(schema.getType("Me") as GraphQLObjectType)).toEqual([
      "id: Int!",
      "username: String!",
      "email: String!",
      "isSuperuser: Boolean!",
      "contact: Contact!",
      "notifications: [EventChannels!]!",
    ]);
    // The Teams URL is write-only: in the input, never in an output type.
    expect(signatures(schema.getType("Contact") as GraphQLObjectType)).toEqual([
      "slackEmail: String",
      "email: String",
      "msteamsUrlSet: Boolean!",
    ]);
    const contactInput = schema.getType("ContactInput") as GraphQLInputObjectType;
    expect(Object.values(contactInput.getFields()).map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      "slackEmail: String",
      "email: String",
      "msteamsUrl: String",
    ]);
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
