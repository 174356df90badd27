import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from "typeorm";

/** Settings, system notification matrix, events and the delivery outbox/log. */
export class InitialSchema1764316800000 implements MigrationInterface {
  name = "InitialSchema1764316800000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "system_settings",
        columns: [
          { name: "id", type: "integer", isPrimary: true },
          { name: "enable_slack_notifications", type: "boolean", default: false },
          { name: "slack_channel", type: "varchar", length: "100", default: "''" },
          { name: "slack_username", type: "varchar", length: "100", default: "''" },
          { name: "slack_token_encrypted", type: "text", isNullable: true },
          { name: "enable_msteams_notifications", type: "boolean", default: false },
          { name: "msteams_url_encrypted", type: "text", isNullable: true },
          { name: "enable_mail_notifications", type: "boolean", default: false },
          { name: "mail_notifications_to", type: "text" },
          { name: "updated_at", type: "bigint" },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "system_notification",
        columns: [
          { name: "event", type: "varchar", length: "40", isPrimary: true },
          { name: "channels", type: "text" },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "event",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "idempotency_key", type: "varchar", length: "300" },
          { name: "name", type: "varchar", length: "100" },
          { name: "title", type: "text", default: "''" },
          { name: "source", type: "varchar", length: "20" },
          { name: "data", type: "text" },
          { name: "received_at", type: "bigint" },
        ],
        indices: [new TableIndex({ name: "event_idempotency_key", columnNames: ["idempotency_key"], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "delivery",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "event_id", type: "integer" },
          { name: "channel", type: "varchar", length: "20" },
          { name: "target", type: "varchar", length: "1000" },
          { name: "recipient_user_id", type: "integer", isNullable: true },
          { name: "status", type: "varchar", length: "20" },
          { name: "attempts", type: "integer", default: 0 },
          { name: "last_error", type: "text", isNullable: true },
          { name: "next_attempt_at", type: "bigint" },
          { name: "lease_expires_at", type: "bigint", isNullable: true },
          { name: "created_at", type: "bigint" },
          { name: "updated_at", type: "bigint" },
          { name: "sent_at", type: "bigint", isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: "delivery_event",
            columnNames: ["event_id"],
            referencedTableName: "event",
            referencedColumnNames: ["id"],
            onDelete: "CASCADE",
          }),
        ],
        indices: [
          new TableIndex({ name: "delivery_due", columnNames: ["status", "next_attempt_at"] }),
          new TableIndex({ name: "delivery_event_id", columnNames: ["event_id"] }),
          new TableIndex({ name: "delivery_recipient_user_id", columnNames: ["recipient_user_id"] }),
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("delivery");
    await queryRunner.dropTable("event");
    await queryRunner.dropTable("system_notification");
    await queryRunner.dropTable("system_settings");
  }
}
