import { NotificationEvent } from "../../src/events/notification-event";
import { InvalidPayloadError, parseWebhookPayload } from "../../src/events/webhook-payload";
import { allWebhookFixtures, eventNameOf, webhookFixture } from "../support/fixtures";

const INSTANCE = "http://localhost:8080";

describe("parseWebhookPayload", () => {
  it.each(allWebhookFixtures())("accepts DefectDojo %s %s as sent", (_version, fixture, body) => {
    const event = parseWebhookPayload(eventNameOf(fixture), INSTANCE, body);
    expect(event.name).toBe(eventNameOf(fixture));
    expect(event.title).toBe(body.title);
    expect(event.instance).toBe(INSTANCE);
  });

  it("normalises scan_added: findings kept for new/reactivated/mitigated, counts for the rest", () => {
    const event = parseWebhookPayload("scan_added", INSTANCE, webhookFixture("scan_added", "3.x"));
    expect(event.setting).toBe(NotificationEvent.SCAN_ADDED);
    expect(event.product).toEqual({ id: 4, name: "notif prod", urlUi: "http://localhost:8080/asset/4" });
    expect(event.test).toEqual({ id: 90, name: "notif test", urlUi: "http://localhost:8080/test/90" });
    expect(event.findings?.new.map((f) => [f.id, f.severity])).toEqual([[232, "Critical"]]);
    expect(event.findings?.mitigated.map((f) => f.id)).toEqual([233]);
    expect(event.findings?.untouchedCount).toBe(1);
    expect(event.findingCount).toBe(4);
  });

  it("routes events without a setting of their own by OTHER, as DefectDojo does", () => {
    expect(parseWebhookPayload("finding_added", INSTANCE, webhookFixture("finding_added")).setting).toBe(
      NotificationEvent.OTHER,
    );
    expect(parseWebhookPayload("some_future_event", INSTANCE, { description: "x" }).setting).toBe(NotificationEvent.OTHER);
    expect(parseWebhookPayload("sla_breach", INSTANCE, webhookFixture("sla_breach")).setting).toBe(
      NotificationEvent.SLA_BREACH,
    );
  });

  it("identifies the object of url_ui-only events", () => {
    expect(parseWebhookPayload("sla_breach", INSTANCE, webhookFixture("sla_breach")).subject).toEqual({
      kind: "finding",
      id: 232,
    });
    expect(
      parseWebhookPayload("risk_acceptance_expiration", INSTANCE, webhookFixture("risk_acceptance_expiration")).subject,
    ).toEqual({ kind: "risk_acceptance", id: 3, engagementId: 7 });
    // DefectDojo doubles this URL (http://hosthttp://host/finding/232); the link is repaired too.
    const mentioned = parseWebhookPayload("user_mentioned", INSTANCE, webhookFixture("user_mentioned"));
    expect(mentioned.subject).toEqual({ kind: "finding", id: 232 });
    expect(mentioned.urlUi).toBe("http://localhost:8080/finding/232");
  });

  it("accepts the 2.39 shape (no title, null description) and unknown keys", () => {
    const event = parseWebhookPayload("product_type_added", INSTANCE, {
      description: null,
      user: null,
      url_ui: "http://dd/product/type/4",
      product_type: { id: 4, name: "pt", url_ui: "http://dd/product/type/4", url_api: "x" },
      added_in_some_future_version: { anything: [1, 2, 3] },
    });
    expect(event.title).toBe("");
    expect(event.description).toBeNull();
    expect(event.productType?.id).toBe(4);
  });

  it.each([
    ["an array body", [1, 2]],
    ["a string body", "hello"],
    ["null", null],
    ["a numeric title", { title: 5 }],
    ["a product without id", { product: { name: "p" } }],
    ["findings that are not lists", { findings: { new: "everything" } }],
    ["a negative finding_count", { finding_count: -1 }],
  ])("refuses %s with a message", (_case, body) => {
    expect(() => parseWebhookPayload("product_added", INSTANCE, body)).toThrow(InvalidPayloadError);
  });

  it("names the bad field in the error", () => {
    expect(() => parseWebhookPayload("scan_added", INSTANCE, { findings: { new: [{ id: "x" }] } })).toThrow(
      /findings\.new\.0\.id/,
    );
  });
});
