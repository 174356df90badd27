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

export function isPostgres(manager: EntityManager): boolean {
  return manager.connection.options.type === "postgres";
}
