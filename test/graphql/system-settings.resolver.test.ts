import { parseWebhookAllowlist } from "../../src/channels/msteams/webhook-allowlist";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, Testbed } from "./graphql-testbed";

const SLACK_TOKEN = "xoxb-1234-5678-SLACKSECRET";
const TEAMS_URL = "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=TEAMSSIG42";

const ALL_FIELDS = `
  enableSlackNotifications slackChannel slackUsername slackTokenSet
  enableMsteamsNotifications msteamsUrlSet enableMailNotifications mailNotificationsTo`;
const READ = `{ systemSettings { ${ALL_FIELDS} } }`;
const UPDATE = `mutation ($input: SystemSettingsInput!) { updateSystemSettings(input: $input) { ${ALL_FIELDS} } }`;

const DEFAULTS = {
  enableSlackNotifications: false,
  slackChannel: "",
  slackUsername: "",
  slackTokenSet: false,
  enableMsteamsNotifications: false,
  msteamsUrlSet: false,
  enableMailNotifications: false,
  mailNotificationsTo: [],
};

describe("system settings over GraphQL", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
  });
  afterEach(() => bed.close());

  it("gives a superuser the defaults", async () => {
    const result = await bed.run(SUPERUSER, READ);
    expect(result.errors).toBeUndefined();
    expect(result.data?.systemSettings).toEqual(DEFAULTS);
  });

  it("updates every field, stores the secrets, and never returns them", async () => {
    const input = {
      enableSlackNotifications: true,
      slackChannel: "#security",
      slackUsername: "DefectDojo",
      slackToken: SLACK_TOKEN,
      enableMsteamsNotifications: true,
      msteamsUrl: TEAMS_URL,
      enableMailNotifications: true,
      mailNotificationsTo: ["sec@example.com", "ops@example.org"],
    };
    const updated = await bed.run(SUPERUSER, UPDATE, { input });
    const expected = {
      enableSlackNotifications: true,
      slackChannel: "#security",
      slackUsername: "DefectDojo",
      slackTokenSet: true,
      enableMsteamsNotifications: true,
      msteamsUrlSet: true,
      enableMailNotifications: true,
      mailNotificationsTo: ["sec@example.com", "ops@example.org"],
    };
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateSystemSettings).toEqual(expected);
    expect((await bed.run(SUPERUSER, READ)).data?.systemSettings).toEqual(expected);

    // The channels read the secrets back; the API never does.
    const stored = await bed.settings.systemSettings();
    expect(stored.slackToken).toBe(SLACK_TOKEN);
    expect(stored.msteamsUrl).toBe(TEAMS_URL);

    // Probe for the secrets every way a client could: a rejected update that carries them, and
    // introspection of the type (no field may expose them).
    await bed.run(SUPERUSER, UPDATE, { input: { slackToken: `${SLACK_TOKEN} x`, msteamsUrl: `ftp://${TEAMS_URL}` } });
    const introspection = await bed.run(SUPERUSER, `{ __type(name: "SystemSettings") { fields { name } } }`);
    const fieldNames = (introspection.data?.__type as { fields: Array<{ name: string }> }).fields.map((f) => f.name);
    expect(fieldNames).not.toContain("slackToken");
    expect(fieldNames).not.toContain("msteamsUrl");

    expect(bed.responses.length).toBe(4);
    for (const response of bed.responses) {
      expect(response).not.toContain(SLACK_TOKEN);
      expect(response).not.toContain("TEAMSSIG42");
      expect(response).not.toContain("logic.azure.com");
    }
  });

  it("flips slackTokenSet and msteamsUrlSet: set, unchanged when absent or null, cleared by an empty string", async () => {
    const flags = async (input: Record<string, unknown>) => {
      const result = await bed.run(SUPERUSER, UPDATE, { input });
      expect(result.errors).toBeUndefined();
      const settings = result.data?.updateSystemSettings as { slackTokenSet: boolean; msteamsUrlSet: boolean };
      return [settings.slackTokenSet, settings.msteamsUrlSet];
    };
    expect(await flags({ slackToken: SLACK_TOKEN, msteamsUrl: TEAMS_URL })).toEqual([true, true]);
    expect(await flags({ slackChannel: "alerts" })).toEqual([true, true]);
    expect(await flags({ slackToken: null, msteamsUrl: null })).toEqual([true, true]);
    expect(await flags({ slackToken: "" })).toEqual([false, true]);
    expect(await flags({ msteamsUrl: "" })).toEqual([false, false]);
  });

  it("leaves fields it was not given alone, null included", async () => {
    await bed.run(SUPERUSER, UPDATE, { input: { slackChannel: "#sec", mailNotificationsTo: ["a@example.com"] } });
    const result = await bed.run(SUPERUSER, UPDATE, { input: { enableMailNotifications: true, slackChannel: null } });
    expect(result.data?.updateSystemSettings).toMatchObject({
      slackChannel: "#sec",
      mailNotificationsTo: ["a@example.com"],
      enableMailNotifications: true,
    });
  });

  it.each([
    ["a channel name", { slackChannel: "security-alerts" }],
    ["a #channel", { slackChannel: "#sec_ops-2" }],
    ["a channel id", { slackChannel: "C0123ABCD" }],
    ["no channel", { slackChannel: "" }],
    // A name is not resolved when set: what it resolves to is checked at each send.
    ["a localhost Teams URL", { msteamsUrl: "http://localhost:8081/teams?sig=x" }],
    ["no mail addresses", { mailNotificationsTo: [] }],
    ["a 100-character username", { slackUsername: "u".repeat(100) }],
  ])("accepts %s", async (_label, input) => {
    const result = await bed.run(SUPERUSER, UPDATE, { input });
    expect(result.errors).toBeUndefined();
  });

  it.each([
    ["slackChannel", "an upper-case channel", { slackChannel: "#Security" }],
    ["slackChannel", "a channel with a space", { slackChannel: "sec alerts" }],
    ["slackChannel", "an 81-character channel", { slackChannel: "c".repeat(81) }],
    ["slackChannel", "a mention", { slackChannel: "<!channel>" }],
    ["mailNotificationsTo", "a bad address", { mailNotificationsTo: ["sec@example.com", "not-an-address"] }],
    ["msteamsUrl", "an ftp URL", { msteamsUrl: "ftp://example.com/hook" }],
    ["msteamsUrl", "a javascript: URL", { msteamsUrl: "javascript:alert(1)" }],
    ["msteamsUrl", "something that is no URL", { msteamsUrl: "teams hook" }],
    ["slackUsername", "a 101-character username", { slackUsername: "u".repeat(101) }],
    ["slackToken", "a token with whitespace", { slackToken: "xoxb-1 2" }],
  ])("refuses %s (%s) with BAD_USER_INPUT and changes nothing", async (field, _label, input) => {
    await bed.run(SUPERUSER, UPDATE, { input: { slackChannel: "#before", slackToken: SLACK_TOKEN } });
    const before = await bed.settings.systemSettings();

    // A valid field beside the bad one is not applied either.
    const result = await bed.run(SUPERUSER, UPDATE, { input: { enableSlackNotifications: true, ...input } });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0].message).toContain(field);
    expect(result.errors?.[0].extensions?.field).toBe(field);
    expect(result.data).toBeNull();
    expect(await bed.settings.systemSettings()).toEqual(before);
  });

  // Security review (issue 17): a superuser's Teams URL was checked for http(s) only.
  it.each([
    "http://169.254.169.254/latest/meta-data/?sig=S1",
    "http://10.0.0.1:8080/hook?sig=S1",
    "https://[::1]:8443/hook?sig=S1",
    "http://127.0.0.1:9999/hook?sig=S1",
    "http://[::ffff:127.0.0.1]/?sig=S1",
  ])("refuses a Teams URL at an address that is not public (%s), saying how to allow it", async (url) => {
    const result = await bed.run(SUPERUSER, UPDATE, { input: { msteamsUrl: url } });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0].message).toMatch(/not a public address.*SYSTEM_WEBHOOK_ALLOWLIST/);
    expect(JSON.stringify(result)).not.toContain("S1");
    expect((await bed.settings.systemSettings()).msteamsUrlSet).toBe(false);
  });

  it("takes a private address SYSTEM_WEBHOOK_ALLOWLIST names, and a host name unresolved (it is checked at each send)", async () => {
    const named = await bed.run(SUPERUSER, UPDATE, { input: { msteamsUrl: "http://metadata.internal/hook" } });
    expect(named.errors).toBeUndefined();
    await bed.close();
    bed = await graphqlTestbed(undefined, { systemWebhookAllowlist: parseWebhookAllowlist("http://10.0.0.1:8080/") });
    const allowed = await bed.run(SUPERUSER, UPDATE, { input: { msteamsUrl: "http://10.0.0.1:8080/hook" } });
    expect(allowed.errors).toBeUndefined();
    expect((await bed.settings.systemSettings()).msteamsUrl).toBe("http://10.0.0.1:8080/hook");
  });

  it("does not echo a rejected value", async () => {
    const result = await bed.run(SUPERUSER, UPDATE, { input: { slackToken: "xoxb-SECRETVALUE with-space" } });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(JSON.stringify(result)).not.toContain("SECRETVALUE");
  });

  it("refuses other users with FORBIDDEN, changing nothing", async () => {
    const read = await bed.run(READER, READ);
    expect(errorCodes(read)).toEqual(["FORBIDDEN"]);
    expect(read.data).toBeNull();

    const update = await bed.run(READER, UPDATE, { input: { enableSlackNotifications: true, slackToken: SLACK_TOKEN } });
    expect(errorCodes(update)).toEqual(["FORBIDDEN"]);
    expect(await bed.settings.systemSettings()).toMatchObject({ enableSlackNotifications: false, slackTokenSet: false });
  });

  it("refuses a context without a caller with UNAUTHENTICATED", async () => {
    expect(errorCodes(await bed.run(null, READ))).toEqual(["UNAUTHENTICATED"]);
  });
});
