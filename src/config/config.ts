import { validate as isCronExpression } from "node-cron";
import { DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST, parseWebhookAllowlist, WebhookAllowlist } from "../channels/msteams/webhook-allowlist";
import { DEFAULT_GRAPHQL_LIMITS, GraphqlLimits } from "../graphql/limits";
import { secretKeyProblem } from "../storage/secret-box";
import { Env, gatherSettings, Settings } from "./sources";

/** Levels the logger accepts through LOG_LEVEL. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The bridge's whole configuration, validated once at start-up. */
export interface Config {
  port: number;
  /** From `DATABASE_URL`: an SQLite file (`sqlite:<path>`, the default) or PostgreSQL (`postgres://…`). */
  database: DatabaseConfig;
  dojoUrl: string | null;
  dojoApiKey: string | null;
  webhookHeaderName: string;
  /** Null means the webhook receiver refuses everything (secure by default). */
  webhookHeaderValue: string | null;
  /** Base URL of the Slack Web API; undefined means Slack's own. */
  slackApiUrl: string | undefined;
  smtpUrl: string | null;
  mailFrom: string;
  webhookMaxBytes: number;
  /** Null: a key is generated into the data directory on first start. At least 32 characters. */
  secretKey: string | null;
  /** PREVIOUS_SECRET_KEY: the key secrets were stored with before SECRET_KEY changed, to re-seal them at start-up. */
  previousSecretKey: string | null;
  logLevel: LogLevel;
  /** Where users' personal Teams webhook URLs may point (PERSONAL_WEBHOOK_ALLOWLIST). */
  personalWebhookAllowlist: WebhookAllowlist;
  /** RETENTION_DAYS: finished deliveries, events and kept-aside requests older than this are pruned. */
  retentionDays: number;
  /**
   * SYSTEM_WEBHOOK_ALLOWLIST: hosts the superusers' Teams URLs (system settings, routing rules) may
   * reach at private or loopback addresses, named literally; empty by default. Any other system URL
   * must resolve to public addresses only.
   */
  systemWebhookAllowlist: WebhookAllowlist;
  delivery: DeliveryTuning;
  poll: PollSettings;
  graphql: GraphqlSettings;
  /** How the bridge keeps DefectDojo's webhook to it switched on. */
  webhookWatch: WebhookWatchSettings;
  /** SHUTDOWN_DRAIN_MS: after SIGTERM, how long /readyz fails while webhooks are still accepted, before the bridge stops. */
  shutdownDrainMs: number;
}

export interface WebhookWatchSettings {
  /** DOJO_WEBHOOK_SELF_HEAL (on unless "off"): re-create the bridge's endpoint when DefectDojo turned it off for good. */
  selfHeal: boolean;
  /** DOJO_WEBHOOK_CHECK_MS: how often the endpoint's status is read. */
  checkMs: number;
}

/** SQLite for one instance; PostgreSQL when several replicas share the work. */
export type DatabaseConfig = { type: "sqlite"; path: string } | { type: "postgres"; url: string };

/** Limits on every GraphQL operation, and how much the API tells about itself. */
export interface GraphqlSettings extends GraphqlLimits {
  /** GRAPHQL_INTROSPECTION: whether `__schema` / `__type` queries are answered (to authenticated callers only). */
  introspection: boolean;
  /** GRAPHQL_DETAILED_ERRORS: "Did you mean …" suggestions and the message of unexpected errors; never stack traces. */
  detailedErrors: boolean;
}

export interface PollSettings {
  /** node-cron expression (POLL_CRON); null when polling is off. Polling also needs DOJO_URL and DOJO_API_KEY. */
  cron: string | null;
  /** POLL_BACKFILL_SINCE: where a first start begins (epoch ms); null means "from now". */
  backfillSince: number | null;
  /** Severities of new findings (outside imports) notified as `finding_added` (POLL_FINDING_SEVERITIES). */
  findingSeverities: string[];
}

/** DefectDojo's severities, as it spells them. */
export const SEVERITIES = ["Critical", "High", "Medium", "Low", "Info"] as const;

