import "reflect-metadata";
import { startRelay } from "./app";
import { ConfigError, loadConfig } from "./config/config";
import { limitHeapGrowth } from "./config/heap-growth";

/** After the drain, gives in-flight requests and sends this long to finish before exiting anyway. */
const SHUTDOWN_GRACE_MS = 25_000;

async function main(): Promise<void> {
  limitHeapGrowth();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`dojo-relay: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const relay = await startRelay(config);
  const drainMs = config.shutdownDrainMs;
  const shutdown = (signal: string) => {
    relay.logger.info({ signal, drainMs }, "shutting down");
    const timer = setTimeout(() => {
      relay.logger.error("shutdown took too long; exiting with work left in the outbox");
      process.exit(1);
    }, drainMs + SHUTDOWN_GRACE_MS);
    timer.unref();
    // Readiness fails first and webhooks are still taken: DefectDojo's sender turns its webhook off
    // for good on a refused connection, so the load balancer must stop sending before the port closes.
    relay.drainAndClose(drainMs).then(
      () => process.exit(0),
      (error) => {
        relay.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error) => {
  process.stderr.write(`dojo-relay: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
