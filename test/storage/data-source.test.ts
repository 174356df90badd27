import { join } from "node:path";
import { createDataSource } from "../../src/storage/data-source";
import { tempDir } from "../support/temp-dir";

describe("the SQLite data source", () => {
  it("runs in WAL mode with a busy timeout and synced commits, on a new file and on every later start", async () => {
    const dir = tempDir();
    try {
      for (const start of ["first start", "restart"]) {
        const dataSource = createDataSource(join(dir.path, "relay.sqlite"));
        await dataSource.initialize();
        try {
          const pragma = async (name: string) => Object.values((await dataSource.query(`PRAGMA ${name}`))[0])[0];
          expect({ start, journal: await pragma("journal_mode"), busyTimeoutMs: await pragma("busy_timeout"), synchronous: await pragma("synchronous") }).toEqual({
            start,
            journal: "wal",
            busyTimeoutMs: 5000,
            // 2 = FULL
            synchronous: 2,
          });
        } finally {
          await dataSource.destroy();
        }
      }
    } finally {
      dir.cleanup();
    }
  });
});