export interface DeliveryTuning {
  /** Attempts before a retryable failure is given up as FAILED. */
  maxAttempts: number;
  /** First retry delay; each further retry doubles it (with jitter) up to `maxRetryDelayMs`. */
  retryBaseMs: number;
  maxRetryDelayMs: number;
  /** Sends in flight at once, across all targets. */
  concurrency: number;
  /**
   * Sends in flight at once to one target (channel + target). Bounds what a crash can send twice:
   * only rows claimed and not yet recorded as sent are sent again after a restart.
   */
  maxInFlightPerTarget: number;
  /** How often the worker looks for due rows when nothing woke it. */
  pollIntervalMs: number;
  /**
   * Least time between two sends to one Slack channel, counted from Slack's answer to the first
   * (SLACK_CHANNEL_INTERVAL_MS); on top of any Retry-After; 0 turns pacing off. Paced per process:
   * replicas each keep their own pace.
   */
  slackChannelIntervalMs: number;
}

export const DEFAULT_DATABASE_URL = "sqlite:data/relay.sqlite";
/** How long finished deliveries, events and kept-aside requests are kept (RETENTION_DAYS). */
export const DEFAULT_RETENTION_DAYS = 90;
export const DEFAULT_WEBHOOK_MAX_BYTES = 32 * 1024 * 1024;
/** Slack allows about one message per second per channel (https://api.slack.com/methods/chat.postMessage, "Rate limiting"). */
export const DEFAULT_SLACK_CHANNEL_INTERVAL_MS = 1000;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Every setting, spelled as its environment variable. A RELAY_CONFIG file takes the same names, and
 * only these: anything else there is a typo worth naming.
 */
export const SETTING_NAMES = [
  "PORT",
  "DATABASE_URL",
  "DOJO_URL",
  "DOJO_API_KEY",
  "POLL_CRON",
  "POLL_BACKFILL_SINCE",
  "POLL_FINDING_SEVERITIES",
  "PERSONAL_WEBHOOK_ALLOWLIST",
  "SYSTEM_WEBHOOK_ALLOWLIST",
  "WEBHOOK_HEADER_NAME",
  "WEBHOOK_HEADER_VALUE",
  "SLACK_API_URL",
  "SMTP_URL",
  "MAIL_FROM",
  "WEBHOOK_MAX_BYTES",
  "SECRET_KEY",
  "PREVIOUS_SECRET_KEY",
  "LOG_LEVEL",
  "RETENTION_DAYS",
  "DELIVERY_MAX_ATTEMPTS",
  "DELIVERY_RETRY_BASE_MS",
  "DELIVERY_RETRY_MAX_MS",
  "DELIVERY_CONCURRENCY",
  "DELIVERY_MAX_IN_FLIGHT_PER_TARGET",
  "SLACK_CHANNEL_INTERVAL_MS",
  "GRAPHQL_MAX_DEPTH",
  "GRAPHQL_MAX_COST",
  "GRAPHQL_MAX_ALIASES",
  "GRAPHQL_INTROSPECTION",
  "GRAPHQL_DETAILED_ERRORS",
  "DOJO_WEBHOOK_SELF_HEAL",
  "DOJO_WEBHOOK_CHECK_MS",
  "SHUTDOWN_DRAIN_MS",
] as const;

