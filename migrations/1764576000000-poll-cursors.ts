import { MigrationInterface, QueryRunner, Table } from "typeorm";

/** Cursors of the DefectDojo API poller, one row per resource. */
export class PollCursors1764576000000 implements MigrationInterface {
  name = "PollCursors1764576000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "poll_cursor",
        columns: [
          { name: "resource", type: "varchar", length: "50", isPrimary: true },
          { name: "state", type: "text" },
          { name: "cursor", type: "varchar", length: "200" },
          { name: "last_run_at", type: "bigint", isNullable: true },
          { name: "last_error", type: "text", isNullable: true },
          { name: "events_found", type: "integer", default: 0 },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("poll_cursor");
  }
}
