import { validate as isCronExpression } from "node-cron";
import { z } from "zod";
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
  /** RELAY_ROLE: what this process does (see RelayRole). */
  role: RelayRole;
}

/**
 * RELAY_ROLE. `all` (the default) takes requests and sends; on PostgreSQL, processes may split the
 * work: `web` takes webhooks and GraphQL and sends nothing (only test sends), so background work never
 * holds up the webhook's answer; `worker` fans out, sends, polls and watches DefectDojo's webhook,
 * and serves only /healthz, /readyz and /metrics.
 */
export type RelayRole = "all" | "web" | "worker";
export const RELAY_ROLES: readonly RelayRole[] = ["all", "web", "worker"];

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
  "RELAY_ROLE",
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
  const parsed = SETTINGS_SCHEMA.safeParse(settings);
  const all = [...problems, ...(parsed.success ? [] : parsed.error.issues.map(problemOf))];
  if (all.length > 0 || !parsed.success) throw new ConfigError(all);
  return parsed.data;
}

/** An issue as one line naming its setting: `PORT must be …`, or `NAME: …` for a parser's own words. */
function problemOf(issue: z.core.$ZodIssue): string {
  const name = String(issue.path[0]);
  return issue.message.startsWith(":") ? `${name}${issue.message}` : `${name} ${issue.message}`;
}

// One rule per kind of setting. Each reads the setting's text (trimmed; blank is unset) and says
// what is wrong without the setting's name, which problemOf puts in front.

const text = z
  .string()
  .optional()
  .transform((raw) => raw?.trim() || undefined);

/** A value the setting's text has, or an issue with `message(raw)`; `undefined` text gives the fallback. */
function rule<T>(fallback: T, parse: (raw: string) => T | undefined, message: (raw: string) => string) {
  return text.transform((raw, ctx): T => {
    if (raw === undefined) return fallback;
    const value = parse(raw);
    if (value !== undefined) return value;
    ctx.addIssue({ code: "custom", message: message(raw) });
    return z.NEVER;
  });
}

const integer = (fallback: number, min: number, max: number) =>
  rule(
    fallback,
    (raw) => {
      const value = Number(raw);
      return Number.isInteger(value) && value >= min && value <= max ? value : undefined;
    },
    (raw) => `must be a whole number from ${min} to ${max}, got "${raw}"`,
  );

const boolean = (fallback: boolean) =>
  rule(
    fallback,
    (raw) => (raw.toLowerCase() === "true" ? true : raw.toLowerCase() === "false" ? false : undefined),
    (raw) => `must be true or false, got "${raw.toLowerCase()}"`,
  );

const httpUrl = rule<string | undefined>(
  undefined,
  (raw) => (URL.canParse(raw) && ["http:", "https:"].includes(new URL(raw).protocol) ? raw.replace(/\/+$/, "") : undefined),
  (raw) => `must be an http(s) URL, got "${raw}"`,
);

