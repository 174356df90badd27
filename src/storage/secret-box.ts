import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DatabaseConfig } from "../config/config";

const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12; // the GCM standard nonce size
/** The full GCM tag, required when opening: a shorter tag given with a ciphertext is refused, not checked on fewer bytes. */
const TAG_BYTES = 16;
const VERSION = "v2";
/** Sealed before HKDF and associated data (SHA-256 of the key, no binding): only opened to be re-sealed. */
const LEGACY_VERSION = "v1";
/** HKDF's salt and info: fixed, so one SECRET_KEY gives the same key on every replica and restart. */
const HKDF_SALT = "dojo-relay secret box";
const HKDF_INFO = "aes-256-gcm v2";

/** The shortest SECRET_KEY accepted: 32 characters, as many as the 32 random bytes `openssl rand -hex 32` prints 64 of. */
export const SECRET_KEY_MIN_CHARS = 32;

/**
 * Where a sealed value lives (table, row and field): the associated data it is sealed with, so a
 * value copied to another row or field (by whoever can write the database) fails to open there.
 */
export type SecretField = string & { readonly __secretField: unique symbol };

export const secretFields = {
  slackToken: (settingsId: number) => `system_settings:${settingsId}.slack_token` as SecretField,
  systemTeamsUrl: (settingsId: number) => `system_settings:${settingsId}.msteams_url` as SecretField,
  personalTeamsUrl: (userId: number) => `user_contact:${userId}.msteams_url` as SecretField,
  /**
   * A rule's Teams target, by its label, which names the rule ("… (rule 7)"): outbox rows and
   * digests carry the rule's sealed URL with that label as their target, and open it by it.
   */
  ruleTeamsUrl: (targetLabel: string) => `routing_rule.targets.msteams_url:${targetLabel}` as SecretField,
};

/** SECRET_KEY is too short; the message says what to do. */
export class SecretKeyError extends Error {}

/** The rule a key must meet, as start-up and the configuration check say it. */
export function secretKeyProblem(secretKey: string): string | null {
  if (secretKey.length >= SECRET_KEY_MIN_CHARS) return null;
  return (
    `SECRET_KEY must be at least ${SECRET_KEY_MIN_CHARS} characters, got ${secretKey.length}: ` +
    "generate one with `openssl rand -hex 32`; to keep the secrets stored with the old key, " +
    "set the old one as PREVIOUS_SECRET_KEY for one start (they are re-sealed with the new key)"
  );
}

/**
 * Authenticated encryption (AES-256-GCM) for secrets at rest: Slack token, Teams URLs. The key is
 * derived from SECRET_KEY with HKDF-SHA256; each value is bound to its row and field (associated
 * data), and a tampered, truncated, foreign or moved ciphertext fails to open instead of yielding
 * junk.
 */
export class SecretBox {
  private readonly key: Buffer;

  /** @throws SecretKeyError when the key is shorter than SECRET_KEY_MIN_CHARS */
  constructor(secretKey: string) {
    const problem = secretKeyProblem(secretKey);
    if (problem) throw new SecretKeyError(problem);
    this.key = Buffer.from(hkdfSync("sha256", Buffer.from(secretKey, "utf8"), HKDF_SALT, HKDF_INFO, 32));
  }

  seal(plaintext: string, field: SecretField): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(field, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [VERSION, iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(":");
  }

  open(sealed: string, field: SecretField): string {
    const { version, iv, tag, body } = parts(sealed);
    if (version !== VERSION) throw new Error("not a sealed secret of this version (stored secrets are re-sealed at start-up)");
    const decipher = createDecipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(field, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  }
}

/** Whether a stored value was sealed by the old scheme (and is still to be re-sealed). */
export function isLegacySealed(sealed: string): boolean {
  return sealed.startsWith(`${LEGACY_VERSION}:`);
}

/**
 * Opens a value sealed by the old scheme (key = SHA-256 of the key text, no associated data), with
 * the full tag required. For the start-up re-seal only.
 */
export function openLegacy(sealed: string, secretKey: string): string {
  const { version, iv, tag, body } = parts(sealed);
  if (version !== LEGACY_VERSION) throw new Error("not a legacy sealed secret");
  const key = createHash("sha256").update(secretKey, "utf8").digest();
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
}

function parts(sealed: string): { version: string; iv: Buffer; tag: Buffer; body: Buffer } {
  const [version, iv, tag, body, extra] = sealed.split(":");
  if (!version || !iv || !tag || body === undefined || extra !== undefined) throw new Error("not a sealed secret");
  const parsed = { version, iv: Buffer.from(iv, "base64"), tag: Buffer.from(tag, "base64"), body: Buffer.from(body, "base64") };
  if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) throw new Error("not a sealed secret (nonce or tag of the wrong length)");
  return parsed;
}

/**
 * SECRET_KEY when given; otherwise a random key kept in `secret.key` beside the database (created
 * on first start, readable by the owner only), so a restart can still read what it stored.
 */
export function loadSecretKey(configured: string | null, database: DatabaseConfig): string {
  if (configured) return configured;
  // Config refuses PostgreSQL without SECRET_KEY: replicas cannot share a generated file.
  if (database.type !== "sqlite") throw new Error("SECRET_KEY is required with PostgreSQL");
  const dir = database.path === ":memory:" ? "data" : dirname(database.path);
  const file = join(dir, "secret.key");
  if (existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (secretKeyProblem(stored)) throw new SecretKeyError(`${file} holds a key shorter than ${SECRET_KEY_MIN_CHARS} characters: ${secretKeyProblem(stored)}`);
    return stored;
  }
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32).toString("hex");
  writeFileSync(file, key + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return key;
}
