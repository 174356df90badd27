import { describeEvent, LISTED_FINDINGS_MAX, truncate, unlistedFindingsLine } from "../../src/channels/message-content";
import { eventHeading } from "../../src/events/notification-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { allWebhookFixtures, DojoVersion, eventNameOf, repairedDoubledUrl, webhookFixture } from "../support/fixtures";

// As a URL's href has it: DOJO_URL comes without the slash and links get it back.
const DOJO_URL = "https://dojo.example.com/";

const event = (fixture: string, version: DojoVersion = "2.x", changes: Record<string, unknown> = {}) =>
  parseWebhookPayload(eventNameOf(fixture), "http://localhost:8080", { ...webhookFixture(fixture, version), ...changes });

const finding = (id: number, severity: string) => ({
  id,
  title: `Finding ${id}`,
  severity,
  url_ui: `http://localhost:8080/finding/${id}`,
});

describe("describeEvent", () => {
  it.each(allWebhookFixtures())("describes DefectDojo %s %s", (version, fixture, body) => {
    const content = describeEvent(event(fixture, version), DOJO_URL);
    const heading = eventHeading(eventNameOf(fixture));
    expect(content.heading).toBe(heading);
    expect(content.title).toBe(String(body.title).trim() || heading);
    expect(content.link).toBe(typeof body.url_ui === "string" ? repairedDoubledUrl(body.url_ui) : DOJO_URL);
    const description = String(body.description);
    expect(content.text).toBe(description.startsWith("Event ") ? null : description);
  });

  it("keeps a real description and drops DefectDojo's filler", () => {
    expect(describeEvent(event("product_added", "3.x"), null).text).toBe("Asset notif prod has been created successfully.");
    expect(describeEvent(event("scan_added"), null).text).toBeNull();
    expect(describeEvent(event("review_requested"), null).text).toContain("\n\nPlease double check this one");
  });

  it("lists the objects and, for scans, the counts as facts", () => {
    expect(describeEvent(event("scan_added", "3.x"), null).facts).toEqual([
      { label: "Product Type", value: "notif prod type" },
      { label: "Product", value: "notif prod" },
      { label: "Engagement", value: "notif eng" },
      { label: "Test", value: "notif test" },
      { label: "New findings", value: "1" },
      { label: "Reactivated findings", value: "1" },
      { label: "Mitigated findings", value: "1" },
      { label: "Untouched findings", value: "1" },
    ]);
    expect(describeEvent(event("product_type_added"), null).facts).toEqual([
      { label: "Product Type", value: "notif prod type" },
    ]);
    expect(describeEvent(event("sla_breach"), null).facts).toEqual([]);
  });

  it("lists new and reactivated findings of a scan, most severe first, and not the mitigated ones", () => {
    expect(describeEvent(event("scan_added"), null).findings).toEqual([
      { severity: "Critical", title: "New Finding", link: "http://localhost:8080/finding/232" },
      { severity: "Low", title: "Reactivated Finding", link: "http://localhost:8080/finding/234" },
    ]);
    const mixed = event("scan_added", "3.x", {
      findings: {
        new: [finding(1, "Low"), finding(2, "Unheard-of"), finding(3, "Critical")],
        reactivated: [finding(4, "Info"), finding(5, "High"), finding(6, "Medium")],
      },
    });
    expect(describeEvent(mixed, null).findings.map((f) => f.severity)).toEqual([
      "Critical",
      "High",
      "Medium",
      "Low",
      "Info",
      "Unheard-of",
    ]);
  });

  it("lists the finding a review is requested for (3.x sends it; 2.x does not)", () => {
    expect(describeEvent(event("review_requested", "3.x"), null).findings).toEqual([
      { severity: "Critical", title: "New Finding", link: "http://localhost:8080/finding/232" },
    ]);
    expect(describeEvent(event("review_requested", "2.x"), null).findings).toEqual([]);
  });

  it("caps the list and counts what it leaves out", () => {
    const news = Array.from({ length: 3000 }, (_, i) => finding(i + 1, i % 7 === 0 ? "Critical" : "Low"));
    const content = describeEvent(event("scan_added", "3.x", { findings: { new: news, reactivated: [] } }), null);
    expect(content.findings).toHaveLength(LISTED_FINDINGS_MAX);
    expect(content.findings.every((f) => f.severity === "Critical")).toBe(true);
    expect(content.unlistedFindings).toBe(3000 - LISTED_FINDINGS_MAX);
    expect(unlistedFindingsLine(content.unlistedFindings)).toBe("…and 2980 more findings in DefectDojo");
  });

  it("links only http(s) URLs, falling back to DOJO_URL", () => {
    const script = event("finding_added", "2.x", { url_ui: "javascript:alert(1)" });
    expect(describeEvent(script, "https://dojo.example.com").link).toBe(DOJO_URL);
    expect(describeEvent(script, null).link).toBeNull();
    expect(describeEvent(script, "ftp://dojo").link).toBeNull();
    const spaced = event("finding_added", "2.x", { url_ui: "http://dojo/a b<c>" });
    expect(describeEvent(spaced, null).link).toBe("http://dojo/a%20b%3Cc%3E");
  });

  it("cuts overlong titles at whole characters", () => {
    const content = describeEvent(event("finding_added", "2.x", { title: "😀".repeat(1000) }), null);
    expect(Array.from(content.title)).toHaveLength(300);
    expect(content.title.endsWith("😀…")).toBe(true);
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcd", 3)).toBe("ab…");
  });
});
