import { ConfigError, DEFAULT_SLACK_CHANNEL_INTERVAL_MS, DEFAULT_WEBHOOK_MAX_BYTES, loadConfig } from "../../src/config/config";

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      database: { type: "sqlite", path: "data/relay.sqlite" },
      dojoUrl: null,
      webhookHeaderName: "Authorization",
      webhookHeaderValue: null,
      slackApiUrl: undefined,
      smtpUrl: null,
      webhookMaxBytes: DEFAULT_WEBHOOK_MAX_BYTES,
      secretKey: null,
      logLevel: "info",
    });
    expect(DEFAULT_WEBHOOK_MAX_BYTES).toBe(32 * 1024 * 1024);
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "9090",
      DATABASE_URL: "sqlite:/var/lib/relay/db.sqlite",
      DOJO_URL: "https://dojo.example.com/",
      DOJO_API_KEY: "k",
      WEBHOOK_HEADER_NAME: "X-Relay-Token",
      WEBHOOK_HEADER_VALUE: "Token abc",
      SLACK_API_URL: "http://127.0.0.1:9/api/",
      SMTP_URL: "smtp://u:p@127.0.0.1:2525",
      MAIL_FROM: "relay@example.com",
      WEBHOOK_MAX_BYTES: "1000",
      SECRET_KEY: "s".repeat(32),
      LOG_LEVEL: "DEBUG",
    });
    expect(config).toMatchObject({
      port: 9090,
      database: { type: "sqlite", path: "/var/lib/relay/db.sqlite" },
      dojoUrl: "https://dojo.example.com",
      webhookHeaderName: "X-Relay-Token",
      webhookHeaderValue: "Token abc",
      smtpUrl: "smtp://u:p@127.0.0.1:2525",
      mailFrom: "relay@example.com",
      webhookMaxBytes: 1000,
      logLevel: "debug",
    });
  });

  it("names every bad value at once and never echoes an SMTP password", () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", DOJO_URL: "ftp://x", LOG_LEVEL: "loud", SMTP_URL: "pop3://u:hunter2@x" });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toHaveLength(5);
    for (const name of ["PORT", "DATABASE_URL", "DOJO_URL", "LOG_LEVEL", "SMTP_URL"]) {
      expect(error?.message).toContain(name);
    }
    expect(error?.message).not.toContain("hunter2");
  });
});

describe("loadConfig: one schema for every setting", () => {
  it("names a problem between two settings together with the bad values beside it", () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: "x", DATABASE_URL: "postgres://db/relay", GRAPHQL_INTROSPECTION: "constructor" });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.problems.sort()).toEqual([
      'GRAPHQL_INTROSPECTION must be true or false, got "constructor"',
      'PORT must be a whole number from 0 to 65535, got "x"',
      "SECRET_KEY must be set when DATABASE_URL is PostgreSQL: every replica needs the same key",
    ]);
  });

  it("names a short SECRET_KEY once, not also as missing, with PostgreSQL", () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ DATABASE_URL: "postgres://db/relay", SECRET_KEY: "short" });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.problems).toHaveLength(1);
    expect(error?.problems[0]).toMatch(/^SECRET_KEY must be at least \d+ characters, got 5: /);
  });
});

describe("loadConfig: database", () => {
  it("takes a PostgreSQL URL, which needs SECRET_KEY (every replica must read what another encrypted)", () => {
    const url = "postgres://relay:pw@db.internal:5432/relay";
    expect(loadConfig({ DATABASE_URL: url, SECRET_KEY: "k".repeat(32) }).database).toEqual({ type: "postgres", url });
    expect(loadConfig({ DATABASE_URL: "postgresql://db/relay", SECRET_KEY: "k".repeat(32) }).database.type).toBe("postgres");
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/SECRET_KEY must be set when DATABASE_URL is PostgreSQL/);
  });

  it("does both jobs in one process by default; RELAY_ROLE splits them only on PostgreSQL", () => {
    expect(loadConfig({}).role).toBe("all");
    const postgres = { DATABASE_URL: "postgres://db/relay", SECRET_KEY: "k".repeat(32) };
    expect(loadConfig({ ...postgres, RELAY_ROLE: "web" }).role).toBe("web");
    expect(loadConfig({ ...postgres, RELAY_ROLE: "Worker" }).role).toBe("worker");
    expect(loadConfig({ RELAY_ROLE: "all" }).role).toBe("all");
    expect(() => loadConfig({ RELAY_ROLE: "web" })).toThrow(
      "RELAY_ROLE may be web or worker only when DATABASE_URL is PostgreSQL: an SQLite database belongs to one process, which does both",
    );
    expect(() => loadConfig({ ...postgres, RELAY_ROLE: "sender" })).toThrow('RELAY_ROLE must be one of all, web, worker, got "sender"');
  });

  it("never echoes a bad DATABASE_URL, which may hold a password", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://root:hunter2@db/relay" })).toThrow(/DATABASE_URL must be sqlite:<path>/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://root:hunter2@db/relay" })).not.toThrow(/hunter2/);
  });
});

