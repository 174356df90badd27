import { createHash } from "node:crypto";
import { DojoEvent } from "./dojo-event";

/**
 * Events for objects that are created once carry a natural key and are deduplicated for ever.
 * Everything else (scan results, SLA notices, …) is keyed by its content, and identical content
 * counts as the same event only within this window: a replay is caught, while tomorrow's identical
 * "0 findings changed" re-import is still a new event.
 */
export const CONTENT_DEDUP_WINDOW_MS = 60 * 60 * 1000;

const CREATE_EVENTS: Record<string, (event: DojoEvent) => number | undefined> = {
  product_type_added: (e) => e.productType?.id,
  product_added: (e) => e.product?.id,
  engagement_added: (e) => e.engagement?.id,
  test_added: (e) => e.test?.id,
};

/**
 * The keys under which an event may already have been stored: the first is the one to store it
 * under now, the rest are earlier ones that would make it a duplicate.
 */
export function idempotencyKeys(event: DojoEvent, rawBody: Buffer, receivedAtMs: number): string[] {
  const instance = event.instance ?? "";
  const objectId = CREATE_EVENTS[event.name]?.(event);
  if (objectId !== undefined) return [`${instance}|${event.name}|${objectId}`];

  const digest = createHash("sha256").update(event.name).update("\0").update(rawBody).digest("hex");
  const bucket = Math.floor(receivedAtMs / CONTENT_DEDUP_WINDOW_MS);
  return [`${instance}|${digest}|${bucket}`, `${instance}|${digest}|${bucket - 1}`];
}
