import { ExecutionResult } from "graphql";
import { createDojoClient } from "../../src/defectdojo/dojo-client";
import { createDojoDirectory } from "../../src/defectdojo/directory";
import { DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { webhookFixture } from "../support/fixtures";
import { errorCodes, graphqlTestbed, READER, seedDeliveries, SUPERUSER, Testbed } from "./graphql-testbed";

/** A rule's Teams URL: a credential, so no response may ever contain any part of its path or query. */
const TEAMS_URL = "https://prod-07.westeurope.logic.azure.com/workflows/r9/triggers/manual/paths/invoke?sig=RULESIG77";
/** The label of rule 1's Teams target: the host, and the rule's id that keeps two rules' workflows apart. */
const TEAMS_LABEL = "Teams webhook at prod-07.westeurope.logic.azure.com (rule 1)";
const leaksTeamsUrl = (text: string) => /RULESIG77|workflows\/r9|paths\/invoke/.test(text);

const RULE_FIELDS = `id name position events productTypeIds productIds engagementIds minSeverity tags verified active continue
  targets { channel slackChannel emails msteamsUrlSet msteamsLabel } digestWindowSeconds digestGroupBy linkOnly`;
const LIST = `{ routingRules { ${RULE_FIELDS} } }`;
const CREATE = `mutation ($input: RoutingRuleInput!) { createRoutingRule(input: $input) { ${RULE_FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: RoutingRuleInput!) { updateRoutingRule(id: $id, input: $input) { ${RULE_FIELDS} } }`;
const DELETE = "mutation ($id: ID!) { deleteRoutingRule(id: $id) }";
const PREVIEW = `query ($event: String!, $payload: String!) {
  previewRouting(event: $event, payload: $payload) { channel target ruleName digestWindowSeconds }
}`;

type Input = Record<string, unknown>;
const slack = (slackChannel: string) => ({ channel: "SLACK", slackChannel });
const mail = (...emails: string[]) => ({ channel: "MAIL", emails });
const teams = (msteamsUrl?: string) => ({ channel: "MSTEAMS", ...(msteamsUrl && { msteamsUrl }) });
const rule = (changes: Input = {}): Input => ({ name: "rule", position: 0, targets: [slack("#all")], ...changes });

/** A rule as the API answers it, with every optional field at its default. */
const shown = (changes: Input = {}) => ({
  events: [],
  productTypeIds: [],
  productIds: [],
  engagementIds: [],
  minSeverity: null,
  tags: [],
  verified: null,
  active: null,
  continue: false,
  digestWindowSeconds: 0,
  digestGroupBy: "NONE",
  linkOnly: false,
  ...changes,
});
const shownSlack = (slackChannel: string) => ({ channel: "SLACK", slackChannel, emails: [], msteamsUrlSet: false, msteamsLabel: null });
const shownMail = (...emails: string[]) => ({ channel: "MAIL", slackChannel: null, emails, msteamsUrlSet: false, msteamsLabel: null });
const shownTeams = (label = TEAMS_LABEL) => ({ channel: "MSTEAMS", slackChannel: null, emails: [], msteamsUrlSet: true, msteamsLabel: label });

// The fixture's own objects: product 4, findings 232 (Critical, new) and 234 (Low, reactivated).
const SCAN = webhookFixture("scan_added");
const PRODUCT_ID = (SCAN.product as { id: number }).id;
/** The same import with only Low findings. */
function lowOnlyScan(): Record<string, unknown> {
  const body = webhookFixture("scan_added") as { findings: { new: Array<{ severity: string }> } };
  for (const finding of body.findings.new) finding.severity = "Low";
  return body;
}

/** A rule as a response shows it. */
type ShownRule = { id: string; name: string; targets: object[]; engagementIds: number[] } & Record<string, unknown>;
const ruleOf = (result: ExecutionResult, field: "createRoutingRule" | "updateRoutingRule") => result.data?.[field] as ShownRule;
const namesOf = (result: ExecutionResult) => (result.data?.routingRules as ShownRule[]).map((shownRule) => shownRule.name);

async function count(bed: Testbed, table: string): Promise<number> {
  const [row] = await bed.database.db.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row.n);
}
const storedRules = (bed: Testbed) => bed.database.db.dataSource.query("SELECT * FROM routing_rule ORDER BY id");

