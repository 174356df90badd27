import { describeEvent, MessageContent } from "../../src/channels/message-content";
import { renderMail } from "../../src/channels/mail/mail-message";
import { renderTeamsMessage } from "../../src/channels/msteams/adaptive-card";
import { renderSlackMessage } from "../../src/channels/slack/slack-message";
import { DojoEvent } from "../../src/events/dojo-event";
import { InvalidPayloadError, parseWebhookPayload } from "../../src/events/webhook-payload";
import { allNamelessWebhookFixtures, allWebhookFixtures, DojoVersion, eventNameOf, namelessWebhookFixture, webhookFixture } from "../support/fixtures";

const INSTANCE = "http://localhost:8080";

// Where DefectDojo keeps its webhook templates (X-DefectDojo-Event picks `<event>.tpl`, else other.tpl):
const CLASSIC_3_2 = "3.2 (HEAD) dojo/templates_classic/notifications/webhooks/"; // the template loader tries it first
const APP_3_2 = "3.2 (HEAD) dojo/notifications/templates/notifications/webhooks/";
const APP_2_58 = "2.58.2-changelog dojo/notifications/templates/notifications/webhooks/";

interface NullableField {
  path: readonly string[];
  /** The template that writes it, in each tree that has it. */
  written: string[];
  /** Why DefectDojo can write null there. */
  why: string;
  /** What the bridge shows instead, for one fixture's body. */
  label?: (body: Record<string, any>) => { fact: string; value: string };
}

/**
 * Every field of DefectDojo's webhook templates that can be written as `null`. Every string is
 * written with `as_json_no_html_esc` (json.dumps, dojo/templatetags/as_json.py), so a Python None
 * becomes `null` (a variable missing from the context becomes `""`).
 *
 * Never null, so still type-checked: `product.name`, `product_type.name` (CharField without null,
 * 3.2 dojo/product/models.py and dojo/product_type/models.py, 2.58 dojo/models.py), a finding's
 * `title` and `severity` (3.2 dojo/finding/models.py), the user's `email`, `username`, `first_name`
 * and `last_name` (Django's AbstractUser), every `id` (`.pk`), every object's `url_ui` / `url_api`
 * (`{% url %}` then `full_url`, dojo/templatetags/display_tags.py: always a string), the finding lists
 * (`{% empty %} []`, subtemplates/findings_list.tpl) and `finding_count` (an int from
 * dojo/importers/base_importer.py).
 */
const NULLABLE_FIELDS: NullableField[] = [
  {
    path: ["title"],
    written: [`${CLASSIC_3_2}subtemplates/base.tpl`, `${APP_3_2}subtemplates/base.tpl`, `${APP_2_58}subtemplates/base.tpl`],
    why: "create_notification(title=None) is its default (dojo/notifications/helper.py)",
  },
  {
    path: ["description"],
    written: [`${CLASSIC_3_2}subtemplates/base.tpl`, `${APP_3_2}subtemplates/base.tpl`, `${APP_2_58}subtemplates/base.tpl`],
    why: "None in 2.39; _create_description fills it in since 2.40 (dojo/notifications/helper.py)",
  },
  {
    path: ["user"],
    written: [`${CLASSIC_3_2}subtemplates/user.tpl`, `${APP_3_2}subtemplates/user.tpl`, `${APP_2_58}subtemplates/user.tpl`],
    why: "`{% else %} user: {{ user | as_json_no_html_esc }}`: the endpoint has no owner (a system endpoint)",
  },
  {
    path: ["engagement", "name"],
    written: [`${CLASSIC_3_2}subtemplates/engagement.tpl`, `${APP_3_2}subtemplates/engagement.tpl`, `${APP_2_58}subtemplates/engagement.tpl`],
    why: "Engagement.name = CharField(null=True) (3.2 dojo/engagement/models.py, 2.58 dojo/models.py)",
    // Engagement.__str__: "Engagement <id>: <name or ''> (<start>)".
    label: (body) => ({ fact: "Engagement", value: `Engagement ${body.engagement.id}` }),
  },
  {
    path: ["test", "title"],
    written: [`${CLASSIC_3_2}subtemplates/test.tpl`, `${APP_3_2}subtemplates/test.tpl`, `${APP_2_58}subtemplates/test.tpl`],
    why: "Test.title = CharField(null=True) (3.2 dojo/test/models.py, 2.58 dojo/models.py)",
    // Test.__str__ without a title is its test type, which the fixtures' titles carry as "notif test (Acunetix Scan)".
    label: () => ({ fact: "Test", value: "notif test (Acunetix Scan)" }),
  },
  {
    path: ["requested_by"],
    written: [`${APP_3_2}review_requested.tpl (from 3.1.302; templates_classic has none)`],
    why: "`{% else %} requested_by: {{ requested_by | as_json_no_html_esc }}` when no requester is given",
  },
];

