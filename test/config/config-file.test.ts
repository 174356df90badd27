import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, SETTING_NAMES, validateSettings } from "../../src/config/config";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "relay-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a file into the test's directory and returns its path. */
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig: RELAY_CONFIG file", () => {
  it("reads a YAML file under the environment variables' names, numbers and booleans included", () => {
    const path = file(
      "relay.yaml",
      [
        "# same names as the environment variables",
        "PORT: 9090",
        "DOJO_URL: https://dojo.example.com/",
        "WEBHOOK_MAX_BYTES: 1000",
        "GRAPHQL_INTROSPECTION: false",
        "LOG_LEVEL: warn",
        "POLL_FINDING_SEVERITIES: [critical, High, Medium]",
        "SECRET_KEY: 0123456789012345678901234567890123e4", // a number in YAML's eyes; must stay the text as written
        "MAIL_FROM:", // empty: unset, the default applies
        "",
      ].join("\n"),
    );
    const config = loadConfig({ RELAY_CONFIG: path });
    expect(config).toMatchObject({
      port: 9090,
      dojoUrl: "https://dojo.example.com",
      webhookMaxBytes: 1000,
      logLevel: "warn",
      secretKey: "0123456789012345678901234567890123e4",
      mailFrom: "Dojo Relay <no-reply@localhost>",
    });
    expect(config.graphql.introspection).toBe(false);
    expect(config.poll.findingSeverities).toEqual(["Critical", "High", "Medium"]);
  });

  it("reads a .yml file as YAML too, and an empty file as no settings", () => {
    expect(loadConfig({ RELAY_CONFIG: file("relay.yml", "PORT: '7000'\n") }).port).toBe(7000);
    expect(loadConfig({ RELAY_CONFIG: file("empty.yaml", "") }).port).toBe(8080);
  });

  it("reads a JSON file, numbers, booleans and lists included", () => {
    const path = file(
      "relay.json",
      JSON.stringify({
        PORT: 9191,
        GRAPHQL_DETAILED_ERRORS: true,
        DELIVERY_CONCURRENCY: 4,
        POLL_FINDING_SEVERITIES: ["Low"],
        PERSONAL_WEBHOOK_ALLOWLIST: ["https://hooks.example.com/", "https://*.example.org/"],
        DOJO_API_KEY: "k",
        SLACK_API_URL: null,
      }),
    );
    const config = loadConfig({ RELAY_CONFIG: path });
    expect(config).toMatchObject({ port: 9191, dojoApiKey: "k", slackApiUrl: undefined });
    expect(config.graphql.detailedErrors).toBe(true);
    expect(config.delivery.concurrency).toBe(4);
    expect(config.poll.findingSeverities).toEqual(["Low"]);
    expect(config.personalWebhookAllowlist).toEqual(loadConfig({ PERSONAL_WEBHOOK_ALLOWLIST: "https://hooks.example.com/,https://*.example.org/" }).personalWebhookAllowlist);
  });

  it("lets the environment win over the file, but not with a blank value", () => {
    const path = file("relay.yaml", "PORT: 9090\nLOG_LEVEL: debug\nMAIL_FROM: file@example.com\n");
    const config = loadConfig({ RELAY_CONFIG: path, PORT: "7070", MAIL_FROM: "  " });
    expect(config).toMatchObject({ port: 7070, logLevel: "debug", mailFrom: "file@example.com" });
  });

  it("validates what the file sets like the environment, naming every problem at once", () => {
    const path = file("relay.yaml", "PORT: eighty\nLOG_LEVEL: loud\n");
    const problems = problemsOf({ RELAY_CONFIG: path, DOJO_URL: "ftp://x" });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/PORT[\s\S]*DOJO_URL|DOJO_URL[\s\S]*PORT/);
    expect(problems.join("\n")).toContain("LOG_LEVEL");
  });

  it("names unknown settings, with a hint for a lower-case spelling", () => {
    const path = file("relay.yaml", "FOO: 1\nport: 8081\nRELAY_CONFIG: other.yaml\nPORT_FILE: /x\nPORT: 8082\n");
    expect(problemsOf({ RELAY_CONFIG: path })).toEqual([
      `RELAY_CONFIG ${path}: unknown setting FOO`,
      `RELAY_CONFIG ${path}: unknown setting port (settings are spelled as the environment variables: PORT)`,
      `RELAY_CONFIG ${path}: unknown setting RELAY_CONFIG`,
      `RELAY_CONFIG ${path}: unknown setting PORT_FILE`,
    ]);
  });

  it("refuses nested values, and lists except for comma-separated settings", () => {
    const path = file(
      "relay.yaml",
      "PORT: { value: 8080 }\nDOJO_URL: [https://a.example.com]\nPOLL_FINDING_SEVERITIES: [High, { x: 1 }]\nPERSONAL_WEBHOOK_ALLOWLIST: [https://a.example.com/]\n",
    );
    expect(problemsOf({ RELAY_CONFIG: path })).toEqual([
      `RELAY_CONFIG ${path}: PORT must be a single value`,
      `RELAY_CONFIG ${path}: DOJO_URL must be a single value`,
      `RELAY_CONFIG ${path}: POLL_FINDING_SEVERITIES must be a single value or a list of values`,
    ]);
  });

  it("names a missing file, an unknown format, a broken file and a file that is no mapping", () => {
    const missing = join(dir, "missing.yaml");
    expect(problemsOf({ RELAY_CONFIG: missing })).toEqual([`RELAY_CONFIG ${missing}: cannot read the file (ENOENT)`]);
    const toml = file("relay.toml", "PORT = 1\n");
    expect(problemsOf({ RELAY_CONFIG: toml })).toEqual([`RELAY_CONFIG ${toml}: must be a .yaml, .yml or .json file`]);
    const yaml = file("broken.yaml", "PORT: 1\nDOJO_URL: [unclosed\n");
    expect(problemsOf({ RELAY_CONFIG: yaml })).toEqual([expect.stringMatching(new RegExp(`^RELAY_CONFIG ${yaml}: not valid YAML at line \\d+, column \\d+$`))]);
    const duplicate = file("duplicate.yaml", "PORT: 1\nPORT: 2\n");
    expect(problemsOf({ RELAY_CONFIG: duplicate })).toEqual([`RELAY_CONFIG ${duplicate}: not valid YAML at line 2, column 1`]);
    const json = file("broken.json", '{\n  "PORT": 1\n  "LOG_LEVEL": "info"\n}');
    expect(problemsOf({ RELAY_CONFIG: json })).toEqual([`RELAY_CONFIG ${json}: not valid JSON at line 3, column 3`]);
    const list = file("list.yaml", "- PORT: 1\n");
    expect(problemsOf({ RELAY_CONFIG: list })).toEqual([`RELAY_CONFIG ${list}: must be a mapping of settings (e.g. PORT: 8080)`]);
  });
});

