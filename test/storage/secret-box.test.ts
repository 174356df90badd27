import { createDecipheriv, hkdfSync } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config";
import { loadSecretKey, SECRET_KEY_MIN_CHARS, SecretBox, SecretKeyError, secretFields } from "../../src/storage/secret-box";
import { legacySeal } from "../support/legacy-seal";
import { tempDir } from "../support/temp-dir";

const KEY = "0123456789abcdef0123456789abcdef"; // 32 characters
const FIELD = secretFields.personalTeamsUrl(7);

describe("SecretBox", () => {
  it("round-trips, with a fresh nonce every time", () => {
    const box = new SecretBox(KEY);
    const a = box.seal("xoxb-secret", FIELD);
    const b = box.seal("xoxb-secret", FIELD);
    expect(a).not.toBe(b);
    expect(a).not.toContain("xoxb-secret");
    expect(box.open(a, FIELD)).toBe("xoxb-secret");
  });

  it("refuses a tampered ciphertext", () => {
    const box = new SecretBox(KEY);
    const [version, iv, tag, body] = box.seal("xoxb-secret", FIELD).split(":");
    const flipped = Buffer.from(body, "base64");
    flipped[0] ^= 1;
    expect(() => box.open([version, iv, tag, flipped.toString("base64")].join(":"), FIELD)).toThrow();
  });

  // Security review (issue 17): a short SECRET_KEY was accepted and hashed once with SHA-256.
  it(`refuses a key shorter than ${SECRET_KEY_MIN_CHARS} characters, saying the rule and what to do`, () => {
    expect(() => new SecretBox("test secret key")).toThrow(SecretKeyError);
    expect(() => new SecretBox("x".repeat(31))).toThrow(/SECRET_KEY must be at least 32 characters, got 31: generate one with `openssl rand -hex 32`/);
    expect(() => new SecretBox("x".repeat(32))).not.toThrow();
  });

  it("derives its AES-256 key from SECRET_KEY with HKDF-SHA256", () => {
    const sealed = new SecretBox(KEY).seal("https://example.com/hook", FIELD);
    const [, iv, tag, body] = sealed.split(":");
    const key = Buffer.from(hkdfSync("sha256", Buffer.from(KEY), "dojo-relay secret box", "aes-256-gcm v2", 32));
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(FIELD));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    expect(Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString()).toBe("https://example.com/hook");
  });

  // Node checks a GCM tag on as many bytes as it is given unless the length is fixed: a 4-byte tag is forged in 2^32 tries.
  it("refuses a truncated authentication tag", () => {
    const box = new SecretBox(KEY);
    const [version, iv, tag, body] = box.seal("xoxb-secret", FIELD).split(":");
    const short = Buffer.from(tag, "base64").subarray(0, 4).toString("base64");
    expect(() => box.open([version, iv, short, body].join(":"), FIELD)).toThrow();
  });

  it("binds a value to its row and field: moved to another, it does not open", () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal("https://example.com/hook", secretFields.personalTeamsUrl(7));
    expect(() => box.open(sealed, secretFields.personalTeamsUrl(8))).toThrow();
    expect(() => box.open(sealed, secretFields.systemTeamsUrl(1))).toThrow();
    expect(() => box.open(sealed, secretFields.ruleTeamsUrl("Teams webhook at example.com (rule 7)"))).toThrow();
    expect(box.open(sealed, secretFields.personalTeamsUrl(7))).toBe("https://example.com/hook");
  });

  it("does not open a value sealed by the old scheme (it is re-sealed at start-up instead)", () => {
    expect(() => new SecretBox(KEY).open(legacySeal("xoxb-secret", KEY), FIELD)).toThrow(/re-sealed at start-up/);
  });
});

describe("SECRET_KEY in the configuration", () => {
  it("names the length rule at start-up", () => {
    expect(() => loadConfig({ SECRET_KEY: "short" })).toThrow(/SECRET_KEY must be at least 32 characters, got 5/);
    expect(loadConfig({ SECRET_KEY: KEY, PREVIOUS_SECRET_KEY: "short" })).toMatchObject({ secretKey: KEY, previousSecretKey: "short" });
  });
});

describe("loadSecretKey", () => {
  it("prefers SECRET_KEY, else generates one owner-readable key beside the database and keeps it", () => {
    const dir = tempDir();
    try {
      const database = { type: "sqlite" as const, path: join(dir.path, "relay.sqlite") };
      expect(loadSecretKey("configured", database)).toBe("configured");
      expect(existsSync(join(dir.path, "secret.key"))).toBe(false);

      const generated = loadSecretKey(null, database);
      expect(generated).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(dir.path, "secret.key")).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir.path, "secret.key"), "utf8").trim()).toBe(generated);
      expect(loadSecretKey(null, database)).toBe(generated);
    } finally {
      dir.cleanup();
    }
  });

  it("refuses a key file holding a key that is too short", () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, "secret.key"), "short\n", { mode: 0o600 });
      expect(() => loadSecretKey(null, { type: "sqlite", path: join(dir.path, "relay.sqlite") })).toThrow(/secret\.key holds a key shorter than 32/);
    } finally {
      dir.cleanup();
    }
  });
});
