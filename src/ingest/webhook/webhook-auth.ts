import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares the configured header value with the one received in constant time. Both sides are
 * hashed first so that neither their lengths nor their contents leak through timing.
 */
export function headerValueMatches(expected: string, received: string | string[] | undefined): boolean {
  if (typeof received !== "string") return false;
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(expected), digest(received));
}
