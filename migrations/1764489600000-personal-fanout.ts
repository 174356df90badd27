import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from "typeorm";

/**
 * Personal notifications are resolved after an event is stored (DefectDojo must be asked who may
 * see it), so each event records where that fan-out stands.
 */
export class PersonalFanout1764489600000 implements MigrationInterface {
  name = "PersonalFanout1764489600000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns("event", [
      // Events stored before this migration have had their (system-only) delivery already.
      new TableColumn({ name: "fanout_status", type: "varchar", length: "20", default: "'NONE'" }),
      new TableColumn({ name: "fanout_attempts", type: "integer", default: 0 }),
      new TableColumn({ name: "fanout_next_at", type: "bigint", default: 0 }),
      new TableColumn({ name: "fanout_error", type: "text", isNullable: true }),
    ]);
    await queryRunner.createIndex("event", new TableIndex({ name: "event_fanout_due", columnNames: ["fanout_status", "fanout_next_at"] }));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex("event", "event_fanout_due");
    for (const column of ["fanout_error", "fanout_next_at", "fanout_attempts", "fanout_status"]) {
      await queryRunner.dropColumn("event", column);
    }
  }
}
