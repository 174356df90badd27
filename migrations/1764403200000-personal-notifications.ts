import { MigrationInterface, QueryRunner, Table, TableIndex } from "typeorm";

/** Users' own contact addresses (Slack e-mail, mail, a sealed Teams URL) and per-event channel choices. */
export class PersonalNotifications1764403200000 implements MigrationInterface {
  name = "PersonalNotifications1764403200000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "user_contact",
        columns: [
          { name: "user_id", type: "integer", isPrimary: true },
          { name: "slack_email", type: "varchar", length: "254", isNullable: true },
          { name: "email", type: "varchar", length: "254", isNullable: true },
          { name: "msteams_url_encrypted", type: "text", isNullable: true },
          { name: "updated_at", type: "bigint" },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "user_notification",
        columns: [
          { name: "user_id", type: "integer", isPrimary: true },
          { name: "event", type: "varchar", length: "40", isPrimary: true },
          { name: "channels", type: "text" },
        ],
        // The fan-out asks "who subscribed to this event", which the (user_id, event) key cannot answer.
        indices: [new TableIndex({ name: "user_notification_event", columnNames: ["event"] })],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("user_notification");
    await queryRunner.dropTable("user_contact");
  }
}