describe("routing rules over GraphQL", () => {
  let dojo: DojoPeer;
  let bed: Testbed;
  /** A testbed whose bridge has DOJO_URL and DOJO_API_KEY, on the DefectDojo peer. */
  const withDojoApi = () =>
    graphqlTestbed(undefined, { dojo: createDojoDirectory(createDojoClient({ baseUrl: dojo.url, apiKey: dojo.serviceToken, retries: 0 })) });

  beforeAll(async () => {
    dojo = await startDojoPeer();
    dojo.addProductType({ id: 4, name: "notif prod type" });
    dojo.addProduct({ id: PRODUCT_ID, name: "notif prod", productTypeId: 4 });
    dojo.addEngagement({ id: 7, productId: PRODUCT_ID });
    dojo.addTest({ id: 90, engagementId: 7 });
    dojo.addFinding({ id: 232, testId: 90, severity: "Critical", verified: true });
    dojo.addFinding({ id: 234, testId: 90, severity: "Low", verified: false });
  });
  afterAll(() => dojo.close());
  afterEach(() => bed.close());

  describe("create, list, update, delete", () => {
    beforeEach(async () => {
      bed = await withDojoApi();
    });

    it("round-trips every field, lists in evaluation order, and never returns a Teams URL", async () => {
      const everything = await bed.run(SUPERUSER, CREATE, {
        input: rule({
          name: "  Critical PCI findings  ",
          position: 10,
          events: ["SCAN_ADDED", "OTHER", "SCAN_ADDED"],
          productTypeIds: [4],
          productIds: [PRODUCT_ID, 9, PRODUCT_ID],
          engagementIds: [7],
          minSeverity: "CRITICAL",
          tags: ["pci", " PCI ", "gdpr"],
          verified: true,
          active: false,
          continue: true,
          targets: [slack("#sec-high"), teams(TEAMS_URL), mail("secops@example.com", "soc@example.com")],
          digestWindowSeconds: 600,
          digestGroupBy: "PRODUCT",
          linkOnly: true,
        }),
      });
      expect(everything.errors).toBeUndefined();
      const created = ruleOf(everything, "createRoutingRule");
      // Stored trimmed and without repeats (tags compare in any case, as matching does).
      expect(created).toEqual({
        id: expect.stringMatching(/^[1-9][0-9]*$/),
        name: "Critical PCI findings",
        position: 10,
        events: ["SCAN_ADDED", "OTHER"],
        productTypeIds: [4],
        productIds: [PRODUCT_ID, 9],
        engagementIds: [7],
        minSeverity: "CRITICAL",
        tags: ["pci", "gdpr"],
        verified: true,
        active: false,
        continue: true,
        targets: [shownSlack("#sec-high"), shownTeams(), shownMail("secops@example.com", "soc@example.com")],
        digestWindowSeconds: 600,
        digestGroupBy: "PRODUCT",
        linkOnly: true,
      });

      // Every optional field left out: the defaults.
      const plain = await bed.run(SUPERUSER, CREATE, { input: rule({ name: "everything by mail", position: 5, targets: [mail("all@example.com")] }) });
      expect(plain.errors).toBeUndefined();
      expect(plain.data?.createRoutingRule).toEqual({ id: expect.any(String), name: "everything by mail", position: 5, targets: [shownMail("all@example.com")], ...shown() });
      // Same position as the first: after it, in creation order.
      const tie = await bed.run(SUPERUSER, CREATE, { input: rule({ name: "tie", position: 10 }) });
      expect(tie.errors).toBeUndefined();

      const listed = await bed.run(SUPERUSER, LIST);
      expect(listed.errors).toBeUndefined();
      expect(namesOf(listed)).toEqual(["everything by mail", "Critical PCI findings", "tie"]);
      expect((listed.data?.routingRules as ShownRule[])[1]).toEqual(created);

      // Update replaces every field; the Teams target without a URL keeps the stored one.
      const sealedBefore = (await bed.rules.rules()).find((r) => r.name === "Critical PCI findings")!.targets[1].sealedSecret;
      const updated = await bed.run(SUPERUSER, UPDATE, {
        id: created.id,
        input: rule({ name: "renamed", position: 30, targets: [slack("#other"), teams()], tags: ["sox"] }),
      });
      expect(updated.errors).toBeUndefined();
      expect(updated.data?.updateRoutingRule).toEqual({
        id: created.id,
        name: "renamed",
        position: 30,
        targets: [shownSlack("#other"), shownTeams()],
        ...shown({ tags: ["sox"] }),
      });
      const after = (await bed.rules.rules()).find((r) => r.name === "renamed")!;
      expect(after.targets[1].sealedSecret).toBe(sealedBefore);
      expect(namesOf(await bed.run(SUPERUSER, LIST))).toEqual(["everything by mail", "tie", "renamed"]);

      // A new URL replaces it (and changes the label with the host).
      const moved = await bed.run(SUPERUSER, UPDATE, {
        id: created.id,
        input: rule({ name: "renamed", targets: [teams("https://prod-99.northeurope.logic.azure.com/workflows/x?sig=RULESIG77")] }),
      });
      expect(ruleOf(moved, "updateRoutingRule").targets).toEqual([shownTeams(`Teams webhook at prod-99.northeurope.logic.azure.com (rule ${created.id})`)]);

      expect((await bed.run(SUPERUSER, DELETE, { id: created.id })).data).toEqual({ deleteRoutingRule: true });
      expect((await bed.run(SUPERUSER, DELETE, { id: created.id })).data).toEqual({ deleteRoutingRule: false });
      expect(namesOf(await bed.run(SUPERUSER, LIST))).toEqual(["everything by mail", "tie"]);

      // The raw JSON of every response, errors included.
      expect(bed.responses.length).toBeGreaterThan(8);
      expect(bed.responses.filter(leaksTeamsUrl)).toEqual([]);
    });

    it("answers NOT_FOUND for an unknown id and BAD_USER_INPUT for one that is no rule id, changing nothing", async () => {
      const kept = ruleOf(await bed.run(SUPERUSER, CREATE, { input: rule({ name: "kept" }) }), "createRoutingRule");
      const stored = await storedRules(bed);

      const unknown = await bed.run(SUPERUSER, UPDATE, { id: String(Number(kept.id) + 1), input: rule({ name: "nope" }) });
      expect(errorCodes(unknown)).toEqual(["NOT_FOUND"]);
      expect(unknown.errors?.[0].extensions?.field).toBe("id");
      expect(unknown.data).toBeNull();

      for (const id of ["abc", "0", "-1", "1.5", "99999999999999999999"]) {
        const update = await bed.run(SUPERUSER, UPDATE, { id, input: rule() });
        const remove = await bed.run(SUPERUSER, DELETE, { id });
        expect([errorCodes(update), errorCodes(remove)]).toEqual([["BAD_USER_INPUT"], ["BAD_USER_INPUT"]]);
        expect(update.errors?.[0].extensions?.field).toBe("id");
      }
      expect(await storedRules(bed)).toEqual(stored);
    });

    it("refuses an update whose Teams target has no URL to keep in that place, changing nothing", async () => {
      const kept = ruleOf(await bed.run(SUPERUSER, CREATE, { input: rule({ targets: [teams(TEAMS_URL)] }) }), "createRoutingRule");
      const stored = await storedRules(bed);
      // One Teams target became two: no place is "the same" any more, so no stored URL is lent to either.
      const result = await bed.run(SUPERUSER, UPDATE, { id: kept.id, input: rule({ targets: [teams(), teams()] }) });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0].extensions?.field).toBe("input.targets");
      expect(result.errors?.[0].message).toMatch(/Teams target 1 needs msteamsUrl/);
      expect(await storedRules(bed)).toEqual(stored);
      expect(bed.responses.filter(leaksTeamsUrl)).toEqual([]);
    });
  });

  describe("validation", () => {
    beforeEach(async () => {
      bed = await withDojoApi();
    });

    const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    const cases: Array<[string, Input, string]> = [
      ["a blank name", rule({ name: "   " }), "input.name"],
      ["a name of 201 characters", rule({ name: "x".repeat(201) }), "input.name"],
      ["a negative position", rule({ position: -1 }), "input.position"],
      ["a position over 1,000,000", rule({ position: 1_000_001 }), "input.position"],
      ["a product id of 0", rule({ productIds: [0] }), "input.productIds"],
      ["a negative product type id", rule({ productTypeIds: [-4] }), "input.productTypeIds"],
      ["1,001 engagement ids", rule({ engagementIds: ids(1001) }), "input.engagementIds"],
      ["an empty tag", rule({ tags: ["pci", " "] }), "input.tags"],
      ["a tag of 101 characters", rule({ tags: ["t".repeat(101)] }), "input.tags"],
      ["101 tags", rule({ tags: ids(101).map(String) }), "input.tags"],
      ["no targets", rule({ targets: [] }), "input.targets"],
      ["21 targets", rule({ targets: ids(21).map((n) => slack(`#c${n}`)) }), "input.targets"],
      ["a Slack target without a channel", rule({ targets: [{ channel: "SLACK" }] }), "input.targets.0.slackChannel"],
      // Security review (issue 17): a rule's Teams URL at an address that is not public is refused when set.
      ["a Teams URL at a link-local address", rule({ targets: [slack("#a"), teams("http://169.254.169.254/latest?sig=S")] }), "input.targets.1.msteamsUrl"],
      ["a Teams URL at a loopback address", rule({ targets: [teams("http://127.0.0.1:8080/workflows/x?sig=S")] }), "input.targets.0.msteamsUrl"],
      ["a blank Slack channel", rule({ targets: [slack("  ")] }), "input.targets.0.slackChannel"],
      ["a Slack channel of 101 characters", rule({ targets: [slack("c".repeat(101))] }), "input.targets.0.slackChannel"],
      ["addresses on a Slack target", rule({ targets: [{ ...slack("#x"), emails: ["a@example.com"] }] }), "input.targets.0.emails"],
      ["a mail target without addresses", rule({ targets: [slack("#x"), { channel: "MAIL" }] }), "input.targets.1.emails"],
      ["a mail target with []", rule({ targets: [mail()] }), "input.targets.0.emails"],
      ["a mail target with a non-address", rule({ targets: [mail("secops@example.com", "not an address")] }), "input.targets.0.emails"],
      ["51 addresses", rule({ targets: [mail(...ids(51).map((n) => `u${n}@example.com`))] }), "input.targets.0.emails"],
      // 20 addresses of 60 characters: 1,238 characters as one "a, b" target, over the column's 1,000.
      ["addresses too long together", rule({ targets: [mail(...ids(20).map((n) => `${"u".repeat(48)}${n}@example.com`.slice(-60)))] }), "input.targets.0.emails"],
      ["a Teams URL on a mail target", rule({ targets: [{ ...mail("a@example.com"), msteamsUrl: TEAMS_URL }] }), "input.targets.0.msteamsUrl"],
      ["a Slack channel on a Teams target", rule({ targets: [{ ...teams(TEAMS_URL), slackChannel: "#x" }] }), "input.targets.0.slackChannel"],
      ["a Teams target without a URL (create)", rule({ targets: [slack("#x"), teams()] }), "input.targets.1.msteamsUrl"],
      ["an empty Teams URL", rule({ targets: [{ channel: "MSTEAMS", msteamsUrl: "" }] }), "input.targets.0.msteamsUrl"],
      ["a Teams URL that is not http(s)", rule({ targets: [teams("ftp://prod-07.example.com/workflows/r9?sig=RULESIG77")] }), "input.targets.0.msteamsUrl"],
      ["a Teams URL with a space", rule({ targets: [teams("https://prod-07.example.com/workflows/r9 x?sig=RULESIG77")] }), "input.targets.0.msteamsUrl"],
      ["a Teams URL over 4,096 characters", rule({ targets: [teams(`${TEAMS_URL}&pad=${"p".repeat(4096)}`)] }), "input.targets.0.msteamsUrl"],
      ["a negative digest window", rule({ digestWindowSeconds: -1 }), "input.digestWindowSeconds"],
      ["a digest window over a day", rule({ digestWindowSeconds: 86_401 }), "input.digestWindowSeconds"],
    ];

    it.each(cases)("refuses %s with BAD_USER_INPUT naming the field, storing nothing", async (_label, input, field) => {
      const result = await bed.run(SUPERUSER, CREATE, { input });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0].extensions?.field).toBe(field);
      expect(result.errors?.[0].message).toContain(field);
      expect(result.data).toBeNull();
      expect(await count(bed, "routing_rule")).toBe(0);

      // An update with the same input changes nothing either (the rule has no Teams URL to keep).
      const kept = ruleOf(await bed.run(SUPERUSER, CREATE, { input: rule({ name: "kept" }) }), "createRoutingRule");
      const stored = await storedRules(bed);
      const update = await bed.run(SUPERUSER, UPDATE, { id: kept.id, input });
      expect(errorCodes(update)).toEqual(["BAD_USER_INPUT"]);
      expect(await storedRules(bed)).toEqual(stored);
      // Rejected values are never echoed: one of them may be a Teams URL.
      expect(bed.responses.filter(leaksTeamsUrl)).toEqual([]);
    });

    it("accepts the bounds", async () => {
      const result = await bed.run(SUPERUSER, CREATE, {
        input: rule({
          name: "n".repeat(200),
          position: 1_000_000,
          engagementIds: ids(1000),
          tags: ids(100).map((n) => `${n}`.padEnd(100, "t")),
          targets: [mail(...ids(50).map((n) => `u${n}@example.com`)), ...ids(19).map((n) => slack("c".repeat(99) + (n % 10)))],
          digestWindowSeconds: 86_400,
        }),
      });
      expect(result.errors).toBeUndefined();
      expect(result.data?.createRoutingRule).toMatchObject({ position: 1_000_000, digestWindowSeconds: 86_400 });
      expect(ruleOf(result, "createRoutingRule").engagementIds).toHaveLength(1000);
    });
  });

  describe("without DefectDojo's API (DOJO_URL and DOJO_API_KEY not both set)", () => {
    beforeEach(async () => {
      bed = await graphqlTestbed();
    });

    it.each([
      ["tags", { tags: ["pci"] }],
      ["verified", { verified: false }],
      ["active", { active: true }],
    ])("refuses a rule on %s, saying what is needed", async (field, condition) => {
      const result = await bed.run(SUPERUSER, CREATE, { input: rule(condition) });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0].extensions?.field).toBe(`input.${field}`);
      expect(result.errors?.[0].message).toContain("DOJO_URL and DOJO_API_KEY");
      expect(await count(bed, "routing_rule")).toBe(0);

      const kept = ruleOf(await bed.run(SUPERUSER, CREATE, { input: rule({ name: "kept" }) }), "createRoutingRule");
      const update = await bed.run(SUPERUSER, UPDATE, { id: kept.id, input: rule(condition) });
      expect(errorCodes(update)).toEqual(["BAD_USER_INPUT"]);
      expect((await bed.run(SUPERUSER, LIST)).data?.routingRules).toEqual([expect.objectContaining({ name: "kept", ...shown() })]);
    });

    it("accepts every other condition", async () => {
      const result = await bed.run(SUPERUSER, CREATE, {
        input: rule({ events: ["SCAN_ADDED"], productTypeIds: [4], productIds: [4], engagementIds: [7], minSeverity: "HIGH", tags: [], verified: null }),
      });
      expect(result.errors).toBeUndefined();
    });
  });

  it("refuses a plain user every field with FORBIDDEN, changing nothing", async () => {
    bed = await withDojoApi();
    const kept = ruleOf(await bed.run(SUPERUSER, CREATE, { input: rule({ name: "kept", targets: [teams(TEAMS_URL)] }) }), "createRoutingRule");
    const id = kept.id;
    const stored = await storedRules(bed);
    const dojoCalls = dojo.apiCalls.length;
    const operations: Array<[string, string, Record<string, unknown>]> = [
      ["routingRules", LIST, {}],
      ["createRoutingRule", CREATE, { input: rule() }],
      ["updateRoutingRule", UPDATE, { id, input: rule({ name: "changed" }) }],
      ["deleteRoutingRule", DELETE, { id }],
      ["previewRouting", PREVIEW, { event: "scan_added", payload: JSON.stringify(SCAN) }],
    ];
    for (const [field, source, variables] of operations) {
      const result = await bed.run(READER, source, variables);
      expect([field, errorCodes(result)]).toEqual([field, ["FORBIDDEN"]]);
      expect(result.data?.[field] ?? null).toBeNull();
    }
    expect(await storedRules(bed)).toEqual(stored);
    expect(dojo.apiCalls.length).toBe(dojoCalls);
  });

  describe("previewRouting", () => {
    const preview = async (body: unknown, event = "scan_added") => {
      const result = await bed.run(SUPERUSER, PREVIEW, { event, payload: typeof body === "string" ? body : JSON.stringify(body) });
      return result;
    };
    const routes = async (body: unknown, event = "scan_added") => {
      const result = await preview(body, event);
      expect(result.errors).toBeUndefined();
      return result.data?.previewRouting;
    };

    beforeEach(async () => {
      bed = await graphqlTestbed();
      // The system-wide fallback: Slack, switched on; SCAN_ADDED goes to every enabled channel by default.
      await bed.settings.updateSystemSettings({ enableSlackNotifications: true, slackChannel: "#security", slackToken: "xoxb-preview" });
    });

    it("shows each matching rule's targets, then the system-wide ones when none matches, and writes nothing", async () => {
      await seedDeliveries(bed.services.db, "product_added", [{}]);
      const tables = ["event", "delivery", "digest", "digest_item", "routing_rule"];
      const created = async (input: Input) => ruleOf(await bed.run(SUPERUSER, CREATE, { input }), "createRoutingRule");
      const a = await created(
        rule({ name: "A", position: 0, events: ["SCAN_ADDED"], productIds: [PRODUCT_ID], minSeverity: "HIGH", targets: [slack("#sec-high")], continue: true }),
      );
      const b = await created(rule({ name: "B", position: 1, targets: [mail("secops@example.com", "soc@example.com")], digestWindowSeconds: 900 }));
      const rows = await Promise.all(tables.map((table) => count(bed, table)));

      expect(await routes(SCAN)).toEqual([
        { channel: "SLACK", target: "#sec-high", ruleName: "A", digestWindowSeconds: 0 },
        { channel: "MAIL", target: "secops@example.com, soc@example.com", ruleName: "B", digestWindowSeconds: 900 },
      ]);
      expect(await routes(lowOnlyScan())).toEqual([
        { channel: "MAIL", target: "secops@example.com, soc@example.com", ruleName: "B", digestWindowSeconds: 900 },
      ]);
      // Another product: A's product condition fails.
      expect(await routes({ ...SCAN, product: { ...(SCAN.product as object), id: PRODUCT_ID + 1 } })).toEqual([
        expect.objectContaining({ ruleName: "B" }),
      ]);
      expect(await Promise.all(tables.map((table) => count(bed, table)))).toEqual(rows);

      for (const { id } of [a, b]) expect((await bed.run(SUPERUSER, DELETE, { id })).data).toEqual({ deleteRoutingRule: true });
      expect(await routes(SCAN)).toEqual([{ channel: "SLACK", target: "#security", ruleName: null, digestWindowSeconds: 0 }]);
      // A ping is recorded by the bridge but never delivered.
      expect(await routes(webhookFixture("ping"), "ping")).toEqual([]);
      expect(await count(bed, "event")).toBe(1);
      expect(await count(bed, "delivery")).toBe(1);
    });

    it("keeps two rules' Teams workflows on one host apart: both are reached", async () => {
      const other = TEAMS_URL.replace("/workflows/r9/", "/workflows/r10/");
      await bed.run(SUPERUSER, CREATE, { input: rule({ name: "first", position: 1, continue: true, targets: [teams(TEAMS_URL)] }) });
      await bed.run(SUPERUSER, CREATE, { input: rule({ name: "second", position: 2, targets: [teams(other)] }) });
      expect(await routes(SCAN)).toEqual([
        { channel: "MSTEAMS", target: "Teams webhook at prod-07.westeurope.logic.azure.com (rule 1)", ruleName: "first", digestWindowSeconds: 0 },
        { channel: "MSTEAMS", target: "Teams webhook at prod-07.westeurope.logic.azure.com (rule 2)", ruleName: "second", digestWindowSeconds: 0 },
      ]);
    });

    it("shows a Teams target by its label, never its URL", async () => {
      await bed.run(SUPERUSER, CREATE, { input: rule({ name: "teams", targets: [teams(TEAMS_URL)] }) });
      expect(await routes(SCAN)).toEqual([{ channel: "MSTEAMS", target: TEAMS_LABEL, ruleName: "teams", digestWindowSeconds: 0 }]);
      expect(bed.responses.filter(leaksTeamsUrl)).toEqual([]);
    });

    it.each([
      ["an event name with capitals", "Scan_Added", "{}", "event"],
      ["an event name starting with a digit", "2scan", "{}", "event"],
      ["an empty event name", "", "{}", "event"],
      ["an event name of 101 characters", "a".repeat(101), "{}", "event"],
      ["a payload that is not JSON", "scan_added", "{not json", "payload"],
      ["a payload that is not an object", "scan_added", "[1, 2]", "payload"],
      ["a payload with a wrongly typed field", "scan_added", JSON.stringify({ ...SCAN, product: { id: "four", name: "x" } }), "payload"],
    ])("refuses %s with BAD_USER_INPUT", async (_label, event, payload, field) => {
      const result = await bed.run(SUPERUSER, PREVIEW, { event, payload });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0].extensions?.field).toBe(field);
      expect(result.data).toBeNull();
    });

    it("says why a payload is refused", async () => {
      expect((await preview("{not json")).errors?.[0].message).toBe("payload: is not valid JSON");
      expect((await preview("[]")).errors?.[0].message).toBe("payload: the body must be a JSON object");
      expect((await preview({ ...SCAN, product: { id: "four", name: "x" } })).errors?.[0].message).toMatch(/^payload: .*product/);
    });

    it("asks DefectDojo for what a rule needs (a finding's status), as for a real event", async () => {
      await bed.close();
      bed = await withDojoApi();
      await bed.settings.updateSystemSettings({ enableSlackNotifications: true, slackChannel: "#security", slackToken: "xoxb-preview" });
      const created = await bed.run(SUPERUSER, CREATE, { input: rule({ name: "verified", verified: true, targets: [slack("#verified")] }) });
      expect(created.errors).toBeUndefined();

      const calls = dojo.apiCalls.length;
      // 232 is verified in DefectDojo, 234 is not: the rule matches through 232.
      expect(await routes(SCAN)).toEqual([{ channel: "SLACK", target: "#verified", ruleName: "verified", digestWindowSeconds: 0 }]);
      expect(dojo.apiCalls.slice(calls)).toContain("/api/v2/findings/");

      dojo.updateFinding(232, { verified: false });
      try {
        expect(await routes(SCAN)).toEqual([{ channel: "SLACK", target: "#security", ruleName: null, digestWindowSeconds: 0 }]);
      } finally {
        dojo.updateFinding(232, { verified: true });
      }
      expect(await count(bed, "event")).toBe(0);
    });
  });
});
