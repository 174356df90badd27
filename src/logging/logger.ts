import pino, { Logger } from "pino";
import { LogLevel } from "../config/config";

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
      redact: {
        paths: ["headers.authorization", "headers.cookie", "*.slackToken", "*.msteamsUrl", "*.password"],
        censor: "<secret>",
      },
    },
    destination,
  );
}
