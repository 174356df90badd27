import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DataSource } from "typeorm";
import { DatabaseConfig } from "../config/config";
import { InitialSchema1764316800000 } from "../../migrations/1764316800000-initial-schema";
import { PersonalNotifications1764403200000 } from "../../migrations/1764403200000-personal-notifications";
import { PersonalFanout1764489600000 } from "../../migrations/1764489600000-personal-fanout";
import { PollCursors1764576000000 } from "../../migrations/1764576000000-poll-cursors";
import { LeaderLease1764662400000 } from "../../migrations/1764662400000-leader-lease";
import { RoutingRules1764748800000 } from "../../migrations/1764748800000-routing-rules";
import { MessageTemplates1764835200000 } from "../../migrations/1764835200000-message-templates";
import { KeptAsideRequests1764921600000 } from "../../migrations/1764921600000-kept-aside-requests";
import { WebhookOutages1765180800000 } from "../../migrations/1765180800000-webhook-outages";
import { SecurityRoundTwo1765267200000 } from "../../migrations/1765267200000-security-round-two";
import { PrunedEventKeys1765353600000 } from "../../migrations/1765353600000-pruned-event-keys";
import { DeliveryEntity } from "./entities/delivery.entity";
import { DigestEntity, DigestItemEntity } from "./entities/digest.entity";
import { EventEntity } from "./entities/event.entity";
import { KeptAsideRequestEntity } from "./entities/kept-aside-request.entity";
import { LeaderLeaseEntity } from "./entities/leader-lease.entity";
import { MessageTemplateEntity } from "./entities/message-template.entity";
import { PollCursorEntity } from "./entities/poll-cursor.entity";
import { RoutingRuleEntity } from "./entities/routing-rule.entity";
import { SystemNotificationEntity } from "./entities/system-notification.entity";
import { SystemSettingsEntity } from "./entities/system-settings.entity";
import { UserContactEntity } from "./entities/user-contact.entity";
import { UserNotificationEntity } from "./entities/user-notification.entity";
import { WebhookOutageEntity } from "./entities/webhook-outage.entity";

export const ENTITIES = [
  SystemSettingsEntity,
  SystemNotificationEntity,
  EventEntity,
  DeliveryEntity,
  UserContactEntity,
  UserNotificationEntity,
  PollCursorEntity,
  LeaderLeaseEntity,
  RoutingRuleEntity,
  DigestEntity,
  DigestItemEntity,
  MessageTemplateEntity,
  KeptAsideRequestEntity,
  WebhookOutageEntity,
];
/** In timestamp order, the order they run in. */
export const MIGRATIONS = [
  InitialSchema1764316800000,
  PersonalNotifications1764403200000,
  PersonalFanout1764489600000,
  PollCursors1764576000000,
  LeaderLease1764662400000,
  RoutingRules1764748800000,
  MessageTemplates1764835200000,
  KeptAsideRequests1764921600000,
  WebhookOutages1765180800000,
  SecurityRoundTwo1765267200000,
  PrunedEventKeys1765353600000,
];

const POSTGRES_POOL_SIZE = 10;

/** Waiting for a lock beats failing: other statements hold the write lock for milliseconds. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Prepared statements TypeORM keeps (its default: 100). Batches write one statement per batch size
 * (`IN (?, ?, …)`, multi-row `VALUES`), more than 100 shapes in a burst, and an evicted statement is
 * prepared again on its next use.
 */
const SQLITE_STATEMENT_CACHE_SIZE = 1000;

/**
 * The TypeORM DataSource for `DATABASE_URL` (a string is an SQLite path). The schema comes only
 * from migrations (never `synchronize`), the same ones on both databases.
 */
export function createDataSource(database: DatabaseConfig | string): DataSource {
  const config: DatabaseConfig = typeof database === "string" ? { type: "sqlite", path: database } : database;
  if (config.type === "postgres") {
    return new DataSource({
      type: "postgres",
      url: config.url,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      synchronize: false,
      migrationsRun: false,
      // Replicas hold a few connections each: at most POSTGRES_CONCURRENT_WRITES write at once (Database.write).
      extra: { max: POSTGRES_POOL_SIZE, connectionTimeoutMillis: 10_000 },
    });
  }
  const sqlitePath = config.path;
  if (sqlitePath !== ":memory:") mkdirSync(dirname(sqlitePath), { recursive: true });
  return new DataSource({
    type: "better-sqlite3",
    database: sqlitePath,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    // WAL lets readers (GraphQL, health) run beside the delivery worker.
    enableWAL: true,
    statementCacheSize: SQLITE_STATEMENT_CACHE_SIZE,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      db.pragma("foreign_keys = ON");
      // Every commit reaches the disk before a webhook gets its 2xx or a row is marked SENT. Set
      // explicitly: better-sqlite3's build defaults a file already in WAL mode to NORMAL, which a
      // power loss can roll back, so only a database's very first start was FULL.
      db.pragma("synchronous = FULL");
    },
  });
}
