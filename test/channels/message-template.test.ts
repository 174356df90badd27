import { renderMail } from "../../src/channels/mail/mail-message";
import { describeEvent, MessageContent, TITLE_MAX_CHARS } from "../../src/channels/message-content";
import {
  applyTemplate,
  MessageTemplate,
  TEMPLATE_PLACEHOLDERS,
  TEMPLATE_TEXT_MAX_CHARS,
  TEMPLATE_TITLE_MAX_CHARS,
  validateTemplate,
} from "../../src/channels/message-template";
import { renderTeamsMessage } from "../../src/channels/msteams/adaptive-card";
import { renderSlackMessage } from "../../src/channels/slack/slack-message";
import { DojoEvent } from "../../src/events/dojo-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { allWebhookFixtures, DojoVersion, eventNameOf, webhookFixture } from "../support/fixtures";

const DOJO_URL = "https://dojo.example.com/";
const ALL_PLACEHOLDERS = Object.keys(TEMPLATE_PLACEHOLDERS);

const event = (fixture: string, version: DojoVersion = "2.x", changes: Record<string, unknown> = {}) =>
  parseWebhookPayload(eventNameOf(fixture), null, { ...webhookFixture(fixture, version), ...changes });

/** What a channel shows for the event with the template: the content describeEvent builds, templated. */
const templated = (dojoEvent: DojoEvent, template: MessageTemplate): MessageContent =>
  applyTemplate(describeEvent(dojoEvent, DOJO_URL), dojoEvent, template);

const finding = (id: number, severity: string) => ({ id, title: `Finding ${id}`, severity, url_ui: null });

describe("applyTemplate", () => {
  it("fills every placeholder from a scan and keeps the rest of the content", () => {
    const scan = event("scan_added", "3.x");
    const template: MessageTemplate = {
      title: "{{event}} in {{product}}: {{severity_counts}}",
      text: [
        "type={{product_type}} eng={{engagement}} test={{test}}",
        "count={{finding_count}} new={{new_findings}} finding=[{{finding}}]",
        "title={{title}}",
        "description=[{{description}}] url={{url}}",
      ].join("\n"),
    };
    const content = templated(scan, template);
    expect(content.title).toBe("Scan Added in notif prod: 1 Critical, 1 Low");
    expect(content.text).toBe(
      [
        "type=notif prod type eng=notif eng test=notif test",
        "count=2 new=1 finding=[]",
        "title=Created/Updated 4 findings for notif prod: notif eng: notif test (Acunetix Scan)",
        // DefectDojo's "Event scan_added has occurred." filler is no description.
        "description=[] url=http://localhost:8080/test/90",
      ].join("\n"),
    );
    const untemplated = describeEvent(scan, DOJO_URL);
    expect({ ...content, title: untemplated.title, text: untemplated.text }).toEqual(untemplated);
  });

  it("allows spaces inside the braces", () => {
    expect(templated(event("product_added"), { title: "{{ product }}/{{product  }}/{{  event}}", text: null }).title).toBe(
      "notif prod/notif prod/Product Added",
    );
  });

  it("makes missing values empty, and a title that comes out empty keeps the default", () => {
    const sla = event("sla_breach");
    expect(templated(sla, { title: "[{{product}}|{{finding_count}}|{{new_findings}}|{{severity_counts}}] {{title}}", text: null }).title).toBe(
      "[|||] Finding 232 - SLA breached by 2 days! Overdue notice",
    );
    const content = templated(sla, { title: " {{product}} ", text: "{{engagement}}" });
    expect(content.title).toBe("Finding 232 - SLA breached by 2 days! Overdue notice");
    expect(content.text).toBeNull();
  });

  it("keeps DefectDojo's title or text for a null or blank part", () => {
    const added = event("product_added", "3.x");
    const untemplated = describeEvent(added, DOJO_URL);
    expect(untemplated.text).toBe("Asset notif prod has been created successfully.");
    expect(templated(added, { title: null, text: "New: {{product}}" })).toMatchObject({
      title: untemplated.title,
      text: "New: notif prod",
    });
    expect(templated(added, { title: "New: {{product}}", text: "  \n" })).toMatchObject({
      title: "New: notif prod",
      text: untemplated.text,
    });
  });

  it("counts findings of one event, and DefectDojo's count where no findings are listed", () => {
    const many = event("scan_added", "3.x", {
      findings: {
        new: [...Array(25)].map((_, i) => finding(i + 1, i % 2 ? "High" : "Critical")),
        reactivated: [finding(100, "Weird"), finding(101, "Info"), finding(102, "Medium")],
        mitigated: [finding(200, "Critical")],
      },
    });
    // Every listed finding counts, not only the 20 a message lists; unknown severities go last.
    expect(templated(many, { title: "{{finding_count}} / {{new_findings}}: {{severity_counts}}", text: null }).title).toBe(
      "28 / 25: 13 Critical, 12 High, 1 Medium, 1 Info, 1 Weird",
    );
    const counted = event("sla_breach", "2.x", { finding_count: 7 });
    expect(templated(counted, { title: "{{finding_count}}", text: null }).title).toBe("7");
    const one = event("review_requested", "3.x");
    expect(templated(one, { title: "{{finding}}: {{severity_counts}}", text: null }).title).toBe(
      `${one.finding!.title}: 1 ${one.finding!.severity}`,
    );
  });

  it("substitutes once: a value that reads like a placeholder stays as typed", () => {
    const sneaky = event("product_added", "2.x", { product: { id: 1, name: "{{title}} {{url}}", url_ui: null } });
    expect(templated(sneaky, { title: "{{product}}", text: null }).title).toBe("{{title}} {{url}}");
  });

  it("leaves an unknown placeholder as typed (validation keeps them out of storage)", () => {
    expect(templated(event("product_added"), { title: "{{nope}} {{product}}", text: null }).title).toBe("{{nope}} notif prod");
  });

  it("cuts a long result to the title limit", () => {
    const long = event("product_added", "2.x", { product: { id: 1, name: "p".repeat(500), url_ui: null } });
    const title = templated(long, { title: "{{product}}", text: null }).title;
    expect(Array.from(title)).toHaveLength(TITLE_MAX_CHARS);
    expect(title.endsWith("…")).toBe(true);
  });

  it("fills every placeholder for every DefectDojo fixture", () => {
    const everything = ALL_PLACEHOLDERS.map((name) => `{{${name}}}`).join(" ");
    for (const [version, fixture] of allWebhookFixtures()) {
      const content = templated(event(fixture, version), { title: everything, text: everything });
      expect(content.title).not.toContain("{{");
      expect(content.text ?? "").not.toContain("{{");
    }
  });

  it("leaves values raw, so each channel escapes them and the template's own words like DefectDojo's text", () => {
    const hostile = "<!channel> *bold* [x](http://evil) <http://evil|click>\r\nBcc: victim@example.com";
    const dojoEvent = event("product_added", "2.x", { product: { id: 1, name: hostile, url_ui: null } });
    const content = templated(dojoEvent, { title: "<!here> {{product}}", text: "_admin_ [y](http://evil2) {{product}}" });
    expect(content.title).toBe(`<!here> ${hostile}`);

    const slack = JSON.stringify(renderSlackMessage(content));
    expect(slack).not.toMatch(/<!channel>|<!here>|<http:\/\/evil\|/);
    expect(slack).toContain("&lt;!channel&gt;");
    expect(slack).toContain("&lt;!here&gt;");

    const teams = renderTeamsMessage(content);
    expect(teams).not.toContain("[x](http://evil)");
    expect(teams).not.toContain("[y](http://evil2)");
    expect(teams).toContain("\\\\[x\\\\](http://evil)");

    const mail = renderMail(content);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.html).not.toContain("<!here>");
    expect(mail.html).toContain("&lt;!here&gt;");
  });
});

