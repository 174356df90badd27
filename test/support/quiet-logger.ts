import { createLogger } from "../../src/logging/logger";

/** A real logger that writes nowhere (set LOG_LEVEL to see it while debugging a test). */
export const quietLogger = () =>
  process.env.TEST_LOG_LEVEL ? createLogger(process.env.TEST_LOG_LEVEL as "debug") : createLogger("error", { write: () => undefined } as never);
