import { MigrationInterface, QueryRunner, Table } from "typeorm";

/** Superusers' message templates, one per event setting and channel. */
export class MessageTemplates1764835200000 implements MigrationInterface {
  name = "MessageTemplates1764835200000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "message_template",
        columns: [
          { name: "event", type: "varchar", length: "40", isPrimary: true },
          { name: "channel", type: "varchar", length: "20", isPrimary: true },
          { name: "title", type: "text", isNullable: true },
          { name: "text", type: "text", isNullable: true },
          { name: "updated_at", type: "bigint" },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("message_template");
  }
}