describe("validateTemplate", () => {
  it("accepts every placeholder, with or without spaces, in either part", () => {
    expect(validateTemplate({ title: ALL_PLACEHOLDERS.map((name) => `{{ ${name} }}`).join(""), text: null })).toEqual([]);
    expect(validateTemplate({ title: null, text: ALL_PLACEHOLDERS.map((name) => `{{${name}}} {{  ${name}}}`).join("\n") })).toEqual([]);
    expect(validateTemplate({ title: "Plain words, no placeholders { } {x}", text: null })).toEqual([]);
    expect(validateTemplate({ title: null, text: "{{title}}" })).toEqual([]);
  });

  it("refuses an empty template", () => {
    for (const template of [
      { title: null, text: null },
      { title: "", text: " \n\t" },
    ]) {
      expect(validateTemplate(template)).toEqual(["the template is empty: give it a title, a text or both"]);
    }
  });

  it("names unknown placeholders and lists the allowed ones", () => {
    const [problem, ...rest] = validateTemplate({ title: "{{Product}} {{ owner }} {{Product}} {{}}", text: "{{product}}" });
    expect(rest).toEqual([]);
    expect(problem).toBe(
      `title has unknown placeholders {{Product}}, {{ owner }}, {{}} (the placeholders are ${ALL_PLACEHOLDERS.join(", ")})`,
    );
  });

  it("finds unbalanced braces and says where", () => {
    expect(validateTemplate({ title: "{{product}} in {{engagement", text: null })).toEqual([
      'title has unbalanced braces: "{{" without "}}" at character 16',
    ]);
    expect(validateTemplate({ title: null, text: "product}} and {{title}}" })).toEqual([
      'text has unbalanced braces: "}}" without "{{" at character 8',
    ]);
    expect(validateTemplate({ title: "{{ti{{tle}}", text: null })).toEqual([
      `title has unknown placeholders {{tle}} (the placeholders are ${ALL_PLACEHOLDERS.join(", ")})`,
      'title has unbalanced braces: "{{" without "}}" at character 1',
    ]);
  });

  it("limits each part's length in characters, not UTF-16 units", () => {
    expect(TEMPLATE_TITLE_MAX_CHARS).toBe(300);
    expect(TEMPLATE_TEXT_MAX_CHARS).toBe(3000);
    expect(validateTemplate({ title: "🔥".repeat(300), text: "x".repeat(3000) })).toEqual([]);
    expect(validateTemplate({ title: "🔥".repeat(301), text: "x".repeat(3001) })).toEqual([
      "title is 301 characters long, at most 300 are allowed",
      "text is 3001 characters long, at most 3000 are allowed",
    ]);
  });

  it("documents every placeholder", () => {
    for (const description of Object.values(TEMPLATE_PLACEHOLDERS)) expect(description.length).toBeGreaterThan(10);
    expect(ALL_PLACEHOLDERS).toEqual(expect.arrayContaining(["event", "title", "product", "finding_count", "severity_counts", "url"]));
  });
});
