import {
  describeEvent,
  DIGEST_KINDS_MAX,
  DIGEST_LISTED_MAX,
  LINK_ONLY_TITLE,
  LISTED_FINDINGS_MAX,
  truncate,
  unlistedFindingsLine,
} from "../../src/channels/message-content";
import { eventHeading } from "../../src/events/notification-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { BIG_DIGEST_LINES, bigDigest, digestEntry, digestEvent, findingRef } from "../support/digest-events";
import { allWebhookFixtures, DojoVersion, eventNameOf, repairedDoubledUrl, webhookFixture } from "../support/fixtures";
import { privateTexts } from "../support/private-texts";

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

describe("describeEvent in link-only mode", () => {
  const linkOnly = { linkOnly: true };

  it.each(allWebhookFixtures())("says what happened in DefectDojo %s %s, with counts and a link only", (version, fixture, body) => {
    const content = describeEvent(event(fixture, version), DOJO_URL, linkOnly);
    expect(content).toMatchObject({
      heading: eventHeading(eventNameOf(fixture)),
      title: LINK_ONLY_TITLE,
      text: null,
      link: typeof body.url_ui === "string" ? repairedDoubledUrl(body.url_ui) : DOJO_URL,
      findings: [],
      unlistedFindings: 0,
    });
    for (const fact of content.facts) expect(fact.value).toMatch(/^\d+$/);
    const everything = JSON.stringify(content);
    for (const secret of privateTexts(body)) expect(everything).not.toContain(JSON.stringify(secret).slice(1, -1));
  });

  it("counts a scan's findings by change and by severity, naming nothing", () => {
    expect(describeEvent(event("scan_added", "3.x"), null, linkOnly).facts).toEqual([
      { label: "New findings", value: "1" },
      { label: "Reactivated findings", value: "1" },
      { label: "Mitigated findings", value: "1" },
      { label: "Untouched findings", value: "1" },
      { label: "Critical findings", value: "1" },
      { label: "Low findings", value: "1" },
    ]);
    expect(describeEvent(event("review_requested", "3.x"), null, linkOnly).facts).toEqual([{ label: "Critical findings", value: "1" }]);
    expect(describeEvent(event("product_added", "3.x"), null, linkOnly).facts).toEqual([]);
  });

  it("does not let an unknown severity through as a label", () => {
    const odd = event("scan_added", "3.x", { findings: { new: [finding(1, "<b>Severe</b>"), finding(2, "high")], reactivated: [] } });
    expect(describeEvent(odd, null, linkOnly).facts.slice(4)).toEqual([{ label: "High findings", value: "1" }]);
  });

  it("ignores a template, which could bring the titles back", () => {
    const scan = event("scan_added", "3.x");
    const template = { title: "{{title}}", text: "{{description}}" };
    expect(describeEvent(scan, DOJO_URL, { linkOnly: true, template })).toEqual(describeEvent(scan, DOJO_URL, linkOnly));
  });
});

