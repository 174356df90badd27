import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../../src/events/notification-event";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, Testbed } from "./graphql-testbed";

/**
 * setSystemNotifications / setMyNotifications: the whole table in one mutation, as DefectDojo's own
 * notifications page saves it: one NotificationsForm for every event, saved only if it is valid as a
 * whole, the system one for superusers only (DefectDojo HEAD dojo/notifications/ui/views.py
 * SystemNotificationsView.post / process_form / check_user_permissions; PersonalNotificationsView).
 */
const LINE = "event channels personalOnly note";
const SET_SYSTEM = `mutation ($input: [EventChannelsInput!]!) { setSystemNotifications(input: $input) { ${LINE} } }`;
const SET_MINE = `mutation ($input: [EventChannelsInput!]!) { setMyNotifications(input: $input) { ${LINE} } }`;
const SYSTEM = `{ systemNotifications { ${LINE} } }`;
const MINE = `{ me { notifications { ${LINE} } } }`;

// DefectDojo sends these only to the users they name, never to the bridge (src/events/personal-only-events.ts).
const PERSONAL_ONLY: string[] = [NotificationEvent.USER_MENTIONED, NotificationEvent.REVIEW_REQUESTED];

type Line = { event: string; channels: string[]; personalOnly: boolean; note: string | null };
type Row = { event: string; channels: string[] };

/** Every event, each with a different set of channels (personal-only ones with none). */
const FULL_MATRIX: Row[] = ALL_NOTIFICATION_EVENTS.map((event, index) => ({
  event,
  channels: PERSONAL_ONLY.includes(event) ? [] : [["SLACK"], ["MSTEAMS", "MAIL"], [], ["MAIL", "SLACK", "MAIL"]][index % 4],
}));
/** What the bridge stores for FULL_MATRIX: each channel once, in Channel order. */
const order = (channels: string[]) => ["SLACK", "MSTEAMS", "MAIL"].filter((channel) => channels.includes(channel));

describe("setting a whole notifications matrix in one mutation", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
  });
  afterEach(() => bed.close());

  const system = async () => ((await bed.run(SUPERUSER, SYSTEM)).data?.systemNotifications as Line[]).map(({ event, channels }) => ({ event, channels }));
  const mine = async () => ((await bed.run(READER, MINE)).data?.me as { notifications: Line[] }).notifications.map(({ event, channels }) => ({ event, channels }));

  describe.each([
    ["setSystemNotifications", SUPERUSER, SET_SYSTEM, system],
    ["setMyNotifications", READER, SET_MINE, mine],
  ] as const)("%s", (field, caller, mutation, read) => {
    it("sets every event at once and returns the resulting matrix, in DefectDojo's order", async () => {
      const result = await bed.run(caller, mutation, { input: [...FULL_MATRIX].reverse() });
      expect(result.errors).toBeUndefined();
      const expected = FULL_MATRIX.map(({ event, channels }) => ({ event, channels: order(channels) }));
      const returned = result.data?.[field] as Line[];
      expect(returned.map(({ event, channels }) => ({ event, channels }))).toEqual(expected);
      expect(returned.filter((line) => line.personalOnly).map((line) => line.event)).toEqual(PERSONAL_ONLY);
      expect(await read()).toEqual(expected);
    });

    it("leaves the events it does not list as they were", async () => {
      const before = await read();
      const result = await bed.run(caller, mutation, { input: [{ event: "SCAN_ADDED", channels: ["MAIL"] }, { event: "OTHER", channels: [] }] });
      expect(result.errors).toBeUndefined();
      const expected = before.map((line) =>
        line.event === "SCAN_ADDED" ? { ...line, channels: ["MAIL"] } : line.event === "OTHER" ? { ...line, channels: [] } : line,
      );
      expect(await read()).toEqual(expected);
      // An empty matrix changes nothing and still returns the whole table.
      const empty = await bed.run(caller, mutation, { input: [] });
      expect((empty.data?.[field] as Line[]).map(({ event, channels }) => ({ event, channels }))).toEqual(expected);
    });

    it("changes nothing when one row is refused: channels for a personal-only event", async () => {
      const before = await read();
      const input = [...FULL_MATRIX.filter((row) => !PERSONAL_ONLY.includes(row.event)), { event: "USER_MENTIONED", channels: ["SLACK"] }];
      const result = await bed.run(caller, mutation, { input });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0].message).toMatch(/USER_MENTIONED cannot be sent by the bridge/);
      expect(result.data).toBeNull();
      expect(await read()).toEqual(before);
    });

    it("accepts a personal-only event with no channels, as the single mutation does", async () => {
      const result = await bed.run(caller, mutation, { input: PERSONAL_ONLY.map((event) => ({ event, channels: [] })) });
      expect(result.errors).toBeUndefined();
      const lines = (result.data?.[field] as Line[]).filter((line) => PERSONAL_ONLY.includes(line.event));
      expect(lines).toEqual(PERSONAL_ONLY.map((event) => ({ event, channels: [], personalOnly: true, note: expect.stringMatching(/never receives it/) })));
    });

    it("refuses an event given twice, changing nothing", async () => {
      const before = await read();
      const input = [
        { event: "SCAN_ADDED", channels: ["SLACK"] },
        { event: "OTHER", channels: ["MAIL"] },
        { event: "SCAN_ADDED", channels: [] },
      ];
      const result = await bed.run(caller, mutation, { input });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]).toMatchObject({ message: "input[2].event: SCAN_ADDED is given more than once", extensions: { field: "input[2].event" } });
      expect(await read()).toEqual(before);
    });

    it("refuses names that are not in the enums, changing nothing", async () => {
      const before = await read();
      const result = await bed.run(caller, mutation, { input: [{ event: "SCAN_ADDED", channels: ["MAIL"] }, { event: "OTHER", channels: ["SMS"] }] });
      expect(result.errors?.[0].message).toMatch(/Channel/);
      expect(await read()).toEqual(before);
    });
  });

  it("is for superusers only, system-wide: a plain user gets FORBIDDEN and changes nothing", async () => {
    const before = await system();
    expect(errorCodes(await bed.run(READER, SET_SYSTEM, { input: [{ event: "OTHER", channels: [] }] }))).toEqual(["FORBIDDEN"]);
    expect(await system()).toEqual(before);
  });

  it("sets only the caller's own matrix, never the system's or another user's", async () => {
    const systemBefore = await system();
    const superuserBefore = ((await bed.run(SUPERUSER, MINE)).data?.me as { notifications: Line[] }).notifications;
    expect((await bed.run(READER, SET_MINE, { input: FULL_MATRIX })).errors).toBeUndefined();
    expect(await system()).toEqual(systemBefore);
    expect(((await bed.run(SUPERUSER, MINE)).data?.me as { notifications: Line[] }).notifications).toEqual(superuserBefore);
    expect(await bed.preferences.subscribers(NotificationEvent.SCAN_ADDED)).toEqual(
      FULL_MATRIX.filter((row) => row.event === "SCAN_ADDED" && row.channels.length > 0).map((row) => ({ userId: READER.id, channels: order(row.channels) })),
    );
  });
});