describe("loadConfig: secrets from *_FILE", () => {
  it("reads DATABASE_URL, DOJO_API_KEY, WEBHOOK_HEADER_VALUE, SMTP_URL and SECRET_KEY from files, without the trailing newline", () => {
    const config = loadConfig({
      DATABASE_URL_FILE: file("database-url", "postgres://relay:pw@db:5432/relay\n"),
      DOJO_API_KEY_FILE: file("dojo-api-key", "dojo-key\n"),
      WEBHOOK_HEADER_VALUE_FILE: file("webhook", "Token abc\r\n"),
      SMTP_URL_FILE: file("smtp-url", "smtp://u:p@mail:587"),
      SECRET_KEY_FILE: file("secret-key", "secret of thirty-two characters or more\n"),
    });
    expect(config).toMatchObject({
      database: { type: "postgres", url: "postgres://relay:pw@db:5432/relay" },
      dojoApiKey: "dojo-key",
      webhookHeaderValue: "Token abc",
      smtpUrl: "smtp://u:p@mail:587",
      secretKey: "secret of thirty-two characters or more",
    });
  });

  it("takes *_FILE from the config file too, and lets the environment's NAME replace the file's NAME_FILE", () => {
    const secret = file("secret-key", "from-secret-file, thirty-two characters or more\n");
    const path = file("relay.yaml", `SECRET_KEY_FILE: ${secret}\nDOJO_API_KEY: from-config-file\n`);
    expect(loadConfig({ RELAY_CONFIG: path }).secretKey).toBe("from-secret-file, thirty-two characters or more");
    expect(loadConfig({ RELAY_CONFIG: path, SECRET_KEY: "from-env, thirty-two characters or more" }).secretKey).toBe("from-env, thirty-two characters or more");
    const other = file("dojo-api-key", "from-env-file");
    expect(loadConfig({ RELAY_CONFIG: path, DOJO_API_KEY_FILE: other }).dojoApiKey).toBe("from-env-file");
  });

  it("refuses NAME and NAME_FILE set together", () => {
    const path = file("secret-key", "s");
    expect(problemsOf({ SECRET_KEY: "s".repeat(32), SECRET_KEY_FILE: path })).toEqual(["SECRET_KEY and SECRET_KEY_FILE are both set; set only one"]);
    const config = file("relay.yaml", `DOJO_API_KEY: k\nDOJO_API_KEY_FILE: ${path}\n`);
    expect(problemsOf({ RELAY_CONFIG: config })).toEqual(["DOJO_API_KEY and DOJO_API_KEY_FILE are both set; set only one"]);
  });

  it("names the variable and path of a missing, unreadable or empty secret file", () => {
    const missing = join(dir, "nope");
    const directory = join(dir, "a-directory");
    mkdirSync(directory);
    const empty = file("empty", "\n");
    expect(problemsOf({ DOJO_API_KEY_FILE: missing, SECRET_KEY_FILE: directory, WEBHOOK_HEADER_VALUE_FILE: empty })).toEqual([
      `DOJO_API_KEY_FILE: cannot read ${missing} (ENOENT)`,
      `WEBHOOK_HEADER_VALUE_FILE: ${empty} is empty`,
      `SECRET_KEY_FILE: cannot read ${directory} (EISDIR)`,
    ]);
  });

  it("names an unreadable secret file (permissions), unless running as root", () => {
    const path = file("locked", "hunter2\n");
    chmodSync(path, 0o000);
    if (process.getuid?.() === 0) return; // root reads anything; nothing to check
    const problems = problemsOf({ SECRET_KEY_FILE: path });
    expect(problems).toEqual([`SECRET_KEY_FILE: cannot read ${path} (EACCES)`]);
  });
});

