import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DatabaseConfig } from "../config/config";

const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12; // the GCM standard nonce size
const VERSION = "v1";

/**
 * Authenticated encryption (AES-256-GCM) for secrets at rest: Slack token, Teams URLs. The key is
 * derived from SECRET_KEY; a tampered or foreign ciphertext fails to open instead of yielding junk.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    this.key = createHash("sha256").update(secretKey, "utf8").digest();
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [VERSION, iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(":");
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(":");
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("not a sealed secret");
    const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, "base64"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
  }
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
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32).toString("hex");
  writeFileSync(file, key + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return key;
}
