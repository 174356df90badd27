import { MigrationInterface, QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from "typeorm";

/**
 * Routing rules, digest windows (open ones only: a closed window becomes an event and a delivery),
 * what a delivery shows (the findings a rule let through, link-only), personal severity, digest and
 * quiet-hour preferences, and the system-wide link-only switch.
 */
export class RoutingRules1764748800000 implements MigrationInterface {
  name = "RoutingRules1764748800000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "routing_rule",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "name", type: "varchar", length: "200" },
          { name: "position", type: "integer" },
          { name: "events", type: "text" },
          { name: "product_type_ids", type: "text" },
          { name: "product_ids", type: "text" },
          { name: "engagement_ids", type: "text" },
          { name: "min_severity", type: "varchar", length: "10", isNullable: true },
          { name: "tags", type: "text" },
          { name: "verified", type: "boolean", isNullable: true },
          { name: "active", type: "boolean", isNullable: true },
          { name: "continue_matching", type: "boolean", default: false },
          { name: "targets", type: "text" },
          { name: "digest_window_seconds", type: "integer", default: 0 },
          { name: "digest_group_by", type: "varchar", length: "20", default: "'NONE'" },
          { name: "link_only", type: "boolean", default: false },
          { name: "created_at", type: "bigint" },
          { name: "updated_at", type: "bigint" },
        ],
        indices: [new TableIndex({ name: "routing_rule_position", columnNames: ["position", "id"] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "digest",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "open_key", type: "varchar", length: "1200", isUnique: true },
          { name: "rule_id", type: "integer", isNullable: true },
          { name: "rule_name", type: "varchar", length: "200", isNullable: true },
          { name: "channel", type: "varchar", length: "20" },
          { name: "target", type: "varchar", length: "1000" },
          { name: "target_secret", type: "text", isNullable: true },
          { name: "recipient_user_id", type: "integer", isNullable: true },
          { name: "link_only", type: "boolean", default: false },
          { name: "reason", type: "varchar", length: "20" },
          { name: "group_label", type: "varchar", length: "300", isNullable: true },
          { name: "group_url", type: "text", isNullable: true },
          { name: "window_seconds", type: "integer" },
          { name: "opened_at", type: "bigint" },
          { name: "due_at", type: "bigint" },
        ],
        indices: [new TableIndex({ name: "digest_due", columnNames: ["due_at"] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "digest_item",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "digest_id", type: "integer" },
          { name: "event_id", type: "integer" },
          { name: "finding_ids", type: "text", isNullable: true },
        ],
        indices: [new TableIndex({ name: "digest_item_digest", columnNames: ["digest_id"] })],
        foreignKeys: [
          new TableForeignKey({ columnNames: ["digest_id"], referencedTableName: "digest", referencedColumnNames: ["id"], onDelete: "CASCADE" }),
          new TableForeignKey({ columnNames: ["event_id"], referencedTableName: "event", referencedColumnNames: ["id"], onDelete: "CASCADE" }),
        ],
      }),
    );
    await queryRunner.addColumns("delivery", [
      new TableColumn({ name: "presentation", type: "text", isNullable: true }),
      new TableColumn({ name: "target_secret", type: "text", isNullable: true }),
    ]);
    await queryRunner.addColumns("event", [new TableColumn({ name: "rules_pending", type: "boolean", default: false })]);
    await queryRunner.addColumns("user_contact", [
      new TableColumn({ name: "min_severity", type: "varchar", length: "10", isNullable: true }),
      new TableColumn({ name: "digest_window_seconds", type: "integer", default: 0 }),
      new TableColumn({ name: "quiet_hours_start", type: "varchar", length: "5", isNullable: true }),
      new TableColumn({ name: "quiet_hours_end", type: "varchar", length: "5", isNullable: true }),
      new TableColumn({ name: "time_zone", type: "varchar", length: "64", isNullable: true }),
    ]);
    await queryRunner.addColumns("system_settings", [new TableColumn({ name: "link_only", type: "boolean", default: false })]);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn("system_settings", "link_only");
    for (const column of ["time_zone", "quiet_hours_end", "quiet_hours_start", "digest_window_seconds", "min_severity"]) {
      await queryRunner.dropColumn("user_contact", column);
    }
    await queryRunner.dropColumn("event", "rules_pending");
    await queryRunner.dropColumn("delivery", "target_secret");
    await queryRunner.dropColumn("delivery", "presentation");
    await queryRunner.dropTable("digest_item");
    await queryRunner.dropTable("digest");
    await queryRunner.dropTable("routing_rule");
  }
}
