import { MigrationInterface, QueryRunner, Table } from "typeorm";

/** Windows in which DefectDojo skipped its webhook to the bridge (its endpoint inactive), and the heals that ended them. */
export class WebhookOutages1765180800000 implements MigrationInterface {
  name = "WebhookOutages1765180800000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "dojo_webhook_outage",
        columns: [
          // DefectDojo's `first_error` of the endpoint (epoch ms): one outage per first error.
          { name: "started_at", type: "bigint", isPrimary: true },
          { name: "ended_at", type: "bigint", isNullable: true },
          { name: "endpoint_id", type: "integer" },
          { name: "last_error_at", type: "bigint", isNullable: true },
          { name: "healed", type: "boolean", default: false },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("dojo_webhook_outage");
  }
}
