import { ExecutionResult, graphql, GraphQLSchema } from "graphql";
import { requeueFailed } from "../../src/delivery/outbox";
import { Channel } from "../../src/vocabulary/channel";
import {
  DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST,
  parseWebhookAllowlist,
  WebhookAllowlist,
} from "../../src/channels/msteams/webhook-allowlist";
import { DefectDojoAccess } from "../../src/defectdojo/connection";
import { Caller, GraphqlServices, RelayContext } from "../../src/graphql/context";
import { textEvent } from "../../src/events/dojo-event";
import { NotificationEvent } from "../../src/events/notification-event";
import { Database } from "../../src/storage/database";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { EventEntity } from "../../src/storage/entities/event.entity";
import { buildRelaySchema } from "../../src/graphql/schema";
import { FactsSource } from "../../src/routing/event-facts";
import { previewRoutes } from "../../src/routing/preview";
import { PreferencesStore } from "../../src/storage/preferences-store";
import { RoutingRuleStore } from "../../src/storage/routing-rule-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { TemplateStore } from "../../src/storage/template-store";
import { migratedDatabase } from "../support/database";

export const SUPERUSER: Caller = { id: 1, username: "admin", email: "admin@example.com", isSuperuser: true };
export const READER: Caller = { id: 2, username: "reader", email: "reader@example.com", isSuperuser: false };
/** A second plain user, whose settings READER must not reach. */
export const WRITER: Caller = { id: 3, username: "writer", email: "writer@example.com", isSuperuser: false };

/** DOJO_URL as the testbed's services have it. */
export const TESTBED_DOJO_URL = "https://dojo.example.com";

let schema: Promise<GraphQLSchema> | undefined;
/** Built once per test file: building is the slow part and the schema holds no state. */
export const relaySchema = () => (schema ??= buildRelaySchema());

export interface Testbed {
  services: GraphqlServices;
  settings: SettingsStore;
  preferences: PreferencesStore;
  templates: TemplateStore;
  rules: RoutingRuleStore;
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
 * `dojo` stands for DOJO_URL with DOJO_API_KEY (a directory on the DefectDojo peer); without it the
 * bridge has no DefectDojo API, as when they are not set; `defectDojo` is the same for the first-run
 * operations (import, webhook registration, connection).
 */
export async function graphqlTestbed(
  sendTestNotification: (services: GraphqlServices, channel: Channel) => Promise<DeliveryEntity> = async () => {
    throw new Error("sendTestNotification is not part of this test");
  },
  options: { webhookAllowlist?: WebhookAllowlist; systemWebhookAllowlist?: WebhookAllowlist; dojo?: FactsSource; defectDojo?: DefectDojoAccess } = {},
): Promise<Testbed> {
  const database = await migratedDatabase();
  const secretBox = new SecretBox("graphql test key, thirty-two characters or more");
  const settings = new SettingsStore(database.db, secretBox);
  const preferences = new PreferencesStore(database.db, secretBox);
  const templates = new TemplateStore(database.db);
  const rules = new RoutingRuleStore(database.db, secretBox);
  const users = new Map([SUPERUSER, READER, WRITER].map((user) => [user.id, user]));
  const services: GraphqlServices = {
    db: database.db,
    settings,
    preferences,
    templates,
    dojoUrl: TESTBED_DOJO_URL,
    webhookAllowlist: options.webhookAllowlist ?? parseWebhookAllowlist(DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST),
    systemWebhookAllowlist: options.systemWebhookAllowlist ?? parseWebhookAllowlist(""),
    // DefectDojo's user list, as a Map: the lookup the composition root makes over the REST API.
    lookupUser: async (id) => users.get(id) ?? null,
    sendTestNotification: (channel) => sendTestNotification(services, channel),
    // No worker here: the row is requeued and stays PENDING.
    requeueFailedDelivery: (id) => requeueFailed(database.db, id, Date.now()),
    rules,
    dojoApiConfigured: options.dojo !== undefined,
    previewRouting: (event) => previewRoutes({ rules, settings, facts: options.dojo ?? null }, event),
    defectDojo: options.defectDojo ?? null,
  };
  const responses: string[] = [];
  return {
    services,
    settings,
    preferences,
    templates,
    rules,
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

/**
 * Stores an event named `name` with one delivery per entry (by default a PENDING Slack message to
 * #security), through the real Database; returns the deliveries.
 */
export async function seedDeliveries(
  db: Database,
  name: string,
  deliveries: Array<Partial<DeliveryEntity>>,
  at = Date.now(),
): Promise<DeliveryEntity[]> {
  return db.write(async (manager) => {
    const title = `${name} at ${at}`;
    const event = await manager.save(
      manager.create(EventEntity, {
        idempotencyKey: `${name}|${at}|${Math.random()}`,
        name,
        title,
        source: "webhook",
        data: textEvent({ name, setting: NotificationEvent.OTHER, title }),
        receivedAt: at,
      }),
    );
    const saved: DeliveryEntity[] = [];
    for (const delivery of deliveries) {
      saved.push(
        await manager.save(
          manager.create(DeliveryEntity, {
            eventId: event.id,
            channel: Channel.SLACK,
            target: "#security",
            recipientUserId: null,
            status: DeliveryStatus.PENDING,
            attempts: 0,
            lastError: null,
            nextAttemptAt: at,
            leaseExpiresAt: null,
            createdAt: at,
            updatedAt: at,
            sentAt: null,
            ...delivery,
          }),
        ),
      );
    }
    return saved;
  });
}
