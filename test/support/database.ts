import { join } from "node:path";
import { createDataSource } from "../../src/storage/data-source";
import { Database } from "../../src/storage/database";
import { tempDir } from "./temp-dir";

/** A migrated SQLite database in a fresh file; `close` destroys the connection and the directory. */
export async function migratedDatabase(): Promise<{ db: Database; path: string; close(): Promise<void> }> {
  const dir = tempDir();
  const path = join(dir.path, "relay.sqlite");
  const dataSource = createDataSource(path);
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    db: new Database(dataSource),
    path,
    close: async () => {
      await dataSource.destroy();
      dir.cleanup();
    },
  };
}
