import "reflect-metadata";
import { loadConfig } from "./src/config/config";
import { createDataSource } from "./src/storage/data-source";

/**
 * The DataSource the TypeORM CLI uses (`npm run migration:run`, `migration:revert`, `migration:show`
 * run it from dist/ after a build); the bridge builds the same one in src/app.ts.
 */
export default createDataSource(loadConfig().database);
