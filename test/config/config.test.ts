import { ConfigError, DEFAULT_WEBHOOK_MAX_BYTES, loadConfig } from "../../src/config/config";

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      databasePath: "data/relay.sqlite",
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
      SECRET_KEY: "s",
      LOG_LEVEL: "DEBUG",
    });
    expect(config).toMatchObject({
      port: 9090,
      databasePath: "/var/lib/relay/db.sqlite",
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
