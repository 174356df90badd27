import { createCipheriv, createHash, randomBytes } from "node:crypto";

/** A value as the bridge sealed it before HKDF and associated data: AES-256-GCM keyed by SHA-256 of the key text. */
export function legacySeal(plaintext: string, secretKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", createHash("sha256").update(secretKey, "utf8").digest(), iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(":");
}
