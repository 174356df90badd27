import { MigrationInterface, QueryRunner, TableColumn } from "typeorm";

/**
 * Where routing rules sent an event system-wide (channel and target of each), kept on the event:
 * a fan-out retried for its personal part needs it to skip users the rules' mail or Teams already
 * reached, after `rules_pending` is cleared. Stored secrets are re-sealed at start-up, not here:
 * that needs SECRET_KEY (see src/storage/secret-reseal.ts).
 */
export class SecurityRoundTwo1765267200000 implements MigrationInterface {
  name = "SecurityRoundTwo1765267200000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns("event", [new TableColumn({ name: "rule_targets", type: "text", isNullable: true })]);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn("event", "rule_targets");
  }
}
