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
        "deliveries(first: Int, after: String, status: DeliveryStatus): DeliveryConnection!",
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
        "retryDelivery(id: ID!): Delivery!",
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
      "minSeverity: Severity",
      "digestWindowSeconds: Int!",
      "quietHoursStart: String",
      "quietHoursEnd: String",
      "timeZone: String",
    ]);
    const contactInput = schema.getType("ContactInput") as GraphQLInputObjectType;
    expect(Object.values(contactInput.getFields()).map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      "slackEmail: String",
      "email: String",
      "msteamsUrl: String",
      "minSeverity: Severity",
      "digestWindowSeconds: Int",
      "quietHoursStart: String",
      "quietHoursEnd: String",
      "timeZone: String",
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
      "linkOnly: Boolean!",
    ]);
    expect(signatures(schema.getType("EventChannels") as GraphQLObjectType)).toEqual([
      "event: NotificationEvent!",
      "channels: [Channel!]!",
      // "DefectDojo as it really is": user_mentioned and review_requested never reach a system endpoint.
      "personalOnly: Boolean!",
      "note: String",
    ]);
    const enumValues = (name: string) => (schema.getType(name) as GraphQLEnumType).getValues().map((v) => v.name);
    expect(enumValues("Channel")).toEqual(["SLACK", "MSTEAMS", "MAIL"]);
    expect(enumValues("DeliveryStatus")).toEqual(["PENDING", "SENT", "RETRYING", "FAILED", "SKIPPED"]);
    expect(enumValues("NotificationEvent")).toHaveLength(18);
  });

  it("keeps the routing rule contract, with the Teams URL only in the input", async () => {
    const schema = await relaySchema();
    expect(signatures(schema.getQueryType())).toEqual(
      expect.arrayContaining([
        "routingRules: [RoutingRule!]!",
        "previewRouting(event: String!, payload: String!): [RoutePreview!]!",
      ]),
    );
    expect(signatures(schema.getMutationType())).toEqual(
      expect.arrayContaining([
        "createRoutingRule(input: RoutingRuleInput!): RoutingRule!",
        "updateRoutingRule(id: ID!, input: RoutingRuleInput!): RoutingRule!",
        "deleteRoutingRule(id: ID!): Boolean!",
      ]),
    );
    expect(signatures(schema.getType("RoutingRule") as GraphQLObjectType)).toEqual([
      "id: ID!",
      "name: String!",
      "position: Int!",
      "events: [NotificationEvent!]!",
      "productTypeIds: [Int!]!",
      "productIds: [Int!]!",
      "engagementIds: [Int!]!",
      "minSeverity: Severity",
      "tags: [String!]!",
      "verified: Boolean",
      "active: Boolean",
      "continue: Boolean!",
      "targets: [RouteTarget!]!",
      "digestWindowSeconds: Int!",
      "digestGroupBy: DigestGroupBy!",
      "linkOnly: Boolean!",
    ]);
    expect(signatures(schema.getType("RouteTarget") as GraphQLObjectType)).toEqual([
      "channel: Channel!",
      "slackChannel: String",
      "emails: [String!]!",
      "msteamsUrlSet: Boolean!",
      "msteamsLabel: String",
    ]);
    expect(signatures(schema.getType("RoutePreview") as GraphQLObjectType)).toEqual([
      "channel: Channel!",
      "target: String!",
      "ruleName: String",
      "digestWindowSeconds: Int!",
    ]);
    const inputFields = (name: string) =>
      Object.values((schema.getType(name) as GraphQLInputObjectType).getFields()).map((f) => `${f.name}: ${String(f.type)}`);
    expect(inputFields("RoutingRuleInput")).toEqual([
      "name: String!",
      "position: Int!",
      "events: [NotificationEvent!]",
      "productTypeIds: [Int!]",
      "productIds: [Int!]",
      "engagementIds: [Int!]",
      "minSeverity: Severity",
      "tags: [String!]",
      "verified: Boolean",
      "active: Boolean",
      "continue: Boolean",
      "targets: [RouteTargetInput!]!",
      "digestWindowSeconds: Int",
      "digestGroupBy: DigestGroupBy",
      "linkOnly: Boolean",
    ]);
    expect(inputFields("RouteTargetInput")).toEqual(["channel: Channel!", "slackChannel: String", "msteamsUrl: String", "emails: [String!]"]);
    expect((schema.getType("DigestGroupBy") as GraphQLEnumType).getValues().map((v) => v.name)).toEqual(["NONE", "PRODUCT", "ENGAGEMENT"]);
  });

  it("keeps the message template contract", async () => {
    const schema = await relaySchema();
    expect(signatures(schema.getQueryType())).toEqual(
      expect.arrayContaining([
        "messageTemplates: [MessageTemplate!]!",
        "previewMessage(event: String!, payload: String!, channel: Channel!, template: MessageTemplateInput): String!",
      ]),
    );
    expect(signatures(schema.getMutationType())).toEqual(
      expect.arrayContaining([
        "setMessageTemplate(input: MessageTemplateInput!): MessageTemplate!",
        "deleteMessageTemplate(event: NotificationEvent!, channel: Channel!): Boolean!",
      ]),
    );
    expect(signatures(schema.getType("MessageTemplate") as GraphQLObjectType)).toEqual([
      "event: NotificationEvent!",
      "channel: Channel!",
      "title: String",
      "text: String",
    ]);
    const input = schema.getType("MessageTemplateInput") as GraphQLInputObjectType;
    expect(Object.values(input.getFields()).map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      "event: NotificationEvent!",
      "channel: Channel!",
      "title: String",
      "text: String",
    ]);
  });

  it("keeps the first-run (connect and import) contract", async () => {
    const schema = await relaySchema();
    expect(signatures(schema.getQueryType())).toEqual(expect.arrayContaining(["defectDojoConnection: DefectDojoStatus!"]));
    expect(signatures(schema.getMutationType())).toEqual(
      expect.arrayContaining([
        "importFromDefectDojo: ImportReport!",
        "registerDefectDojoWebhook(publicUrl: String!, stopDirectNotifications: Boolean): WebhookRegistration!",
      ]),
    );
    const register = schema.getMutationType()!.getFields().registerDefectDojoWebhook;
    expect(register.args.find((arg) => arg.name === "stopDirectNotifications")?.defaultValue).toBe(false);
    expect(signatures(schema.getType("ImportReport") as GraphQLObjectType)).toEqual(
      expect.arrayContaining(["imported: [ImportItem!]!", "unchanged: [ImportItem!]!", "skipped: [ImportItem!]!"]),
    );
    expect(signatures(schema.getType("ImportItem") as GraphQLObjectType)).toEqual(["what: String!", "reason: String"]);
    expect(signatures(schema.getType("WebhookRegistration") as GraphQLObjectType)).toEqual(
      expect.arrayContaining([
        "endpointId: Int!",
        "url: String!",
        "created: Boolean!",
        "status: String!",
        "eventsAdded: Int!",
        "directChannelsStopped: Boolean!",
      ]),
    );
    expect(signatures(schema.getType("DefectDojoStatus") as GraphQLObjectType)).toEqual(
      expect.arrayContaining(["reachable: Boolean!", "version: String", "authorizationModel: AuthorizationModel", "webhookStatus: String"]),
    );
    expect((schema.getType("AuthorizationModel") as GraphQLEnumType).getValues().map((v) => v.name)).toEqual(["RBAC", "LEGACY"]);
  });
});
