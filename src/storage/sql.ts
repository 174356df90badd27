import { EntityManager } from "typeorm";

/**
 * Runs a plain statement written with `?` placeholders on either database: PostgreSQL numbers
 * them ($1, $2…). The statements that call this never hold a `?` inside a string literal.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sql<T = any>(manager: EntityManager, text: string, params: unknown[] = []): Promise<T> {
  if (!isPostgres(manager)) return manager.query(text, params);
  let position = 0;
  return manager.query(
    text.replace(/\?/g, () => `$${++position}`),
    params,
  );
}

/**
 * Runs an UPDATE or DELETE that ends in `RETURNING` and says how many rows it changed: TypeORM
 * answers PostgreSQL's as `[rows, count]` and SQLite's as the rows.
 */
export async function changedRows(manager: EntityManager, text: string, params: unknown[] = []): Promise<number> {
  const result: unknown[] = await sql(manager, text, params);
  return isPostgres(manager) ? (result as [unknown[], number])[1] : result.length;
}

/** `?, ?, …`: one placeholder per value, for an IN list. */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => "?").join(", ");
}

export function isPostgres(manager: EntityManager): boolean {
  return manager.connection.options.type === "postgres";
}
