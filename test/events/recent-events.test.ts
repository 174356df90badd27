import { createRecentEvents } from "../../src/events/recent-events";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { webhookFixture } from "../support/fixtures";

const event = (name: string) => parseWebhookPayload(name, null, webhookFixture(name));

describe("events handed from the intake to the fan-out", () => {
  it("hands each event over once; after that it comes from the database", () => {
    const recent = createRecentEvents();
    const added = event("product_added");
    recent.remember(7, added, 1_000);
    expect(recent.take(7)).toBe(added);
    expect(recent.take(7)).toBeUndefined();
    expect(recent.take(8)).toBeUndefined();
  });

  it("holds no more than its size at once: the oldest make room, and one too large is not kept", () => {
    const recent = createRecentEvents(10_000);
    recent.remember(1, event("product_added"), 6_000);
    recent.remember(2, event("scan_added"), 6_000);
    recent.remember(3, event("engagement_added"), 20_000);
    expect(recent.take(1)).toBeUndefined();
    expect(recent.take(2)?.name).toBe("scan_added");
    expect(recent.take(3)).toBeUndefined();
  });
});