describe("describeEvent for a digest", () => {
  const mixed = () =>
    digestEvent([
      digestEntry(1, "scan_added", [
        findingRef(11, "Low"),
        findingRef(12, "Critical"),
        findingRef(13, "High"),
        findingRef(14, "Info"),
        findingRef(15, "Medium"),
      ]),
      digestEntry(2, "engagement_added", [], "  Engagement created for notif prod  "),
      digestEntry(3, "finding_added", [findingRef(31, "Critical"), findingRef(32, "High")]),
      digestEntry(4, "scan_added", [findingRef(41, "Unheard-of")]),
      { ...digestEntry(5, "sla_breach", [], ""), urlUi: "javascript:alert(1)" },
    ]);

  it("counts findings per severity and events per kind, and says for what and over how long", () => {
    const content = describeEvent(mixed(), DOJO_URL);
    expect(content).toMatchObject({
      heading: "DefectDojo digest",
      title: "5 notifications for notif prod in the last 5 minutes",
      text: null,
      link: "http://localhost:8080/product/4",
      unlistedFindings: 0,
      listKind: "mixed",
    });
    expect(content.facts).toEqual([
      { label: "Critical findings", value: "2" },
      { label: "High findings", value: "2" },
      { label: "Medium findings", value: "1" },
      { label: "Low findings", value: "1" },
      { label: "Info findings", value: "1" },
      { label: "Scan Added", value: "2" },
      { label: "Engagement Added", value: "1" },
      { label: "Finding Added", value: "1" },
      { label: "Sla Breach", value: "1" },
    ]);
  });

  it("lists every finding most severe first, then a line per event without findings", () => {
    const link = (path: string) => `http://localhost:8080/${path}`;
    expect(describeEvent(mixed(), DOJO_URL).findings).toEqual([
      { severity: "Critical", title: "Finding 12", link: link("finding/12") },
      { severity: "Critical", title: "Finding 31", link: link("finding/31") },
      { severity: "High", title: "Finding 13", link: link("finding/13") },
      { severity: "High", title: "Finding 32", link: link("finding/32") },
      { severity: "Medium", title: "Finding 15", link: link("finding/15") },
      { severity: "Low", title: "Finding 11", link: link("finding/11") },
      { severity: "Info", title: "Finding 14", link: link("finding/14") },
      { severity: "Unheard-of", title: "Finding 41", link: link("finding/41") },
      { severity: "Engagement Added", title: "Engagement created for notif prod", link: link("event/2") },
      { severity: "Sla Breach", title: "Sla Breach", link: null },
    ]);
  });

  it("says when it was held for quiet hours, and words the window as a reader would", () => {
    const titled = (windowSeconds: number, groupLabel: string | null = null, entries = 2) =>
      describeEvent(digestEvent(Array.from({ length: entries }, (_, i) => digestEntry(i + 1, "test_added")), { windowSeconds, groupLabel }), null)
        .title;
    expect(describeEvent(digestEvent([digestEntry(1, "test_added")], { reason: "quiet_hours" }), null).heading).toBe(
      "Held during your quiet hours",
    );
    expect(titled(60, null, 1)).toBe("1 notification in the last minute");
    expect(titled(3600)).toBe("2 notifications in the last hour");
    expect(titled(8 * 3600, "  notif eng  ")).toBe("2 notifications for notif eng in the last 8 hours");
    expect(titled(5400)).toBe("2 notifications in the last 90 minutes");
    expect(titled(90)).toBe("2 notifications in the last 90 seconds");
    expect(titled(2 * 86_400)).toBe("2 notifications in the last 2 days");
    expect(titled(60, "x".repeat(1000))).toMatch(/^2 notifications for x+… in the last minute$/);
  });

  it("lists only the findings when every event has some, and only events when none has", () => {
    expect(describeEvent(digestEvent([digestEntry(1, "scan_added", [findingRef(1, "Low")])]), null).listKind).toBe("findings");
    expect(describeEvent(digestEvent([digestEntry(1, "test_added")]), null).listKind).toBe("events");
  });

  it("caps the lines at DIGEST_LISTED_MAX, most severe first, and counts the rest", () => {
    const content = describeEvent(bigDigest(), DOJO_URL);
    expect(content.findings).toHaveLength(DIGEST_LISTED_MAX);
    expect(content.findings.every((line) => line.severity === "Critical")).toBe(true);
    expect(content.findings.length + content.unlistedFindings).toBe(BIG_DIGEST_LINES);
    expect(content.facts.slice(0, 5).map((fact) => fact.value)).toEqual(["200", "200", "200", "200", "200"]);
    expect(content.facts.slice(5)).toEqual([
      { label: "Scan Added", value: "1" },
      { label: "Engagement Added", value: "10" },
      { label: "Test Added", value: "10" },
      { label: "Sla Breach", value: "10" },
      { label: "Finding Added", value: "10" },
      { label: "Product Added", value: "10" },
    ]);
    expect(unlistedFindingsLine(content.unlistedFindings, content.listKind)).toBe("…and 850 more in DefectDojo");
  });

  it("counts kinds past DIGEST_KINDS_MAX together", () => {
    const entries = Array.from({ length: DIGEST_KINDS_MAX + 3 }, (_, i) => digestEntry(i, `kind_${i}`));
    const kinds = describeEvent(digestEvent([...entries, digestEntry(99, "kind_12")]), null).facts;
    expect(kinds).toHaveLength(DIGEST_KINDS_MAX);
    expect(kinds[0]).toEqual({ label: "Kind 0", value: "1" });
    expect(kinds.at(-1)).toEqual({ label: "Other events", value: "5" });
  });

  it("words the unlisted line for findings, events or both", () => {
    expect(unlistedFindingsLine(1)).toBe("…and 1 more finding in DefectDojo");
    expect(unlistedFindingsLine(2, "events")).toBe("…and 2 more events in DefectDojo");
    expect(unlistedFindingsLine(1, "events")).toBe("…and 1 more event in DefectDojo");
    expect(unlistedFindingsLine(3, "mixed")).toBe("…and 3 more in DefectDojo");
  });

  it("in link-only mode lists one line per event with its counts, and no title or group name", () => {
    const content = describeEvent(mixed(), DOJO_URL, { linkOnly: true });
    expect(content.title).toBe("5 notifications in the last 5 minutes");
    expect(content.listKind).toBe("events");
    expect(content.findings).toEqual([
      { severity: "Scan Added", title: "1 Critical, 1 High, 1 Medium, 1 Low, 1 Info", link: "http://localhost:8080/event/1" },
      { severity: "Engagement Added", title: "Details in DefectDojo", link: "http://localhost:8080/event/2" },
      { severity: "Finding Added", title: "1 Critical, 1 High", link: "http://localhost:8080/event/3" },
      { severity: "Scan Added", title: "Details in DefectDojo", link: "http://localhost:8080/event/4" },
      { severity: "Sla Breach", title: "Details in DefectDojo", link: null },
    ]);
    expect(content.facts).toEqual(describeEvent(mixed(), DOJO_URL).facts);
    const everything = JSON.stringify(content);
    for (const secret of ["notif prod", "Engagement created", "Finding 1", "Event "]) expect(everything).not.toContain(secret);
  });

  it("in link-only mode caps a big digest's lines too", () => {
    const entries = Array.from({ length: DIGEST_LISTED_MAX + 5 }, (_, i) => digestEntry(i, "test_added"));
    const content = describeEvent(digestEvent(entries), null, { linkOnly: true });
    expect(content.findings).toHaveLength(DIGEST_LISTED_MAX);
    expect(content.unlistedFindings).toBe(5);
  });
});
