import { MigrationInterface, QueryRunner, Table } from "typeorm";

/**
 * The idempotency keys that outlive their pruned events (src/storage/retention.ts): a happening that
 * comes once per object stays a duplicate for ever, whatever is pruned.
 */
export class PrunedEventKeys1765353600000 implements MigrationInterface {
  name = "PrunedEventKeys1765353600000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "pruned_event_key",
        columns: [
          { name: "idempotency_key", type: "varchar", length: "300", isPrimary: true },
          // The pruned event's id, answered as the duplicate's `eventId`.
          { name: "event_id", type: "integer" },
          { name: "received_at", type: "bigint" },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("pruned_event_key");
  }
}
