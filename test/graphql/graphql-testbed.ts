import { ExecutionResult, graphql, GraphQLSchema } from "graphql";
import { Channel } from "../../src/channels/channel-id";
import { Caller, GraphqlServices, RelayContext } from "../../src/graphql/context";
import { buildRelaySchema } from "../../src/graphql/schema";
import { DeliveryEntity } from "../../src/storage/entities/delivery.entity";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { migratedDatabase } from "../support/database";

export const SUPERUSER: Caller = { id: 1, username: "admin", email: "admin@example.com", isSuperuser: true };
export const READER: Caller = { id: 2, username: "reader", email: "reader@example.com", isSuperuser: false };

let schema: Promise<GraphQLSchema> | undefined;
/** Built once per test file: building is the slow part and the schema holds no state. */
export const relaySchema = () => (schema ??= buildRelaySchema());

export interface Testbed {
  services: GraphqlServices;
  settings: SettingsStore;
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
): Promise<Testbed> {
  const database = await migratedDatabase();
  const settings = new SettingsStore(database.db, new SecretBox("graphql test key"));
  const services: GraphqlServices = {
    db: database.db,
    settings,
    sendTestNotification: (channel) => sendTestNotification(services, channel),
  };
  const responses: string[] = [];
  return {
    services,
    settings,
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