describe("loadConfig: secrets are never shown", () => {
  it("keeps every secret out of every message, whatever else is wrong", () => {
    const secrets = ["hunter2-db", "hunter2-dojo", "hunter2-header", "hunter2-smtp", "hunter2-key"];
    const path = file(
      "relay.yaml",
      [`DATABASE_URL: mysql://root:${secrets[0]}@db/relay`, `DOJO_API_KEY: ${secrets[1]}`, "PORT: eighty", "FOO: bar", ""].join("\n"),
    );
    const message = messageOf({
      RELAY_CONFIG: path,
      WEBHOOK_HEADER_VALUE: secrets[2],
      WEBHOOK_HEADER_VALUE_FILE: file("header", `${secrets[2]}\n`),
      SMTP_URL_FILE: file("smtp", `pop3://u:${secrets[3]}@mail\n`),
      SECRET_KEY_FILE: join(dir, "missing-key"),
    });
    expect(message).toContain("DATABASE_URL");
    expect(message).toContain("SMTP_URL");
    expect(message).toContain("WEBHOOK_HEADER_VALUE_FILE");
    expect(message).toContain("SECRET_KEY_FILE");
    for (const secret of secrets) expect(message).not.toContain(secret);
  });

  it("does not quote the broken line of a config file, which may hold a secret", () => {
    const yaml = file("relay.yaml", 'PORT: 1\nSECRET_KEY: "hunter2\nDOJO_URL: [\n');
    expect(messageOf({ RELAY_CONFIG: yaml })).not.toContain("hunter2");
    const json = file("relay.json", '{"SECRET_KEY": "hunter2" "PORT": 1}');
    expect(messageOf({ RELAY_CONFIG: json })).not.toContain("hunter2");
    const json2 = file("relay2.json", '{"SECRET_KEY": "hunter2", }');
    expect(messageOf({ RELAY_CONFIG: json2 })).not.toContain("hunter2");
  });

  function messageOf(env: Record<string, string>): string {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error("expected a ConfigError");
  }
});

describe("SETTING_NAMES", () => {
  it("is exactly what the validation reads, so a config file accepts every setting and nothing else", () => {
    const read = new Set<string>();
    const recorder = new Proxy<Record<string, string>>({}, {
      get(_target, name) {
        if (typeof name === "string") read.add(name);
        return undefined;
      },
    });
    validateSettings(recorder);
    expect([...read].sort()).toEqual([...SETTING_NAMES].sort());
  });
});
