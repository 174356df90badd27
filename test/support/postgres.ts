import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { createDataSource } from "../../src/storage/data-source";
import { Database } from "../../src/storage/database";
import { migratedDatabase } from "./database";

/**
 * The PostgreSQL server the multi-replica tests use (`.ci/run` sets TEST_POSTGRES_URL); without
 * it those tests report themselves skipped, so the suite also passes where none runs.
 */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL;
export const describePostgres = TEST_POSTGRES_URL ? describe : describe.skip;

/** A database of its own on the test server, dropped (connections and all) by `drop`. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!TEST_POSTGRES_URL) throw new Error("TEST_POSTGRES_URL is not set");
  const name = `relay_test_${randomBytes(6).toString("hex")}`;
  const admin = async (statement: string) => {
    const client = new Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A migrated PostgreSQL database of its own, like `migratedDatabase` for SQLite. */
export async function migratedPostgres(): Promise<{ db: Database; url: string; close(): Promise<void> }> {
  const database = await freshPostgresDatabase();
  const dataSource = createDataSource({ type: "postgres", url: database.url });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    db: new Database(dataSource),
    url: database.url,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** Another replica's connection pool on the same database. */
export async function secondConnection(url: string): Promise<{ db: Database; close(): Promise<void> }> {
  const dataSource = createDataSource({ type: "postgres", url });
  await dataSource.initialize();
  return { db: new Database(dataSource), close: () => dataSource.destroy() };
}

/** Both databases, for tests that must hold on each: PostgreSQL's reports itself skipped without a server. */
export const BOTH_DATABASES = [
  { name: "SQLite", describe, open: migratedDatabase },
  { name: "PostgreSQL", describe: describePostgres, open: migratedPostgres },
] as const;
