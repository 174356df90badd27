import "reflect-metadata";
import { join } from "node:path";
import { Column, DataSource, Entity, EntityTarget, ObjectLiteral, PrimaryColumn } from "typeorm";
import { Channel } from "../../src/vocabulary/channel";
import { NotificationEvent } from "../../src/events/notification-event";
import { Severity } from "../../src/events/severity";
import { plainFind } from "../../src/storage/plain-find";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { EventEntity, FanoutStatus } from "../../src/storage/entities/event.entity";
import { MessageTemplateEntity } from "../../src/storage/entities/message-template.entity";
import { SystemNotificationEntity } from "../../src/storage/entities/system-notification.entity";
import { SystemSettingsEntity } from "../../src/storage/entities/system-settings.entity";
import { UserContactEntity } from "../../src/storage/entities/user-contact.entity";
import { UserNotificationEntity } from "../../src/storage/entities/user-notification.entity";
import { BOTH_DATABASES } from "../support/postgres";
import { tempDir } from "../support/temp-dir";

const NOW = 1_765_000_000_123;
const event = { name: "product_added", setting: "product_added", title: "product 1", product: { id: 1, name: "p1" } };

// Every entity the hot paths read with plainFind, with each column type both set and null where it may be.
for (const backend of BOTH_DATABASES) backend.describe(`plainFind on ${backend.name}`, () => {
  let database: Awaited<ReturnType<typeof backend.open>>;
  beforeAll(async () => {
    database = await backend.open();
    const manager = database.db.manager;
    await manager.save(EventEntity, [
      { idempotencyKey: "k1", name: "product_added", title: "product 1", source: "webhook", data: event as never, receivedAt: NOW, fanoutStatus: FanoutStatus.PENDING, fanoutAttempts: 2, fanoutNextAt: NOW + 5, fanoutError: "DefectDojo could not be read", rulesPending: true, ruleTargets: [{ channel: Channel.SLACK, target: "#a" }] },
      { idempotencyKey: "k2", name: "scan_added", title: "", source: "poll", data: { ...event, name: "scan_added" } as never, receivedAt: NOW, fanoutStatus: FanoutStatus.NONE, fanoutAttempts: 0, fanoutNextAt: 0, fanoutError: null, rulesPending: false, ruleTargets: null },
    ]);
    const [first] = await manager.find(EventEntity, { order: { id: "ASC" }, take: 1 });
    await manager.save(DeliveryEntity, [
      { eventId: first.id, channel: Channel.SLACK, target: "#security", recipientUserId: null, status: DeliveryStatus.PENDING, attempts: 0, lastError: null, nextAttemptAt: NOW, leaseExpiresAt: null, createdAt: NOW, updatedAt: NOW, sentAt: null, presentation: null, targetSecret: null },
      { eventId: first.id, channel: Channel.MSTEAMS, target: "rule 3", recipientUserId: 7, status: DeliveryStatus.SENT, attempts: 3, lastError: "server_error: 502", nextAttemptAt: NOW + 1, leaseExpiresAt: NOW + 30_000, createdAt: NOW, updatedAt: NOW + 2, sentAt: NOW + 2, presentation: { findingIds: [4, 5], linkOnly: true }, targetSecret: "v2:sealed" },
    ]);
    await manager.save(SystemSettingsEntity, { id: 1, enableSlackNotifications: true, slackChannel: "#sec", slackUsername: "", slackTokenEncrypted: "v2:token", enableMsteamsNotifications: false, msteamsUrlEncrypted: null, enableMailNotifications: true, mailNotificationsTo: ["a@example.com", "b@example.com"], linkOnly: false, updatedAt: NOW });
    await manager.save(SystemNotificationEntity, [{ event: NotificationEvent.PRODUCT_ADDED, channels: [Channel.SLACK, Channel.MAIL] }, { event: NotificationEvent.SCAN_ADDED, channels: [] }]);
    await manager.save(UserContactEntity, [
      { userId: 7, slackEmail: "u7@example.com", email: null, msteamsUrlEncrypted: "v2:url", minSeverity: Severity.HIGH, digestWindowSeconds: 300, quietHoursStart: "22:00", quietHoursEnd: "07:00", timeZone: "Europe/Berlin", updatedAt: NOW },
      { userId: 8, slackEmail: null, email: "u8@example.com", msteamsUrlEncrypted: null, minSeverity: null, digestWindowSeconds: 0, quietHoursStart: null, quietHoursEnd: null, timeZone: null, updatedAt: NOW },
    ]);
    await manager.save(UserNotificationEntity, [{ userId: 7, event: NotificationEvent.PRODUCT_ADDED, channels: [Channel.SLACK] }, { userId: 8, event: NotificationEvent.PRODUCT_ADDED, channels: [Channel.MAIL, Channel.MSTEAMS] }]);
    await manager.save(MessageTemplateEntity, { event: NotificationEvent.PRODUCT_ADDED, channel: Channel.SLACK, title: null, text: "{{title}}", updatedAt: NOW });
  });
  afterAll(() => database.close());

  const sameAsFind = async <T extends ObjectLiteral>(entity: EntityTarget<T>, order: string, key: keyof T & string) => {
    const manager = database.db.manager;
    const viaTypeorm = await manager.find(entity, { order: { [key]: "ASC" } as never });
    const plain = await plainFind(manager, entity, `ORDER BY ${order}`);
    expect(viaTypeorm.length).toBeGreaterThanOrEqual(1);
    expect(plain).toEqual(viaTypeorm);
    // Instances of the entity, as find returns them.
    expect(plain.every((row) => row.constructor === (entity as { prototype: object }).prototype.constructor)).toBe(true);
    return plain;
  };

  it("hydrates events (JSON, booleans, epoch ms, nulls) as find does", async () => {
    const [first, second] = await sameAsFind(EventEntity, "id", "id");
    expect(first).toMatchObject({ rulesPending: true, receivedAt: NOW, ruleTargets: [{ channel: "SLACK", target: "#a" }], data: event });
    expect(second).toMatchObject({ rulesPending: false, ruleTargets: null, fanoutError: null });
    expect(typeof first.fanoutNextAt).toBe("number"); // PostgreSQL returns bigint as a string
  });

  it("hydrates deliveries, the event's join column included, as find does", async () => {
    const [plainRow, full] = await sameAsFind(DeliveryEntity, "id", "id");
    expect(plainRow).toMatchObject({ presentation: null, leaseExpiresAt: null, sentAt: null, recipientUserId: null });
    expect(full).toMatchObject({ presentation: { findingIds: [4, 5], linkOnly: true }, leaseExpiresAt: NOW + 30_000, sentAt: NOW + 2, recipientUserId: 7 });
    expect(typeof full.eventId).toBe("number");
  });

  it("hydrates settings, the notification matrix, contacts, subscriptions and templates as find does", async () => {
    const [settings] = await sameAsFind(SystemSettingsEntity, "id", "id");
    expect(settings).toMatchObject({ enableSlackNotifications: true, enableMsteamsNotifications: false, mailNotificationsTo: ["a@example.com", "b@example.com"] });
    await sameAsFind(SystemNotificationEntity, "event", "event");
    await sameAsFind(UserContactEntity, "user_id", "userId");
    await sameAsFind(UserNotificationEntity, "user_id", "userId");
    await sameAsFind(MessageTemplateEntity, "event", "event");
  });

  it("takes a WHERE with placeholders", async () => {
    const rows = await plainFind(database.db.manager, UserContactEntity, "WHERE user_id = ?", [8]);
    expect(rows.map((row) => row.email)).toEqual(["u8@example.com"]);
    expect(await plainFind(database.db.manager, UserContactEntity, "WHERE user_id = ?", [9])).toEqual([]);
  });
});

@Entity("dated")
class DatedEntity {
  @PrimaryColumn("integer")
  id: number;

  @Column("datetime")
  at: Date;
}

describe("plainFind", () => {
  it("refuses an entity with a column type it does not hydrate as TypeORM would", async () => {
    const dir = tempDir();
    const dataSource = new DataSource({ type: "better-sqlite3", database: join(dir.path, "dated.sqlite"), entities: [DatedEntity], synchronize: true });
    await dataSource.initialize();
    try {
      await expect(plainFind(dataSource.manager, DatedEntity, "")).rejects.toThrow("plainFind cannot hydrate a column of type datetime");
    } finally {
      await dataSource.destroy();
      dir.cleanup();
    }
  });
});
