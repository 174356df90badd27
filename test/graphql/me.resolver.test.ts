import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../../src/events/notification-event";
import { parseWebhookAllowlist } from "../../src/channels/msteams/webhook-allowlist";
import { errorCodes, graphqlTestbed, READER, Testbed } from "./graphql-testbed";

const TEAMS_URL =
  "https://prod-12.westeurope.logic.azure.com/workflows/me1/triggers/manual/paths/invoke?api-version=2016-06-01&sig=MYTEAMSSIG";

const ME_FIELDS = `id username email isSuperuser contact { slackEmail email msteamsUrlSet } notifications { event channels }`;
const ME = `{ me { ${ME_FIELDS} } }`;
const UPDATE = `mutation ($input: ContactInput!) { updateMyContact(input: $input) { ${ME_FIELDS} } }`;
const SET = `mutation ($event: NotificationEvent!, $channels: [Channel!]!) {
  setMyNotification(event: $event, channels: $channels) { event channels }
}`;

type Me = {
  id: number;
  username: string;
  email: string;
  isSuperuser: boolean;
  contact: { slackEmail: string | null; email: string | null; msteamsUrlSet: boolean };
  notifications: Array<{ event: string; channels: string[] }>;
};

describe("the caller's own settings over GraphQL", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
  });
  afterEach(() => bed.close());

  const me = async () => {
    const result = await bed.run(READER, ME);
    expect(result.errors).toBeUndefined();
    return result.data?.me as Me;
  };

  it("shows a plain user as DefectDojo knows them, with DefectDojo's e-mail and no personal notifications", async () => {
    const result = await me();
    expect(result).toMatchObject({ id: 2, username: "reader", email: "reader@example.com", isSuperuser: false });
    expect(result.contact).toEqual({ slackEmail: "reader@example.com", email: "reader@example.com", msteamsUrlSet: false });
    expect(result.notifications.map((n) => n.event)).toEqual([...ALL_NOTIFICATION_EVENTS]);
    expect(result.notifications.every((n) => n.channels.length === 0)).toBe(true);
  });

  it("has no address to fall back to when DefectDojo has no e-mail for the user", async () => {
    const result = await bed.run({ ...READER, email: "" }, `{ me { email contact { slackEmail email } } }`);
    expect(result.data?.me).toEqual({ email: "", contact: { slackEmail: null, email: null } });
  });

  it("sets, keeps and clears contact fields; the Teams URL is stored but only shown as set", async () => {
    const set = await bed.run(READER, UPDATE, {
      input: { slackEmail: "reader@slack.example", email: "inbox@mail.example", msteamsUrl: TEAMS_URL },
    });
    expect(set.errors).toBeUndefined();
    expect((set.data?.updateMyContact as Me).contact).toEqual({
      slackEmail: "reader@slack.example",
      email: "inbox@mail.example",
      msteamsUrlSet: true,
    });
    expect(await bed.preferences.contact(READER.id)).toMatchObject({ msteamsUrl: TEAMS_URL });

    // Absent and null leave a field alone; "" clears it, and the DefectDojo e-mail shows again.
    const cleared = await bed.run(READER, UPDATE, { input: { slackEmail: "", email: null } });
    expect(cleared.errors).toBeUndefined();
    expect((cleared.data?.updateMyContact as Me).contact).toEqual({
      slackEmail: "reader@example.com",
      email: "inbox@mail.example",
      msteamsUrlSet: true,
    });
    await bed.run(READER, UPDATE, { input: { msteamsUrl: "" } });
    expect((await me()).contact.msteamsUrlSet).toBe(false);
    expect(await bed.preferences.contact(READER.id)).toMatchObject({ msteamsUrl: null, email: "inbox@mail.example" });
  });

  it("never returns the Teams URL, in any response", async () => {
    await bed.run(READER, UPDATE, { input: { msteamsUrl: TEAMS_URL } });
    await bed.run(READER, ME);
    // A rejected update carrying the URL beside a bad field, and a refused URL, do not echo it either.
    await bed.run(READER, UPDATE, { input: { msteamsUrl: TEAMS_URL, email: "not-an-address" } });
    await bed.run(READER, UPDATE, { input: { msteamsUrl: TEAMS_URL.replace("logic.azure.com", "logic.azure.com.evil.example") } });
    const introspection = await bed.run(READER, `{ c: __type(name: "Contact") { fields { name } } i: __type(name: "ContactInput") { inputFields { name } } }`);
    const contactFields = (introspection.data?.c as { fields: Array<{ name: string }> }).fields.map((f) => f.name);
    expect(contactFields).toEqual(["slackEmail", "email", "msteamsUrlSet", "minSeverity", "digestWindowSeconds", "quietHoursStart", "quietHoursEnd", "timeZone"]);

    expect(bed.responses).toHaveLength(5);
    for (const response of bed.responses) {
      expect(response).not.toContain("MYTEAMSSIG");
      expect(response).not.toContain("prod-12.westeurope");
    }
  });

  it.each([
    ["slackEmail", "a Slack e-mail that is no address", { slackEmail: "reader at slack" }],
    ["email", "a mail address that is no address", { email: "inbox@" }],
    ["email", "an over-long address", { email: `${"a".repeat(250)}@example.com` }],
    ["msteamsUrl", "a Teams URL off the allowlist", { msteamsUrl: "https://evil.example/workflows/x?sig=MYTEAMSSIG" }],
    ["msteamsUrl", "a look-alike host", { msteamsUrl: "https://prod-1.westeurope.logic.azure.com.evil.example/workflows/?sig=MYTEAMSSIG" }],
    ["msteamsUrl", "user info before another host", { msteamsUrl: "https://prod-1.westeurope.logic.azure.com@evil.example/?sig=MYTEAMSSIG" }],
    ["msteamsUrl", "the metadata service", { msteamsUrl: "http://169.254.169.254/latest/meta-data/?sig=MYTEAMSSIG" }],
    ["msteamsUrl", "loopback", { msteamsUrl: "http://127.0.0.1:8123/hook?sig=MYTEAMSSIG" }],
    ["msteamsUrl", "plain http to Workflows", { msteamsUrl: TEAMS_URL.replace("https:", "http:") }],
    ["msteamsUrl", "no URL at all", { msteamsUrl: "MYTEAMSSIG teams" }],
    ["msteamsUrl", "a javascript: URL", { msteamsUrl: "javascript:alert('MYTEAMSSIG')" }],
  ])("refuses %s (%s) with BAD_USER_INPUT, without echoing it, and changes nothing", async (field, _label, input) => {
    await bed.run(READER, UPDATE, { input: { slackEmail: "before@slack.example" } });
    const before = await bed.preferences.contact(READER.id);

    // A valid field beside the bad one is not applied either.
    const result = await bed.run(READER, UPDATE, { input: { slackEmail: "after@slack.example", ...input } });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0].extensions?.field).toBe(field);
    expect(result.errors?.[0].message).toContain(field);
    expect(result.data).toBeNull();
    expect(JSON.stringify(result)).not.toContain("MYTEAMSSIG");
    expect(await bed.preferences.contact(READER.id)).toEqual(before);
  });

  describe("delivery preferences: minimum severity, digest window and quiet hours", () => {
    const PREFERENCES = `contact { minSeverity digestWindowSeconds quietHoursStart quietHoursEnd timeZone }`;
    const UPDATE_PREFERENCES = `mutation ($input: ContactInput!) { updateMyContact(input: $input) { ${PREFERENCES} } }`;
    const NONE = { minSeverity: null, digestWindowSeconds: 0, quietHoursStart: null, quietHoursEnd: null, timeZone: null };
    const update = async (input: Record<string, unknown>) => {
      const result = await bed.run(READER, UPDATE_PREFERENCES, { input });
      expect(result.errors).toBeUndefined();
      return (result.data?.updateMyContact as { contact: unknown }).contact;
    };
    const read = async () => {
      const result = await bed.run(READER, `{ me { ${PREFERENCES} } }`);
      expect(result.errors).toBeUndefined();
      return (result.data?.me as { contact: unknown }).contact;
    };

    it("starts with every finding, at once, without quiet hours", async () => {
      expect(await read()).toEqual(NONE);
    });

    it("sets and reads them back, keeps them through other updates and clears them", async () => {
      const set = {
        minSeverity: "HIGH",
        digestWindowSeconds: 900,
        quietHoursStart: "22:00",
        quietHoursEnd: "07:00",
        timeZone: "Europe/Berlin",
      };
      expect(await update(set)).toEqual(set);
      expect(await read()).toEqual(set);
      // The fan-out reads the same store, with the quiet hours ready for routing.
      expect(await bed.preferences.contact(READER.id)).toMatchObject({
        minSeverity: "HIGH",
        digestWindowSeconds: 900,
        quietHours: { start: "22:00", end: "07:00", timeZone: "Europe/Berlin" },
      });

      // Absent and null leave them alone (but for minSeverity, below).
      await update({ email: "inbox@mail.example", digestWindowSeconds: null, quietHoursStart: null, quietHoursEnd: null, timeZone: null });
      expect(await read()).toEqual(set);
      await update({ quietHoursStart: "12:00", quietHoursEnd: "13:00" });
      expect(await read()).toEqual({ ...set, quietHoursStart: "12:00", quietHoursEnd: "13:00" });

      // null clears minSeverity (a Severity cannot be ""); 0 and "" clear the others.
      expect(await update({ minSeverity: null })).toEqual({ ...set, minSeverity: null, quietHoursStart: "12:00", quietHoursEnd: "13:00" });
      expect(await update({ digestWindowSeconds: 0, quietHoursStart: "", quietHoursEnd: "", timeZone: "" })).toEqual(NONE);
      expect(await bed.preferences.contact(READER.id)).toMatchObject({ email: "inbox@mail.example", quietHours: null, timeZone: null });
    });

    it("keeps a time zone set without quiet hours, and takes quiet hours without a time zone as UTC", async () => {
      expect(await update({ timeZone: "America/New_York" })).toEqual({ ...NONE, timeZone: "America/New_York" });
      await update({ timeZone: "", quietHoursStart: "23:00", quietHoursEnd: "06:30" });
      expect(await bed.preferences.contact(READER.id)).toMatchObject({ quietHours: { start: "23:00", end: "06:30", timeZone: "UTC" } });
    });

    it.each([
      ["timeZone", "an unknown time zone", { timeZone: "Mars/Olympus_Mons" }, /timeZone must be an IANA time zone such as Europe\/Berlin/],
      ["quietHoursStart", "a start past 23:59", { quietHoursStart: "24:00", quietHoursEnd: "07:00" }, /quietHoursStart must be a 24-hour time HH:MM/],
      ["quietHoursEnd", "an end that is no HH:MM", { quietHoursStart: "22:00", quietHoursEnd: "7am" }, /quietHoursEnd must be a 24-hour time HH:MM/],
      ["quietHoursEnd", "a start without an end", { quietHoursStart: "22:00" }, /quietHoursEnd must be given with quietHoursStart/],
      ["quietHoursStart", "an end without a start", { quietHoursEnd: "07:00" }, /quietHoursStart must be given with quietHoursEnd/],
      ["quietHoursStart", "clearing only the start", { quietHoursStart: "", quietHoursEnd: "07:00" }, /quietHoursStart must be given with quietHoursEnd/],
      ["digestWindowSeconds", "a window over a day", { digestWindowSeconds: 86_401 }, /digestWindowSeconds must be from 0 to 86400 seconds/],
      ["digestWindowSeconds", "a negative window", { digestWindowSeconds: -1 }, /digestWindowSeconds must be from 0 to 86400 seconds/],
    ])("refuses %s (%s) with BAD_USER_INPUT naming it, and stores nothing", async (field, _label, input, message) => {
      await update({ minSeverity: "CRITICAL", digestWindowSeconds: 60, quietHoursStart: "21:00", quietHoursEnd: "06:00", timeZone: "Asia/Tokyo" });
      const before = await bed.preferences.contact(READER.id);

      // A valid field beside the bad one is not applied either.
      const result = await bed.run(READER, UPDATE_PREFERENCES, { input: { minSeverity: "LOW", email: "after@mail.example", ...input } });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0].message).toMatch(message);
      expect(result.errors?.[0].extensions?.field).toBe(field);
      expect(result.data).toBeNull();
      expect(await bed.preferences.contact(READER.id)).toEqual(before);
    });

    it.each([
      ["digestWindowSeconds", { digestWindowSeconds: 1.5 }],
      ["minSeverity", { minSeverity: "SEVERE" }],
    ])("refuses a %s GraphQL cannot read as its type, naming the field, and stores nothing", async (field, input) => {
      const result = await bed.run(READER, UPDATE_PREFERENCES, { input: { minSeverity: "LOW", ...input } });
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0].message).toContain(field);
      expect(result.data).toBeUndefined();
      expect(await read()).toEqual(NONE);
    });
  });

  it("says what the allowlist permits when it refuses a Teams URL", async () => {
    const result = await bed.run(READER, UPDATE, { input: { msteamsUrl: "https://hooks.example.org/x" } });
    expect(result.errors?.[0].message).toMatch(/PERSONAL_WEBHOOK_ALLOWLIST.*https:\/\/\*\.\*\.logic\.azure\.com\/workflows\//);
  });

  it("follows the configured allowlist, a local relay included", async () => {
    const local = await graphqlTestbed(undefined, { webhookAllowlist: parseWebhookAllowlist("http://127.0.0.1:8123/") });
    try {
      const accepted = await local.run(READER, UPDATE, { input: { msteamsUrl: "http://127.0.0.1:8123/hook" } });
      expect(accepted.errors).toBeUndefined();
      const workflows = await local.run(READER, UPDATE, { input: { msteamsUrl: TEAMS_URL } });
      expect(errorCodes(workflows)).toEqual(["BAD_USER_INPUT"]);
      expect(await local.preferences.contact(READER.id)).toMatchObject({ msteamsUrl: "http://127.0.0.1:8123/hook" });
    } finally {
      await local.close();
    }
  });

  it("sets the caller's channels per event, each once", async () => {
    const set = await bed.run(READER, SET, { event: "SCAN_ADDED", channels: ["MAIL", "SLACK", "MAIL"] });
    expect(set.errors).toBeUndefined();
    expect(set.data?.setMyNotification).toEqual({ event: "SCAN_ADDED", channels: ["SLACK", "MAIL"] });
    await bed.run(READER, SET, { event: "PRODUCT_ADDED", channels: ["MSTEAMS"] });
    await bed.run(READER, SET, { event: "PRODUCT_ADDED", channels: [] });

    const notifications = (await me()).notifications;
    expect(notifications.find((n) => n.event === "SCAN_ADDED")?.channels).toEqual(["SLACK", "MAIL"]);
    expect(notifications.find((n) => n.event === "PRODUCT_ADDED")?.channels).toEqual([]);
    // The fan-out reads the same store.
    expect(await bed.preferences.subscribers(NotificationEvent.SCAN_ADDED)).toEqual([{ userId: READER.id, channels: ["SLACK", "MAIL"] }]);
  });

  it("refuses a context without a caller with UNAUTHENTICATED", async () => {
    expect(errorCodes(await bed.run(null, ME))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await bed.run(null, SET, { event: "OTHER", channels: ["MAIL"] }))).toEqual(["UNAUTHENTICATED"]);
    expect(await bed.preferences.subscribers(NotificationEvent.OTHER)).toEqual([]);
  });
});
