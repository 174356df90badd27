import { FindingFacts } from "../../src/defectdojo/directory";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { NotificationEvent } from "../../src/events/notification-event";
import { Severity } from "../../src/events/severity";
import { EventFacts, matchRules } from "../../src/routing/rule-matching";
import { webhookFixture } from "../support/fixtures";
import { testRule } from "../support/routing-rules";

// scan_added (2.x fixture): product type 4, product 4, engagement 7; new finding 232 Critical,
// reactivated 234 Low, mitigated 233 Medium (never listed), untouched 235 Info.
const scan = parseWebhookPayload("scan_added", null, webhookFixture("scan_added"));
const productAdded = parseWebhookPayload("product_added", null, webhookFixture("product_added"));

function facts(changes: Partial<EventFacts> = {}, findings: Record<number, Partial<FindingFacts>> = {}): EventFacts {
  return {
    productTypeId: 4,
    productId: 4,
    engagementId: 7,
    productTags: [],
    findings: new Map(Object.entries(findings).map(([id, f]) => [Number(id), { verified: false, active: true, duplicate: false, tags: [], ...f }])),
    ...changes,
  };
}

const names = (matches: ReturnType<typeof matchRules>) => matches.map((match) => match.rule.name);

describe("matchRules", () => {
  it("matches on event kinds, empty meaning all", () => {
    expect(names(matchRules(scan, facts(), [testRule({ name: "scans", events: [NotificationEvent.SCAN_ADDED] })]))).toEqual(["scans"]);
    expect(matchRules(scan, facts(), [testRule({ events: [NotificationEvent.PRODUCT_ADDED] })])).toEqual([]);
    expect(names(matchRules(productAdded, facts(), [testRule({ name: "any", events: [] })]))).toEqual(["any"]);
  });

  it.each([
    ["productTypeIds", { productTypeIds: [4] }, { productTypeIds: [5] }, { productTypeId: null }],
    ["productIds", { productIds: [9, 4] }, { productIds: [9] }, { productId: null }],
    ["engagementIds", { engagementIds: [7] }, { engagementIds: [8] }, { engagementId: null }],
  ])("matches on %s: listed id matches, other id does not, unknown id does not", (_field, hit, miss, unknown) => {
    expect(matchRules(scan, facts(), [testRule(hit)])).toHaveLength(1);
    expect(matchRules(scan, facts(), [testRule(miss)])).toHaveLength(0);
    expect(matchRules(scan, facts(unknown), [testRule(hit)])).toHaveLength(0);
  });

  it("matches a minimum severity when any listed (new or reactivated) finding meets it, and lists only those", () => {
    const [critical] = matchRules(scan, facts(), [testRule({ minSeverity: Severity.HIGH })]);
    expect(critical.findingIds).toEqual([232]);
    const [low] = matchRules(scan, facts(), [testRule({ minSeverity: Severity.LOW })]);
    expect(low.findingIds).toBeNull(); // every listed finding passes: nothing to narrow
    // Medium 233 is mitigated, not listed: a Medium minimum is met by the Critical one only.
    expect(matchRules(scan, facts(), [testRule({ minSeverity: Severity.MEDIUM })])[0].findingIds).toEqual([232]);
  });

  it("does not match finding conditions on an event that lists no findings", () => {
    expect(matchRules(productAdded, facts(), [testRule({ minSeverity: Severity.INFO })])).toEqual([]);
    expect(matchRules(productAdded, facts(), [testRule({ verified: true })])).toEqual([]);
  });

  it("matches verified and active on DefectDojo's status of each listed finding", () => {
    const status = { 232: { verified: false, active: true }, 234: { verified: true, active: true } };
    expect(matchRules(scan, facts({}, status), [testRule({ verified: true })])[0].findingIds).toEqual([234]);
    expect(matchRules(scan, facts({}, status), [testRule({ verified: false })])[0].findingIds).toEqual([232]);
    expect(matchRules(scan, facts({}, status), [testRule({ active: false })])).toEqual([]);
    // Unknown status (DefectDojo had no answer for it) meets no status condition.
    expect(matchRules(scan, facts(), [testRule({ verified: false })])).toEqual([]);
    // Conditions combine: verified and at least High — no finding is both.
    expect(matchRules(scan, facts({}, status), [testRule({ verified: true, minSeverity: Severity.HIGH })])).toEqual([]);
  });

  it("matches tags on the product (any event) or on listed findings, ignoring case", () => {
    expect(matchRules(productAdded, facts({ productTags: ["pci"] }), [testRule({ tags: ["PCI"] })])[0].findingIds).toBeNull();
    expect(matchRules(productAdded, facts({ productTags: ["internal"] }), [testRule({ tags: ["pci"] })])).toEqual([]);
    const tagged = matchRules(scan, facts({}, { 234: { tags: ["Internet-Facing"] } }), [testRule({ tags: ["internet-facing"] })]);
    expect(tagged[0].findingIds).toEqual([234]);
  });

  it("stops at the first match unless that rule says continue", () => {
    const rules = [
      testRule({ name: "miss", productIds: [99] }),
      testRule({ name: "first", continue: true }),
      testRule({ name: "second" }),
      testRule({ name: "never reached" }),
    ];
    expect(names(matchRules(scan, facts(), rules))).toEqual(["first", "second"]);
    expect(names(matchRules(scan, facts(), [testRule({ name: "only" }), testRule({ name: "after" })]))).toEqual(["only"]);
  });
});