const NONSENSE = /\b(null|undefined|None|NaN)\b|\[object Object\]/;

function withNull(body: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(body) as Record<string, any>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  parent[path[path.length - 1]] = null;
  return copy;
}

function has(body: Record<string, unknown>, path: readonly string[]): boolean {
  let value: any = body;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !(key in value)) return false;
    value = value[key];
  }
  return true;
}

/** The fixtures (both versions) that carry the field; review_requested's 3.x template is the only one with requested_by. */
function bodiesWith(path: readonly string[]): Array<[DojoVersion, string, Record<string, unknown>]> {
  const bodies = allWebhookFixtures().filter(([, , body]) => has(body, path));
  if (bodies.length === 0) throw new Error(`no fixture has ${path.join(".")}`);
  return bodies;
}

/** The texts a reader sees in a Slack block list or a Teams card: every `text`, `title` and `value`, not the markup's own keywords. */
function shownTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(shownTexts);
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    typeof inner === "string" ? (["text", "title", "value"].includes(key) ? [inner] : []) : shownTexts(inner),
  );
}

/** What each channel would show. */
function rendered(content: MessageContent): string[] {
  const slack = renderSlackMessage(content);
  const mail = renderMail(content);
  return [slack.text, ...shownTexts(slack.blocks), ...shownTexts(JSON.parse(renderTeamsMessage(content))), mail.subject, mail.text, mail.html];
}

function expectSensible(event: DojoEvent): MessageContent {
  const content = describeEvent(event, null);
  expect(content.title.trim()).not.toBe("");
  expect(content.title).not.toMatch(NONSENSE);
  for (const fact of content.facts) {
    expect(fact.value.trim()).not.toBe("");
    expect(fact.value).not.toMatch(NONSENSE);
  }
  for (const text of rendered(content)) expect(text).not.toMatch(NONSENSE);
  return content;
}

describe("fields DefectDojo's webhook templates write as null", () => {
  it("the table names a template in every tree that has it", () => {
    for (const field of NULLABLE_FIELDS) expect(field.written.length).toBeGreaterThan(0);
    expect(NULLABLE_FIELDS.map((field) => field.path.join("."))).toEqual(["title", "description", "user", "engagement.name", "test.title", "requested_by"]);
  });

  describe.each(NULLABLE_FIELDS.map((field) => [field.path.join("."), field] as const))("%s: null", (_name, field) => {
    it.each(bodiesWith(field.path))("is accepted in DefectDojo %s %s and renders with a label", (_version, fixture, body) => {
      const event = parseWebhookPayload(eventNameOf(fixture), INSTANCE, withNull(body, field.path));
      const content = expectSensible(event);
      const label = field.label?.(body);
      if (label) expect(content.facts).toContainEqual({ label: label.fact, value: label.value });
    });
  });

  it("still refuses what DefectDojo never writes as null", () => {
    for (const path of [["product", "name"], ["product_type", "name"], ["engagement", "id"], ["test", "id"]]) {
      expect(() => parseWebhookPayload("scan_added", INSTANCE, withNull(webhookFixture("scan_added", "3.x"), path))).toThrow(InvalidPayloadError);
    }
    const findings = webhookFixture("scan_added", "3.x") as Record<string, any>;
    findings.findings.new[0].title = null;
    expect(() => parseWebhookPayload("scan_added", INSTANCE, findings)).toThrow(/findings\.new\.0\.title/);
  });
});