const allowlist = (fallback: string) =>
  text.transform((raw, ctx): WebhookAllowlist => {
    try {
      return parseWebhookAllowlist(raw ?? fallback);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

const databaseUrl = rule<DatabaseConfig>(
  parseDatabaseUrl(DEFAULT_DATABASE_URL)!,
  parseDatabaseUrl,
  // Not echoed: a PostgreSQL URL may hold a password.
  () => `must be sqlite:<path> (e.g. ${DEFAULT_DATABASE_URL}) or postgres://user:password@host:port/database`,
);

function parseDatabaseUrl(url: string): DatabaseConfig | undefined {
  if (url.startsWith("sqlite:") && url.length > "sqlite:".length) return { type: "sqlite", path: url.slice("sqlite:".length) };
  if (/^postgres(?:ql)?:\/\/[^/]/.test(url)) return { type: "postgres", url };
  return undefined;
}

const SETTINGS_SCHEMA = z
  .object({
    PORT: integer(8080, 0, 65535),
    DATABASE_URL: databaseUrl,
    DOJO_URL: httpUrl,
    DOJO_API_KEY: text,
    POLL_CRON: rule(
      "* * * * *",
      (raw) => (raw === "off" || isCronExpression(raw) ? raw : undefined),
      (raw) => `must be a cron expression (e.g. "* * * * *", every minute) or "off", got "${raw}"`,
    ),
    POLL_BACKFILL_SINCE: rule<number | null>(
      null,
      (raw) => (/^\d{4}-\d{2}-\d{2}/.test(raw) && Number.isFinite(Date.parse(raw)) ? Date.parse(raw) : undefined),
      (raw) => `must be an ISO date or time (e.g. 2026-11-01 or 2026-11-01T08:00:00Z), got "${raw}"`,
    ),
    POLL_FINDING_SEVERITIES: text.transform((raw, ctx): string[] => {
      const names = (raw ?? "Critical,High")
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean);
      const known = names.map((name) => SEVERITIES.find((severity) => severity.toLowerCase() === name.toLowerCase()));
      const unknown = names.filter((_, i) => known[i] === undefined);
      if (unknown.length === 0) return known as string[];
      ctx.addIssue({ code: "custom", message: `takes ${SEVERITIES.join(", ")} (comma-separated), got "${unknown.join(", ")}"` });
      return z.NEVER;
    }),
    PERSONAL_WEBHOOK_ALLOWLIST: allowlist(DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST),
    SYSTEM_WEBHOOK_ALLOWLIST: allowlist(""),
    WEBHOOK_HEADER_NAME: rule(
      "Authorization",
      (raw) => (/^[A-Za-z0-9-]+$/.test(raw) ? raw : undefined),
      (raw) => `must be an HTTP header name, got "${raw}"`,
    ),
    WEBHOOK_HEADER_VALUE: text,
    SLACK_API_URL: httpUrl,
    SMTP_URL: rule<string | null>(
      null,
      (raw) => (/^smtps?:\/\/[^/]/.test(raw) ? raw : undefined),
      () => "must look like smtp://user:pass@host:port or smtps://… (value not shown: it may hold a password)",
    ),
    MAIL_FROM: text,
    WEBHOOK_MAX_BYTES: integer(DEFAULT_WEBHOOK_MAX_BYTES, 1, 1024 * 1024 * 1024),
    SECRET_KEY: rule<string | null>(
      null,
      (raw) => (secretKeyProblem(raw) === null ? raw : undefined),
      (raw) => secretKeyProblem(raw)!.replace(/^SECRET_KEY /, ""),
    ),
    PREVIOUS_SECRET_KEY: text,
    LOG_LEVEL: rule<LogLevel>(
      "info",
      (raw) => LOG_LEVELS.find((level) => level === raw.toLowerCase()),
      (raw) => `must be one of ${LOG_LEVELS.join(", ")}, got "${raw.toLowerCase()}"`,
    ),
    RETENTION_DAYS: integer(DEFAULT_RETENTION_DAYS, 1, 36_500),
    DELIVERY_MAX_ATTEMPTS: integer(10, 1, 100),
    DELIVERY_RETRY_BASE_MS: integer(2000, 1, 3_600_000),
    DELIVERY_RETRY_MAX_MS: integer(15 * 60 * 1000, 1, 24 * 3_600_000),
    // Four targets' worth: one slow target fills only its own 8 slots, the others keep sending.
    DELIVERY_CONCURRENCY: integer(32, 1, 256),
    DELIVERY_MAX_IN_FLIGHT_PER_TARGET: integer(8, 1, 256),
    SLACK_CHANNEL_INTERVAL_MS: integer(DEFAULT_SLACK_CHANNEL_INTERVAL_MS, 0, 60_000),
    GRAPHQL_MAX_DEPTH: integer(DEFAULT_GRAPHQL_LIMITS.maxDepth, 1, 1000),
    GRAPHQL_MAX_COST: integer(DEFAULT_GRAPHQL_LIMITS.maxCost, 1, 10_000_000),
    GRAPHQL_MAX_ALIASES: integer(DEFAULT_GRAPHQL_LIMITS.maxAliases, 0, 1000),
    // On: every caller is authenticated, and the schema is public (schema/schema.graphql) anyway.
    GRAPHQL_INTROSPECTION: boolean(true),
    // Off: an unexpected error's message may name tables or values; the log has it.
    GRAPHQL_DETAILED_ERRORS: boolean(false),
    DOJO_WEBHOOK_SELF_HEAL: rule(
      "on",
      (raw) => ["on", "off"].find((choice) => choice === raw.toLowerCase()),
      (raw) => `must be on or off, got "${raw.toLowerCase()}"`,
    ),
    DOJO_WEBHOOK_CHECK_MS: integer(10_000, 100, 3_600_000),
    // Long enough for a load balancer to see /readyz fail and stop sending first.
    SHUTDOWN_DRAIN_MS: integer(5000, 0, 300_000),
    RELAY_ROLE: rule<RelayRole>(
      "all",
      (raw) => RELAY_ROLES.find((role) => role === raw.toLowerCase()),
      (raw) => `must be one of ${RELAY_ROLES.join(", ")}, got "${raw.toLowerCase()}"`,
    ),
  } satisfies Record<(typeof SETTING_NAMES)[number], z.ZodType>)
  // Every replica must decrypt what another stored: a key generated beside one replica would not do.
  .refine((settings) => !(settings.DATABASE_URL?.type === "postgres" && settings.SECRET_KEY === null), {
    path: ["SECRET_KEY"],
    message: "must be set when DATABASE_URL is PostgreSQL: every replica needs the same key",
    // Checked even when other settings are bad: the start names every problem at once.
    when: () => true,
  })
  // One SQLite file has one process: a split needs a database that processes share.
  .refine((settings) => settings.RELAY_ROLE === "all" || settings.DATABASE_URL?.type === "postgres", {
    path: ["RELAY_ROLE"],
    message: "may be web or worker only when DATABASE_URL is PostgreSQL: an SQLite database belongs to one process, which does both",
    when: () => true,
  })
  .transform(
    (settings): Config => ({
      port: settings.PORT,
      database: settings.DATABASE_URL,
      dojoUrl: settings.DOJO_URL ?? null,
      dojoApiKey: settings.DOJO_API_KEY ?? null,
      webhookHeaderName: settings.WEBHOOK_HEADER_NAME,
      webhookHeaderValue: settings.WEBHOOK_HEADER_VALUE ?? null,
      slackApiUrl: settings.SLACK_API_URL,
      smtpUrl: settings.SMTP_URL,
      mailFrom: settings.MAIL_FROM ?? "Dojo Relay <no-reply@localhost>",
      webhookMaxBytes: settings.WEBHOOK_MAX_BYTES,
      secretKey: settings.SECRET_KEY,
      previousSecretKey: settings.PREVIOUS_SECRET_KEY ?? null,
      logLevel: settings.LOG_LEVEL,
      personalWebhookAllowlist: settings.PERSONAL_WEBHOOK_ALLOWLIST,
      retentionDays: settings.RETENTION_DAYS,
      systemWebhookAllowlist: settings.SYSTEM_WEBHOOK_ALLOWLIST,
      delivery: {
        maxAttempts: settings.DELIVERY_MAX_ATTEMPTS,
        retryBaseMs: settings.DELIVERY_RETRY_BASE_MS,
        maxRetryDelayMs: settings.DELIVERY_RETRY_MAX_MS,
        concurrency: settings.DELIVERY_CONCURRENCY,
        maxInFlightPerTarget: settings.DELIVERY_MAX_IN_FLIGHT_PER_TARGET,
        pollIntervalMs: 1000,
        slackChannelIntervalMs: settings.SLACK_CHANNEL_INTERVAL_MS,
      },
      poll: {
        cron: settings.POLL_CRON === "off" ? null : settings.POLL_CRON,
        backfillSince: settings.POLL_BACKFILL_SINCE,
        findingSeverities: settings.POLL_FINDING_SEVERITIES,
      },
      graphql: {
        maxDepth: settings.GRAPHQL_MAX_DEPTH,
        maxCost: settings.GRAPHQL_MAX_COST,
        maxAliases: settings.GRAPHQL_MAX_ALIASES,
        introspection: settings.GRAPHQL_INTROSPECTION,
        detailedErrors: settings.GRAPHQL_DETAILED_ERRORS,
      },
      webhookWatch: { selfHeal: settings.DOJO_WEBHOOK_SELF_HEAL !== "off", checkMs: settings.DOJO_WEBHOOK_CHECK_MS },
      shutdownDrainMs: settings.SHUTDOWN_DRAIN_MS,
      role: settings.RELAY_ROLE,
    }),
  );
