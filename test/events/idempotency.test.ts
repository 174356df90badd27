import { CONTENT_DEDUP_WINDOW_MS, idempotencyKeys, slaBreachKind, slaNotice } from "../../src/events/idempotency";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { webhookFixture } from "../support/fixtures";

const body = (event: string, fixture: Record<string, unknown> = webhookFixture(event)) => Buffer.from(JSON.stringify(fixture));
const parse = (event: string, fixture: Record<string, unknown> = webhookFixture(event), instance = "http://dd") =>
  parseWebhookPayload(event, instance, fixture);
const keys = (event: string, fixture: Record<string, unknown> = webhookFixture(event), at = 0, instance = "http://dd") =>
  idempotencyKeys(parse(event, fixture, instance), body(event, fixture), at);

describe("idempotencyKeys", () => {
  it("keys create events by their object, whenever and however they arrive", () => {
    const first = keys("product_added");
    const muchLater = idempotencyKeys(parse("product_added"), Buffer.from("{}"), 400 * CONTENT_DEDUP_WINDOW_MS);
    expect(first).toEqual(["product_added|4"]);
    expect(muchLater).toEqual(first);
    // The instance header is what DefectDojo calls its SITE_URL, which a poll cannot know: not part of the key.
    expect(keys("product_added", undefined, 0, "http://other")).toEqual(first);
  });

  it("keys finding_added by the finding its link names", () => {
    expect(keys("finding_added")).toEqual(["finding_added|232"]);
  });

  it("keeps instances apart for events known only by their content", () => {
    expect(keys("jira_update", undefined, 0, "http://a")[0]).not.toBe(keys("jira_update", undefined, 0, "http://b")[0]);
  });

  it("treats identical content as one event within the window only", () => {
    const t0 = 10 * CONTENT_DEDUP_WINDOW_MS + 5;
    const [stored] = keys("jira_update", undefined, t0);
    expect(keys("jira_update", undefined, t0 + CONTENT_DEDUP_WINDOW_MS)).toContain(stored);
    expect(keys("jira_update", undefined, t0 + 24 * CONTENT_DEDUP_WINDOW_MS)).not.toContain(stored);
  });

  it("keys an import by its test and the findings it changed, in 2.x and 3.x shapes alike", () => {
    const v2 = webhookFixture("scan_added");
    const [stored] = keys("scan_added", v2, 1000);
    // 3.1+ lists duplicates apart; the same import then names the same findings in other lists.
    const findings = v2.findings as Record<string, Array<{ id: number }>>;
    const v3 = { ...v2, findings: { ...findings, new: [], new_duplicate: findings.new, reactivated_duplicate: [], untouched_duplicate: [] } };
    expect(keys("scan_added", v3, 1000)).toContain(stored);
    // Another body text (an instance's own wording) for the same import is still the same import.
    expect(keys("scan_added", { ...v2, description: "something else" }, 1000)).toContain(stored);
    // Another import into the same test that changed other findings is another event.
    const other = { ...v2, findings: { ...findings, new: [{ ...findings.new[0], id: 999 }] } };
    expect(keys("scan_added", other, 1000)).not.toContain(stored);
    // The same finding ids a day later: a new import (e.g. a nightly re-import with nothing new).
    expect(keys("scan_added", v2, 1000 + 24 * CONTENT_DEDUP_WINDOW_MS)).not.toContain(stored);
  });

  // DefectDojo 3.2.0 and 2.58.2-changelog dojo/notifications/helper.py sla_compute_and_notify: a notice
  // a day while it holds, each titled with that day's count (`_notification_title_for_finding`).
  it("keys SLA notices by finding, kind and day count: a new count is a new event, the same notice twice is one", () => {
    const DAY = 24 * CONTENT_DEDUP_WINDOW_MS;
    const breachedBy = (days: number) => ({ ...webhookFixture("sla_breach"), title: `Finding 232 - SLA breached by ${days} ${days > 1 ? "days" : "day"}! Overdue notice` });
    const [first] = keys("sla_breach", breachedBy(2), 10 * DAY);
    expect(first).toMatch(/^sla_breach\|232\|breached\|2\|/);
    // The same notice again (a redelivery, or the poll of it) that day or the next: one event.
    expect(keys("sla_breach", breachedBy(2), 10 * DAY + 5 * CONTENT_DEDUP_WINDOW_MS)).toContain(first);
    expect(keys("sla_breach", breachedBy(2), 11 * DAY - 1)).toContain(first);
    // The next day's notice counts 3 days: a new event.
    expect(keys("sla_breach", breachedBy(3), 11 * DAY)).not.toContain(first);
    expect(keys("sla_breach", breachedBy(1), 9 * DAY)).not.toContain(first);
    // "by 2 days" of another SLA period weeks later (the finding was reactivated): a new event.
    expect(keys("sla_breach", breachedBy(2), 40 * DAY)).not.toContain(first);
    const warning = (left: number) => ({ ...webhookFixture("sla_breach"), title: `Finding 232 - SLA pre-breach warning - ${left} day(s) left` });
    const [warned] = keys("sla_breach", warning(3), 10 * DAY);
    expect(warned).toMatch(/^sla_breach\|232\|prebreach\|3\|/);
    expect(keys("sla_breach", warning(2), 11 * DAY)).not.toContain(warned);
    const [today] = keys("sla_breach", { ...webhookFixture("sla_breach"), title: "Finding 232 - SLA is breaching today" }, 10 * DAY);
    expect(today).toMatch(/^sla_breach\|232\|breaching\|0\|/);
  });

  it("tells an expiring risk acceptance from an expired one", () => {
    const expired = keys("risk_acceptance_expiration");
    const warning = {
      ...webhookFixture("risk_acceptance_expiration"),
      title: "Risk acceptance with 1 accepted findings will expire on Dec 01, 2026 for notif prod: notif eng",
    };
    expect(expired).toEqual(["risk_acceptance_expiration|3|expired"]);
    expect(keys("risk_acceptance_expiration", warning)).toEqual(["risk_acceptance_expiration|3|expiring"]);
  });

  it("keys an engagement closure by the engagement, within the window", () => {
    const [stored] = keys("engagement_closed", undefined, 0);
    expect(stored).toMatch(/^engagement_closed\|7\|/);
    expect(keys("engagement_closed", { ...webhookFixture("engagement_closed"), description: "reworded" }, 10)).toContain(stored);
    expect(keys("engagement_closed", undefined, 3 * CONTENT_DEDUP_WINDOW_MS)).not.toContain(stored);
  });
});

describe("slaNotice", () => {
  it.each([
    ["Finding 1 - SLA breached by 1 day! Overdue notice", { kind: "breached", days: -1 }],
    ["Finding 1 - SLA breached by 12 days! Overdue notice", { kind: "breached", days: -12 }],
    ["Finding 1 - SLA is breaching today", { kind: "breaching", days: 0 }],
    ["Finding 1 - SLA pre-breach warning - 3 day(s) left", { kind: "prebreach", days: 3 }],
    ["Finding 1 - something else", null],
  ])("%s", (title, notice) => {
    expect(slaNotice(title)).toEqual(notice);
  });
});

describe("slaBreachKind", () => {
  it.each([
    ["Finding 1 - SLA breached by 1 day! Overdue notice", "breached"],
    ["Finding 1 - SLA is breaching today", "breaching"],
    ["Finding 1 - SLA pre-breach warning - 3 day(s) left", "prebreach"],
    ["Finding 1 - something else", null],
  ])("%s → %s", (title, kind) => {
    expect(slaBreachKind(title)).toBe(kind);
  });
});
