import { renderMail } from "../../src/channels/mail/mail-message";
import { describeEvent } from "../../src/channels/message-content";
import { TEMPLATE_PLACEHOLDERS } from "../../src/channels/message-template";
import { renderTeamsMessage } from "../../src/channels/msteams/adaptive-card";
import { renderSlackMessage } from "../../src/channels/slack/slack-message";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { webhookFixture } from "../support/fixtures";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, TESTBED_DOJO_URL, Testbed } from "./graphql-testbed";

const LIST = "{ messageTemplates { event channel title text } }";
const SET = `mutation ($input: MessageTemplateInput!) { setMessageTemplate(input: $input) { event channel title text } }`;
const DELETE = `mutation ($event: NotificationEvent!, $channel: Channel!) { deleteMessageTemplate(event: $event, channel: $channel) }`;
const PREVIEW = `query ($event: String!, $payload: String!, $channel: Channel!, $template: MessageTemplateInput) {
  previewMessage(event: $event, payload: $payload, channel: $channel, template: $template)
}`;

/** DefectDojo 3.x's scan_added: one new Critical, one reactivated Low, in notif prod. */
const SCAN = webhookFixture("scan_added", "3.x");
const SCAN_PAYLOAD = JSON.stringify(SCAN);
const HOSTILE_TITLE = "<!channel> *bold* [x](http://evil)";

type Template = { event: string; channel: string; title: string | null; text: string | null };

