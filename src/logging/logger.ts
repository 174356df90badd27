import pino, { Logger } from "pino";
import { LogLevel } from "../config/config";
import { currentRequestId } from "./request-context";

export type { Logger };

/**
 * JSON lines on stdout (pino). Secrets are never passed to the logger; the redaction paths are a
 * second line of defence for headers that might be logged whole.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: "dojo-relay",
      level,
      // Lines written while handling an HTTP request carry its id (X-Request-Id).
      mixin: () => {
        const requestId = currentRequestId();
        return requestId === undefined ? {} : { requestId };
      },
      redact: {
        paths: ["headers.authorization", "headers.cookie", "*.slackToken", "*.msteamsUrl", "*.password"],
        censor: "<secret>",
      },
    },
    destination,
  );
}
