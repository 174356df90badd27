import { MigrationInterface, QueryRunner, Table } from "typeorm";

/** Authenticated webhook requests the bridge could not use, kept aside (answered 2xx, never sent). */
export class KeptAsideRequests1764921600000 implements MigrationInterface {
  name = "KeptAsideRequests1764921600000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "kept_aside_request",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "received_at", type: "bigint" },
          { name: "reason", type: "varchar", length: "40" },
          { name: "detail", type: "text" },
          { name: "event_name", type: "varchar", length: "200", isNullable: true },
          { name: "content_type", type: "varchar", length: "200", isNullable: true },
          { name: "size_bytes", type: "bigint" },
          { name: "headers", type: "text" },
          { name: "body", type: "text", isNullable: true },
          { name: "body_truncated", type: "boolean", default: false },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("kept_aside_request");
  }
}