describe("message templates over GraphQL", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
  });
  afterEach(() => bed.close());

  const set = async (input: Template) => {
    const result = await bed.run(SUPERUSER, SET, { input });
    expect(result.errors).toBeUndefined();
    return result.data?.setMessageTemplate;
  };
  const list = async () => (await bed.run(SUPERUSER, LIST)).data?.messageTemplates as Template[];
  const preview = async (variables: Record<string, unknown>): Promise<string> => {
    const result = await bed.run(SUPERUSER, PREVIEW, variables);
    expect(result.errors).toBeUndefined();
    return result.data?.previewMessage as string;
  };
  const scanEvent = (body: Record<string, unknown> = SCAN) => parseWebhookPayload("scan_added", null, body);

  describe("set, list and delete", () => {
    it("stores, lists in DefectDojo's order, replaces and deletes templates", async () => {
      expect(await list()).toEqual([]);
      const slack = { event: "SCAN_ADDED", channel: "SLACK", title: "{{event}}: {{ product }}", text: "{{severity_counts}}" };
      expect(await set(slack)).toEqual(slack);
      // A blank part is stored as null: DefectDojo's own text stays.
      expect(await set({ event: "PRODUCT_ADDED", channel: "MAIL", title: "New product {{product}}", text: " " })).toEqual({
        event: "PRODUCT_ADDED",
        channel: "MAIL",
        title: "New product {{product}}",
        text: null,
      });
      expect(await list()).toEqual([{ event: "PRODUCT_ADDED", channel: "MAIL", title: "New product {{product}}", text: null }, slack]);

      const replaced = { ...slack, title: null, text: "only a text" };
      expect(await set(replaced)).toEqual(replaced);
      expect(await list()).toEqual([expect.objectContaining({ event: "PRODUCT_ADDED" }), replaced]);
      // What the delivery worker reads for each message.
      expect(await bed.templates.find(slack.event as never, slack.channel as never)).toEqual({ title: null, text: "only a text" });

      const deleted = await bed.run(SUPERUSER, DELETE, { event: "SCAN_ADDED", channel: "SLACK" });
      expect(deleted).toEqual({ data: { deleteMessageTemplate: true } });
      const again = await bed.run(SUPERUSER, DELETE, { event: "SCAN_ADDED", channel: "SLACK" });
      expect(again).toEqual({ data: { deleteMessageTemplate: false } });
      expect((await list()).map((t) => `${t.event} ${t.channel}`)).toEqual(["PRODUCT_ADDED MAIL"]);
    });

    it("refuses plain users with FORBIDDEN on every field, changing nothing", async () => {
      const stored = { event: "SCAN_ADDED", channel: "SLACK", title: "{{product}}", text: null };
      await set(stored);
      const operations: Array<[string, Record<string, unknown>]> = [
        [LIST, {}],
        [SET, { input: { event: "SCAN_ADDED", channel: "SLACK", title: "mine now", text: null } }],
        [DELETE, { event: "SCAN_ADDED", channel: "SLACK" }],
        [PREVIEW, { event: "scan_added", payload: SCAN_PAYLOAD, channel: "SLACK" }],
      ];
      for (const [source, variables] of operations) {
        const result = await bed.run(READER, source, variables);
        expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
        expect(result.data).toBeNull();
      }
      expect(await list()).toEqual([stored]);
    });

    it("refuses an invalid template naming every problem, and stores nothing", async () => {
      const stored = { event: "SCAN_ADDED", channel: "SLACK", title: "kept", text: null };
      await set(stored);
      const result = await bed.run(SUPERUSER, SET, {
        input: { event: "SCAN_ADDED", channel: "SLACK", title: "{{product}} {{owner}} {{engagement", text: "x".repeat(3001) },
      });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      const [error] = result.errors!;
      const allowed = Object.keys(TEMPLATE_PLACEHOLDERS).join(", ");
      expect(error.extensions).toEqual({
        code: "BAD_USER_INPUT",
        field: "input",
        problems: [
          `title has unknown placeholders {{owner}} (the placeholders are ${allowed})`,
          'title has unbalanced braces: "{{" without "}}" at character 23',
          "text is 3001 characters long, at most 3000 are allowed",
        ],
      });
      expect(error.message).toContain("{{owner}}");
      expect(error.message).toContain("unbalanced braces");
      expect(error.message).toContain("at most 3000");

      const empty = await bed.run(SUPERUSER, SET, { input: { event: "OTHER", channel: "MAIL", title: "  ", text: null } });
      expect(empty.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [expect.stringMatching(/empty/)] });
      const absent = await bed.run(SUPERUSER, SET, { input: { event: "OTHER", channel: "MAIL" } });
      expect(errorCodes(absent)).toEqual(["BAD_USER_INPUT"]);

      expect(await list()).toEqual([stored]);
    });
  });

  describe("previewMessage", () => {
    it("renders Slack's message with the stored template, or the one given", async () => {
      await set({ event: "SCAN_ADDED", channel: "SLACK", title: "{{product}}: {{severity_counts}}", text: "Test {{test}}" });
      const stored = JSON.parse(await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel: "SLACK" }));
      expect(stored).toEqual(renderSlackMessage(describeEvent(scanEvent(), TESTBED_DOJO_URL, { template: { title: "{{product}}: {{severity_counts}}", text: "Test {{test}}" } })));
      expect(stored.text).toBe("Scan Added: notif prod: 1 Critical, 1 Low\nTest notif test");
      expect(stored.blocks[1].text.text).toBe("*<http://localhost:8080/test/90|notif prod: 1 Critical, 1 Low>*\nTest notif test");

      const given = { event: "SCAN_ADDED", channel: "SLACK", title: "Given {{engagement}}", text: null };
      const withGiven = JSON.parse(await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel: "SLACK", template: given }));
      expect(withGiven.text).toBe("Scan Added: Given notif eng");
      // Previewing stored nothing: the stored template is as it was.
      expect((await list())[0].title).toBe("{{product}}: {{severity_counts}}");
    });

    it("renders the Teams card with the stored template, or the one given", async () => {
      await set({ event: "SCAN_ADDED", channel: "MSTEAMS", title: "{{product}} / {{finding_count}} findings", text: null });
      const card = await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel: "MSTEAMS" });
      const template = { title: "{{product}} / {{finding_count}} findings", text: null };
      expect(card).toBe(renderTeamsMessage(describeEvent(scanEvent(), TESTBED_DOJO_URL, { template })));
      const body = JSON.parse(card).attachments[0].content.body;
      expect(body[2].text).toBe("[notif prod / 2 findings](http://localhost:8080/test/90)");

      const given = { event: "SCAN_ADDED", channel: "MSTEAMS", title: null, text: "New: {{new_findings}}" };
      const givenBody = JSON.parse(await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel: "MSTEAMS", template: given }))
        .attachments[0].content.body;
      expect(givenBody[3]).toMatchObject({ type: "TextBlock", text: "New: 1" });
      expect(givenBody[2].text).toContain("Created/Updated 4 findings");
    });

    it("renders the mail's subject and text with the stored template, or the one given", async () => {
      await set({ event: "SCAN_ADDED", channel: "MAIL", title: "{{event}} for {{product}}", text: "See {{url}}" });
      const mail = await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel: "MAIL" });
      const rendered = renderMail(describeEvent(scanEvent(), TESTBED_DOJO_URL, { template: { title: "{{event}} for {{product}}", text: "See {{url}}" } }));
      expect(mail).toBe(`Subject: ${rendered.subject}\n\n${rendered.text}`);
      expect(mail.startsWith("Subject: DefectDojo notification: Scan Added for notif prod\n\nScan Added\n\nScan Added for notif prod\n\nSee http://localhost:8080/test/90\n")).toBe(true);

      const given = { event: "SCAN_ADDED", channel: "MAIL", title: "Given", text: null };
      expect(await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel: "MAIL", template: given })).toMatch(
        /^Subject: DefectDojo notification: Given\n/,
      );
    });

    it("renders DefectDojo's own message when no template applies, finding templates by the event's setting", async () => {
      // Templates of other channels and events do not apply.
      await set({ event: "SCAN_ADDED", channel: "MAIL", title: "mail only", text: null });
      await set({ event: "SCAN_ADDED_EMPTY", channel: "SLACK", title: "empty scans only", text: null });
      const plain = await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel: "SLACK" });
      expect(JSON.parse(plain)).toEqual(renderSlackMessage(describeEvent(scanEvent(), TESTBED_DOJO_URL)));

      // finding_added has no setting of its own: OTHER's template is the one used.
      await set({ event: "OTHER", channel: "SLACK", title: "Other: {{title}} at {{url}}", text: null });
      const other = JSON.parse(await preview({ event: "finding_added", payload: JSON.stringify(webhookFixture("finding_added")), channel: "SLACK" }));
      expect(other.text).toBe(
        'Finding Added: Other: Addition of New Finding at http://localhost:8080/finding/232\nFinding "New Finding" was added by Admin User (admin)',
      );
      // Without a link of its own, the message links DOJO_URL.
      const unlinked = JSON.parse(
        await preview({ event: "custom_event", payload: JSON.stringify({ title: "t", description: null }), channel: "SLACK" }),
      );
      expect(unlinked.text).toBe(`Custom Event: Other: t at ${TESTBED_DOJO_URL}/`);
    });

    it("keeps untrusted text and the template's own words escaped", async () => {
      const payload = JSON.stringify({ ...SCAN, title: HOSTILE_TITLE, product: { ...(SCAN.product as object), name: "p\r\nBcc: victim@example.com" } });
      const template = (channel: string) => ({ event: "SCAN_ADDED", channel, title: "<!here> {{title}} {{product}}", text: "_{{title}}_" });

      const slack = await preview({ event: "scan_added", payload, channel: "SLACK", template: template("SLACK") });
      expect(slack).not.toMatch(/<!channel>|<!here>/);
      expect(JSON.parse(slack).text).toContain("&lt;!here&gt; &lt;!channel&gt; *bold* [x](http://evil)");

      const teams = await preview({ event: "scan_added", payload, channel: "MSTEAMS", template: template("MSTEAMS") });
      expect(teams).not.toContain("[x](http://evil)");
      const body = JSON.parse(teams).attachments[0].content.body;
      expect(body[3].text).toBe("\\_<!channel> \\*bold\\* \\[x\\](http://evil)\\_");

      const mail = await preview({ event: "scan_added", payload, channel: "MAIL", template: template("MAIL") });
      const [subject, ...rest] = mail.split("\n\n");
      // One header line: the CR/LF from the product name became spaces, so no Bcc header.
      expect(subject).toBe(`Subject: DefectDojo notification: <!here> ${HOSTILE_TITLE} p  Bcc: victim@example.com`);
      expect(rest.join("\n\n")).toContain("_<!channel> *bold* [x](http://evil)_");
    });

    it("stores and sends nothing", async () => {
      await set({ event: "SCAN_ADDED", channel: "SLACK", title: "{{product}}", text: null });
      const counts = async () =>
        Object.fromEntries(
          await Promise.all(
            ["event", "delivery", "message_template"].map(async (table) => {
              const [{ n }] = await bed.database.db.dataSource.query(`SELECT count(*) AS n FROM ${table}`);
              return [table, Number(n)];
            }),
          ),
        );
      const before = await counts();
      expect(before).toEqual({ event: 0, delivery: 0, message_template: 1 });
      for (const channel of ["SLACK", "MSTEAMS", "MAIL"]) {
        await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel });
        await preview({ event: "scan_added", payload: SCAN_PAYLOAD, channel, template: { event: "SCAN_ADDED", channel, title: "x", text: null } });
      }
      expect(await counts()).toEqual(before);
      expect(await list()).toEqual([{ event: "SCAN_ADDED", channel: "SLACK", title: "{{product}}", text: null }]);
    });

    it("refuses bad names, bad JSON, bad bodies and bad or misplaced templates with BAD_USER_INPUT", async () => {
      const refusal = async (variables: Record<string, unknown>) => {
        const result = await bed.run(SUPERUSER, PREVIEW, { channel: "SLACK", event: "scan_added", payload: SCAN_PAYLOAD, ...variables });
        expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
        expect(result.data).toBeNull();
        return { field: result.errors![0].extensions?.field, message: result.errors![0].message };
      };
      expect(await refusal({ payload: "{not json" })).toEqual({ field: "payload", message: "payload: is not valid JSON" });
      expect(await refusal({ payload: "[1, 2]" })).toMatchObject({ field: "payload", message: expect.stringMatching(/JSON object/) });
      expect(await refusal({ payload: JSON.stringify({ title: 5 }) })).toMatchObject({ field: "payload", message: expect.stringMatching(/title/) });
      expect(await refusal({ event: "Scan Added" })).toMatchObject({ field: "event" });
      expect(await refusal({ event: "ping" })).toMatchObject({ field: "event" });
      const template = { event: "SCAN_ADDED", channel: "SLACK", title: "{{nope}}", text: null };
      expect(await refusal({ template })).toMatchObject({ field: "template", message: expect.stringMatching(/\{\{nope\}\}/) });
      expect(await refusal({ template: { ...template, title: "ok", event: "PRODUCT_ADDED" } })).toMatchObject({ field: "template.event" });
      expect(await refusal({ template: { ...template, title: "ok", channel: "MAIL" } })).toMatchObject({ field: "template.channel" });
    });
  });
});