/**
 * Reads the configuration (the RELAY_CONFIG file, the environment over it, secrets from `*_FILE`)
 * into a Config, naming every bad or missing value at once.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const settings = gatherSettings(env, SETTING_NAMES, problems);
  return validateSettings(settings, problems);
}

/** Turns merged settings into a Config; throws one ConfigError listing `problems` and its own. */
export function validateSettings(settings: Settings, problems: string[] = []): Config {
  const read = (name: string) => {
    const value = settings[name]?.trim();
    return value ? value : undefined;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const boolean = (name: string, fallback: boolean) => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === "true" || raw === "false") return raw === "true";
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  };
  const httpUrl = (name: string) => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if (url.protocol === "http:" || url.protocol === "https:") return raw.replace(/\/+$/, "");
    } catch {
      // reported below
    }
    problems.push(`${name} must be an http(s) URL, got "${raw}"`);
    return undefined;
  };

  const databaseUrl = read("DATABASE_URL") ?? DEFAULT_DATABASE_URL;
  let database: DatabaseConfig = { type: "sqlite", path: "data/relay.sqlite" };
  if (databaseUrl.startsWith("sqlite:") && databaseUrl.length > "sqlite:".length) {
    database = { type: "sqlite", path: databaseUrl.slice("sqlite:".length) };
  } else if (/^postgres(?:ql)?:\/\/[^/]/.test(databaseUrl)) {
    database = { type: "postgres", url: databaseUrl };
    // Every replica must decrypt what another stored: a key generated beside one replica would not do.
    if (!read("SECRET_KEY")) problems.push("SECRET_KEY must be set when DATABASE_URL is PostgreSQL: every replica needs the same key");
  } else {
    // Not echoed: a PostgreSQL URL may hold a password.
    problems.push(`DATABASE_URL must be sqlite:<path> (e.g. ${DEFAULT_DATABASE_URL}) or postgres://user:password@host:port/database`);
  }

  const smtpUrl = read("SMTP_URL") ?? null;
  if (smtpUrl && !/^smtps?:\/\/[^/]/.test(smtpUrl)) {
    problems.push("SMTP_URL must look like smtp://user:pass@host:port or smtps://… (value not shown: it may hold a password)");
  }

  const logLevel = (read("LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }

  let personalWebhookAllowlist = parseWebhookAllowlist(DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST);
  const allowlistText = read("PERSONAL_WEBHOOK_ALLOWLIST");
  if (allowlistText !== undefined) {
    try {
      personalWebhookAllowlist = parseWebhookAllowlist(allowlistText);
    } catch (error) {
      problems.push(`PERSONAL_WEBHOOK_ALLOWLIST: ${(error as Error).message}`);
    }
  }

  let systemWebhookAllowlist = parseWebhookAllowlist("");
  const systemAllowlistText = read("SYSTEM_WEBHOOK_ALLOWLIST");
  if (systemAllowlistText !== undefined) {
    try {
      systemWebhookAllowlist = parseWebhookAllowlist(systemAllowlistText);
    } catch (error) {
      problems.push(`SYSTEM_WEBHOOK_ALLOWLIST: ${(error as Error).message}`);
    }
  }

  const secretKey = read("SECRET_KEY");
  const secretKeyRule = secretKey === undefined ? null : secretKeyProblem(secretKey);
  if (secretKeyRule) problems.push(secretKeyRule);

  const pollCron = read("POLL_CRON") ?? "* * * * *";
  if (pollCron !== "off" && !isCronExpression(pollCron)) {
    problems.push(`POLL_CRON must be a cron expression (e.g. "* * * * *", every minute) or "off", got "${pollCron}"`);
  }
  const backfillText = read("POLL_BACKFILL_SINCE");
  const backfillSince = backfillText === undefined ? null : Date.parse(backfillText);
  if (backfillSince !== null && !(/^\d{4}-\d{2}-\d{2}/.test(backfillText!) && Number.isFinite(backfillSince))) {
    problems.push(`POLL_BACKFILL_SINCE must be an ISO date or time (e.g. 2026-11-01 or 2026-11-01T08:00:00Z), got "${backfillText}"`);
  }
  const findingSeverities = (read("POLL_FINDING_SEVERITIES") ?? "Critical,High")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => SEVERITIES.find((severity) => severity.toLowerCase() === name.toLowerCase()) ?? name);
  const unknownSeverities = findingSeverities.filter((name) => !(SEVERITIES as readonly string[]).includes(name));
  if (unknownSeverities.length > 0) {
    problems.push(`POLL_FINDING_SEVERITIES takes ${SEVERITIES.join(", ")} (comma-separated), got "${unknownSeverities.join(", ")}"`);
  }

  const selfHeal = (read("DOJO_WEBHOOK_SELF_HEAL") ?? "on").toLowerCase();
  if (selfHeal !== "on" && selfHeal !== "off") problems.push(`DOJO_WEBHOOK_SELF_HEAL must be on or off, got "${selfHeal}"`);

  const config: Config = {
    port: integer("PORT", 8080, 0, 65535),
    database,
    dojoUrl: httpUrl("DOJO_URL") ?? null,
    dojoApiKey: read("DOJO_API_KEY") ?? null,
    webhookHeaderName: read("WEBHOOK_HEADER_NAME") ?? "Authorization",
    webhookHeaderValue: read("WEBHOOK_HEADER_VALUE") ?? null,
    slackApiUrl: httpUrl("SLACK_API_URL"),
    smtpUrl,
    mailFrom: read("MAIL_FROM") ?? "Dojo Relay <no-reply@localhost>",
    webhookMaxBytes: integer("WEBHOOK_MAX_BYTES", DEFAULT_WEBHOOK_MAX_BYTES, 1, 1024 * 1024 * 1024),
    secretKey: secretKey ?? null,
    previousSecretKey: read("PREVIOUS_SECRET_KEY") ?? null,
    logLevel: logLevel as LogLevel,
    personalWebhookAllowlist,
    retentionDays: integer("RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1, 36_500),
    systemWebhookAllowlist,
    delivery: {
      maxAttempts: integer("DELIVERY_MAX_ATTEMPTS", 10, 1, 100),
      retryBaseMs: integer("DELIVERY_RETRY_BASE_MS", 2000, 1, 3_600_000),
      maxRetryDelayMs: integer("DELIVERY_RETRY_MAX_MS", 15 * 60 * 1000, 1, 24 * 3_600_000),
      // Four targets' worth: one slow target fills only its own 8 slots, the others keep sending.
      concurrency: integer("DELIVERY_CONCURRENCY", 32, 1, 256),
      maxInFlightPerTarget: integer("DELIVERY_MAX_IN_FLIGHT_PER_TARGET", 8, 1, 256),
      pollIntervalMs: 1000,
      slackChannelIntervalMs: integer("SLACK_CHANNEL_INTERVAL_MS", DEFAULT_SLACK_CHANNEL_INTERVAL_MS, 0, 60_000),
    },
    poll: {
      cron: pollCron === "off" ? null : pollCron,
      backfillSince: backfillSince !== null && Number.isFinite(backfillSince) ? backfillSince : null,
      findingSeverities,
    },
    graphql: {
      maxDepth: integer("GRAPHQL_MAX_DEPTH", DEFAULT_GRAPHQL_LIMITS.maxDepth, 1, 1000),
      maxCost: integer("GRAPHQL_MAX_COST", DEFAULT_GRAPHQL_LIMITS.maxCost, 1, 10_000_000),
      maxAliases: integer("GRAPHQL_MAX_ALIASES", DEFAULT_GRAPHQL_LIMITS.maxAliases, 0, 1000),
      // On: every caller is authenticated, and the schema is public (schema/schema.graphql) anyway.
      introspection: boolean("GRAPHQL_INTROSPECTION", true),
      // Off: an unexpected error's message may name tables or values; the log has it.
      detailedErrors: boolean("GRAPHQL_DETAILED_ERRORS", false),
    },
    webhookWatch: {
      selfHeal: selfHeal !== "off",
      checkMs: integer("DOJO_WEBHOOK_CHECK_MS", 10_000, 100, 3_600_000),
    },
    // Long enough for a load balancer to see /readyz fail and stop sending first.
    shutdownDrainMs: integer("SHUTDOWN_DRAIN_MS", 5000, 0, 300_000),
  };
  if (!/^[A-Za-z0-9-]+$/.test(config.webhookHeaderName)) {
    problems.push(`WEBHOOK_HEADER_NAME must be an HTTP header name, got "${config.webhookHeaderName}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
