import { ExecutionResult, graphql, GraphQLSchema } from "graphql";
import { Channel } from "../../src/channels/channel-id";
import {
  DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST,
  parseWebhookAllowlist,
  WebhookAllowlist,
} from "../../src/channels/msteams/webhook-allowlist";
import { Caller, GraphqlServices, RelayContext } from "../../src/graphql/context";
import { buildRelaySchema } from "../../src/graphql/schema";
import { DeliveryEntity } from "../../src/storage/entities/delivery.entity";
import { PreferencesStore } from "../../src/storage/preferences-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { migratedDatabase } from "../support/database";

export const SUPERUSER: Caller = { id: 1, username: "admin", email: "admin@example.com", isSuperuser: true };
export const READER: Caller = { id: 2, username: "reader", email: "reader@example.com", isSuperuser: false };
/** A second plain user, whose settings READER must not reach. */
export const WRITER: Caller = { id: 3, username: "writer", email: "writer@example.com", isSuperuser: false };

let schema: Promise<GraphQLSchema> | undefined;
/** Built once per test file: building is the slow part and the schema holds no state. */
export const relaySchema = () => (schema ??= buildRelaySchema());

export interface Testbed {
  services: GraphqlServices;
  settings: SettingsStore;
  preferences: PreferencesStore;
  /** The DefectDojo users `lookupUser` knows (SUPERUSER, READER and WRITER to start with); tests may add or remove. */
  users: Map<number, Caller>;
  database: Awaited<ReturnType<typeof migratedDatabase>>;
  /** Every response so far, as the JSON a client would receive. */
  responses: string[];
  /** Runs an operation as `caller` (null: no caller in the context). */
  run(caller: Caller | null, source: string, variableValues?: Record<string, unknown>): Promise<ExecutionResult>;
  close(): Promise<void>;
}

/**
 * The real schema over a real, migrated SQLite file, executed with `graphql()` (no HTTP).
 * `sendTestNotification` is the test's own implementation: it must not need the delivery worker.
 */
export async function graphqlTestbed(
  sendTestNotification: (services: GraphqlServices, channel: Channel) => Promise<DeliveryEntity> = async () => {
    throw new Error("sendTestNotification is not part of this test");
  },
  options: { webhookAllowlist?: WebhookAllowlist } = {},
): Promise<Testbed> {
  const database = await migratedDatabase();
  const secretBox = new SecretBox("graphql test key");
  const settings = new SettingsStore(database.db, secretBox);
  const preferences = new PreferencesStore(database.db, secretBox);
  const users = new Map([SUPERUSER, READER, WRITER].map((user) => [user.id, user]));
  const services: GraphqlServices = {
    db: database.db,
    settings,
    preferences,
    webhookAllowlist: options.webhookAllowlist ?? parseWebhookAllowlist(DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST),
    // DefectDojo's user list, as a Map: the lookup the composition root makes over the REST API.
    lookupUser: async (id) => users.get(id) ?? null,
    sendTestNotification: (channel) => sendTestNotification(services, channel),
  };
  const responses: string[] = [];
  return {
    services,
    settings,
    preferences,
    users,
    database,
    responses,
    run: async (caller, source, variableValues) => {
      const contextValue = (caller ? { caller, services } : { services }) as RelayContext;
      const result = await graphql({ schema: await relaySchema(), source, variableValues, contextValue });
      responses.push(JSON.stringify(result));
      return result;
    },
    close: () => database.close(),
  };
}

/** The `extensions.code` of each error, in order. */
export const errorCodes = (result: ExecutionResult) => (result.errors ?? []).map((error) => error.extensions?.code);
