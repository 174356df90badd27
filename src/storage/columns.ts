import { ValueTransformer } from "typeorm";

/**
 * Times are stored as epoch milliseconds in a bigint column: comparable with one integer on SQLite
 * and PostgreSQL alike (the PostgreSQL driver returns bigint as a string, hence the transformer).
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
