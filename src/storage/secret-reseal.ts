import { EntityManager } from "typeorm";
import { teamsTargetLabel } from "../routing/routing-rule";
import { Logger } from "../logging/logger";
import { Database } from "./database";
import { StoredRuleTarget } from "./entities/routing-rule.entity";
import { isLegacySealed, openLegacy, SecretBox, SecretField, secretFields } from "./secret-box";
import { sql } from "./sql";

/** Rows re-sealed per transaction: a large outbox is done in short steps. */
const BATCH_ROWS = 500;

export interface ResealOptions {
  box: SecretBox;
  /** The key the old values were sealed with: PREVIOUS_SECRET_KEY, else SECRET_KEY itself. */
  legacyKey: string;
  logger: Logger;
}

/**
 * Re-seals every value stored by the old scheme (SHA-256 key, no associated data) with the HKDF
 * key, bound to its row and field. Run at start-up, after the migrations, on SQLite and PostgreSQL:
 * only `v1:` values are touched, each written only if it is still the value read (so replicas
 * starting together, or a second start, change nothing twice). A value the old key cannot open is
 * left as it is and named in the log; sending with it then fails until it is set again.
 */
export async function resealLegacySecrets(db: Database, { box, legacyKey, logger }: ResealOptions): Promise<number> {
  let resealed = 0;
  const unreadable: string[] = [];
  const reseal = (sealed: string, field: SecretField): string | null => {
    try {
      return box.seal(openLegacy(sealed, legacyKey), field);
    } catch {
      unreadable.push(field);
      return null;
    }
  };

  const columns: Array<{ table: string; key: string; column: string; also?: string; field: (row: Record<string, unknown>) => SecretField }> = [
    { table: "system_settings", key: "id", column: "slack_token_encrypted", field: (row) => secretFields.slackToken(Number(row.id)) },
    { table: "system_settings", key: "id", column: "msteams_url_encrypted", field: (row) => secretFields.systemTeamsUrl(Number(row.id)) },
    { table: "user_contact", key: "user_id", column: "msteams_url_encrypted", field: (row) => secretFields.personalTeamsUrl(Number(row.user_id)) },
    // Outbox rows and open digests carry a rule's sealed URL, for the target they name.
    { table: "delivery", key: "id", column: "target_secret", also: "target", field: (row) => secretFields.ruleTeamsUrl(String(row.target)) },
    { table: "digest", key: "id", column: "target_secret", also: "target", field: (row) => secretFields.ruleTeamsUrl(String(row.target)) },
  ];
  for (const { table, key, column, also, field } of columns) {
    // By key, from where the last batch ended: values the old key cannot open are passed, not read again.
    let after: unknown = null;
    for (;;) {
      const rows: Array<Record<string, unknown>> = await sql(
        db.manager,
        `SELECT ${[key, column, also].filter(Boolean).join(", ")} FROM ${table}
          WHERE ${column} LIKE 'v1:%'${after === null ? "" : ` AND ${key} > ?`} ORDER BY ${key} LIMIT ${BATCH_ROWS}`,
        after === null ? [] : [after],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1][key];
      const updates = rows
        .map((row) => ({ row, value: reseal(String(row[column]), field(row)) }))
        .filter((update): update is { row: Record<string, unknown>; value: string } => update.value !== null);
      if (updates.length > 0) {
        await db.write(async (manager) => {
          for (const { row, value } of updates) {
            await sql(manager, `UPDATE ${table} SET ${column} = ? WHERE ${key} = ? AND ${column} = ?`, [value, row[key], row[column]]);
          }
        });
        resealed += updates.length;
      }
      if (rows.length < BATCH_ROWS) break;
    }
  }

  resealed += await db.write((manager) => resealRuleTargets(manager, reseal));
  if (resealed > 0) logger.info({ resealed }, "stored secrets re-sealed with the HKDF key, bound to their rows");
  if (unreadable.length > 0) {
    logger.error(
      { fields: unreadable.slice(0, 20), count: unreadable.length },
      "stored secrets the old key cannot open (was SECRET_KEY changed? set the old one as PREVIOUS_SECRET_KEY): set them again",
    );
  }
  return resealed;
}

/** The Teams URLs inside routing rules' `targets` (JSON): one rule at a time, whole. */
async function resealRuleTargets(manager: EntityManager, reseal: (sealed: string, field: SecretField) => string | null): Promise<number> {
  const rules: Array<{ id: number; targets: string }> = await sql(manager, "SELECT id, targets FROM routing_rule WHERE targets LIKE ?", [
    '%"msteamsUrlSealed":"v1:%',
  ]);
  let resealed = 0;
  for (const rule of rules) {
    const targets = JSON.parse(rule.targets) as StoredRuleTarget[];
    let changed = false;
    for (const target of targets) {
      if (!target.msteamsUrlSealed || !isLegacySealed(target.msteamsUrlSealed)) continue;
      const value = reseal(target.msteamsUrlSealed, secretFields.ruleTeamsUrl(teamsTargetLabel(target, Number(rule.id))));
      if (value === null) continue;
      target.msteamsUrlSealed = value;
      changed = true;
      resealed++;
    }
    if (changed) await sql(manager, "UPDATE routing_rule SET targets = ? WHERE id = ? AND targets = ?", [JSON.stringify(targets), rule.id, rule.targets]);
  }
  return resealed;
}