describe("a nameless engagement and an untitled test, as DefectDojo sends them", () => {
  it.each(allNamelessWebhookFixtures())("DefectDojo %s %s is accepted and labelled", (_version, fixture, body) => {
    const event = parseWebhookPayload(eventNameOf(fixture), INSTANCE, body);
    const content = expectSensible(event);
    if (event.engagement) expect(event.engagement.name).toBe("Engagement 7");
    // Test.__str__ of an untitled test is its test type, as the title DefectDojo wrote shows it.
    if (event.test) expect(event.test.name).toBe("Acunetix Scan");
    expect(content.title).not.toContain("None");
  });

  it("says the engagement's label where DefectDojo's title says None", () => {
    const title = (fixture: string, version: DojoVersion = "2.x") =>
      parseWebhookPayload(fixture, INSTANCE, namelessWebhookFixture(fixture, version)).title;
    // dojo/engagement/signals.py: 'Engagement created for "%(product)s": %(name)s'
    expect(title("engagement_added")).toBe('Engagement created for "notif prod": Engagement 7');
    // dojo/importers/default_importer.py and base_importer.py: f"…for {product}: {engagement.name}: {test}"
    expect(title("test_added")).toBe("Test created for notif prod: Engagement 7: Acunetix Scan");
    expect(title("scan_added", "3.x")).toBe("Created/Updated 4 findings for notif prod: Engagement 7: Acunetix Scan");
    // dojo/finding/ui/views.py (3.x template): "…for Test created for {product}: {engagement.name}: {test} - {finding.title}"
    expect(title("review_requested", "3.x")).toBe(
      "Finding review requested for Test created for notif prod: Engagement 7: Acunetix Scan - New Finding",
    );
    // engagement_closed goes through other.tpl: only its link names the engagement.
    const closed = parseWebhookPayload("engagement_closed", INSTANCE, namelessWebhookFixture("engagement_closed"));
    expect([closed.title, closed.description]).toEqual(["Closure of Engagement 7", 'The engagement "Engagement 7" was closed']);
  });

  it("keeps DefectDojo's words for a named engagement, and a blank name gets the label too", () => {
    const named = parseWebhookPayload("engagement_added", INSTANCE, webhookFixture("engagement_added"));
    expect([named.title, named.engagement?.name]).toEqual(['Engagement created for "notif prod": notif eng', "notif eng"]);
    // An engagement named "None" is not a nameless one: its title is left alone.
    const literal = { ...webhookFixture("engagement_added"), title: 'Engagement created for "notif prod": None' } as Record<string, any>;
    literal.engagement = { ...literal.engagement, name: "None" };
    expect(parseWebhookPayload("engagement_added", INSTANCE, literal).title).toBe('Engagement created for "notif prod": None');
    // blank=True lets DefectDojo's forms save "" too; Engagement.__str__ treats it as no name (`self.name or ""`).
    const blank = { ...namelessWebhookFixture("engagement_added"), title: 'Engagement created for "notif prod": ' } as Record<string, any>;
    blank.engagement = { ...blank.engagement, name: "" };
    const event = parseWebhookPayload("engagement_added", INSTANCE, blank);
    expect([event.title, event.engagement?.name]).toEqual(['Engagement created for "notif prod": Engagement 7', "Engagement 7"]);
  });

  it("names an untitled test by its id when the title does not tell its type", () => {
    const body = { ...namelessWebhookFixture("test_added"), title: "something else" };
    expect(parseWebhookPayload("test_added", INSTANCE, body).test?.name).toBe("Test 90");
  });
});
