import { MigrationInterface, QueryRunner, Table } from "typeorm";

/** Leases for work only one replica may do at a time (the poller). */
export class LeaderLease1764662400000 implements MigrationInterface {
  name = "LeaderLease1764662400000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "leader_lease",
        columns: [
          { name: "name", type: "varchar", length: "50", isPrimary: true },
          { name: "holder", type: "varchar", length: "100" },
          { name: "expires_at", type: "bigint" },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("leader_lease");
  }
}
