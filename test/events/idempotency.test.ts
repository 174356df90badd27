import { CONTENT_DEDUP_WINDOW_MS, idempotencyKeys } from "../../src/events/idempotency";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { webhookFixture } from "../support/fixtures";

const body = (event: string) => Buffer.from(JSON.stringify(webhookFixture(event)));
const parse = (event: string, instance = "http://dd") => parseWebhookPayload(event, instance, webhookFixture(event));

describe("idempotencyKeys", () => {
  it("keys create events by their object, whenever they arrive", () => {
    const first = idempotencyKeys(parse("product_added"), body("product_added"), 0);
    const muchLater = idempotencyKeys(parse("product_added"), Buffer.from("{}"), 400 * CONTENT_DEDUP_WINDOW_MS);
    expect(first).toEqual(["http://dd|product_added|4"]);
    expect(muchLater).toEqual(first);
  });

  it("keeps instances apart", () => {
    expect(idempotencyKeys(parse("product_added", "http://a"), body("product_added"), 0)).not.toEqual(
      idempotencyKeys(parse("product_added", "http://b"), body("product_added"), 0),
    );
  });

  it("treats identical content as one event within the window only", () => {
    const event = parse("scan_added_empty");
    const t0 = 10 * CONTENT_DEDUP_WINDOW_MS + 5;
    const [stored] = idempotencyKeys(event, body("scan_added_empty"), t0);
    const soonAfter = idempotencyKeys(event, body("scan_added_empty"), t0 + CONTENT_DEDUP_WINDOW_MS);
    const nextDay = idempotencyKeys(event, body("scan_added_empty"), t0 + 24 * CONTENT_DEDUP_WINDOW_MS);
    expect(soonAfter).toContain(stored);
    expect(nextDay).not.toContain(stored);
  });

  it("tells different content apart", () => {
    const a = idempotencyKeys(parse("sla_breach"), body("sla_breach"), 0);
    const other = Buffer.from(JSON.stringify({ ...webhookFixture("sla_breach"), title: "Finding 232 - SLA breached by 3 days! Overdue notice" }));
    expect(idempotencyKeys(parse("sla_breach"), other, 0)[0]).not.toBe(a[0]);
  });
});