describe("loadConfig: GraphQL", () => {
  it("limits operations and answers introspection, without detailed errors, by default", () => {
    expect(loadConfig({}).graphql).toEqual({ maxDepth: 10, maxCost: 10_000, maxAliases: 40, introspection: true, detailedErrors: false });
  });

  it("reads GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_COST, GRAPHQL_MAX_ALIASES, GRAPHQL_INTROSPECTION and GRAPHQL_DETAILED_ERRORS", () => {
    const config = loadConfig({
      GRAPHQL_MAX_DEPTH: "6",
      GRAPHQL_MAX_COST: "2500",
      GRAPHQL_MAX_ALIASES: "0",
      GRAPHQL_INTROSPECTION: "false",
      GRAPHQL_DETAILED_ERRORS: "TRUE",
    });
    expect(config.graphql).toEqual({ maxDepth: 6, maxCost: 2500, maxAliases: 0, introspection: false, detailedErrors: true });
  });

  it("names each bad GraphQL setting", () => {
    const bad = { GRAPHQL_MAX_DEPTH: "0", GRAPHQL_MAX_COST: "lots", GRAPHQL_MAX_ALIASES: "-1", GRAPHQL_INTROSPECTION: "yes", GRAPHQL_DETAILED_ERRORS: "1" };
    let error: ConfigError | undefined;
    try {
      loadConfig(bad);
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.problems).toHaveLength(5);
    for (const name of Object.keys(bad)) expect(error?.message).toContain(name);
  });
});

describe("loadConfig: delivery", () => {
  it("sends 32 at once, at most 8 to one target, and retries at most 15 minutes apart by default", () => {
    expect(loadConfig({}).delivery).toEqual({
      maxAttempts: 10,
      retryBaseMs: 2000,
      maxRetryDelayMs: 15 * 60 * 1000,
      concurrency: 32,
      maxInFlightPerTarget: 8,
      pollIntervalMs: 1000,
      slackChannelIntervalMs: 1000,
    });
  });

  it("paces each Slack channel one message a second by default, as Slack allows; SLACK_CHANNEL_INTERVAL_MS changes it, 0 turns it off", () => {
    expect(DEFAULT_SLACK_CHANNEL_INTERVAL_MS).toBe(1000);
    expect(loadConfig({ SLACK_CHANNEL_INTERVAL_MS: "1500" }).delivery.slackChannelIntervalMs).toBe(1500);
    expect(loadConfig({ SLACK_CHANNEL_INTERVAL_MS: "0" }).delivery.slackChannelIntervalMs).toBe(0);
  });

  it("names a bad SLACK_CHANNEL_INTERVAL_MS", () => {
    for (const bad of ["-1", "1.5", "soon"]) {
      expect(() => loadConfig({ SLACK_CHANNEL_INTERVAL_MS: bad })).toThrow(
        `SLACK_CHANNEL_INTERVAL_MS must be a whole number from 0 to 60000, got "${bad}"`,
      );
    }
  });

  it("keeps rows 90 days unless RETENTION_DAYS says otherwise, and names a bad value", () => {
    expect(loadConfig({}).retentionDays).toBe(90);
    expect(loadConfig({ RETENTION_DAYS: "30" }).retentionDays).toBe(30);
    for (const bad of ["0", "-5", "2.5", "forever"]) {
      expect(() => loadConfig({ RETENTION_DAYS: bad })).toThrow(`RETENTION_DAYS must be a whole number from 1 to 36500, got "${bad}"`);
    }
  });

  it("reads SYSTEM_WEBHOOK_ALLOWLIST (empty by default) in PERSONAL_WEBHOOK_ALLOWLIST's syntax, and names a bad entry", () => {
    expect(loadConfig({}).systemWebhookAllowlist.entries).toEqual([]);
    const config = loadConfig({ SYSTEM_WEBHOOK_ALLOWLIST: "http://127.0.0.1:8123/, http://relay.internal/teams/" });
    expect(config.systemWebhookAllowlist.entries.map((entry) => [entry.host, entry.literalHost])).toEqual([
      ["127.0.0.1", true],
      ["relay.internal", true],
    ]);
    expect(() => loadConfig({ SYSTEM_WEBHOOK_ALLOWLIST: "ftp://relay.internal/" })).toThrow(/SYSTEM_WEBHOOK_ALLOWLIST: "ftp:\/\/relay.internal\/" is not a valid allowlist entry/);
  });

  it("reads DELIVERY_MAX_IN_FLIGHT_PER_TARGET and DELIVERY_RETRY_MAX_MS, and names bad values", () => {
    const config = loadConfig({ DELIVERY_MAX_IN_FLIGHT_PER_TARGET: "2", DELIVERY_RETRY_MAX_MS: "60000", DELIVERY_CONCURRENCY: "64" });
    expect(config.delivery).toMatchObject({ maxInFlightPerTarget: 2, maxRetryDelayMs: 60_000, concurrency: 64 });
    let error: ConfigError | undefined;
    try {
      loadConfig({ DELIVERY_MAX_IN_FLIGHT_PER_TARGET: "0", DELIVERY_RETRY_MAX_MS: "soon" });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.problems.sort()).toEqual([
      'DELIVERY_MAX_IN_FLIGHT_PER_TARGET must be a whole number from 1 to 256, got "0"',
      'DELIVERY_RETRY_MAX_MS must be a whole number from 1 to 86400000, got "soon"',
    ]);
  });
});
