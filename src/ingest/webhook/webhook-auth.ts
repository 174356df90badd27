import { hash, timingSafeEqual } from "node:crypto";

const sha256 = (value: string) => hash("sha256", value, "buffer");

/**
 * A check of received header values against the configured one, in constant time. Both sides are
 * hashed first so that neither their lengths nor their contents leak through timing; the configured
 * side once, here, not on every request.
 */
export function headerValueCheck(expected: string): (received: string | string[] | undefined) => boolean {
  const expectedDigest = sha256(expected);
  return (received) => typeof received === "string" && timingSafeEqual(expectedDigest, sha256(received));
}
