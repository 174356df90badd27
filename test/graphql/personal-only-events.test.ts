import { Channel } from "../../src/vocabulary/channel";
import { NotificationEvent } from "../../src/events/notification-event";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, Testbed, WRITER } from "./graphql-testbed";

// DefectDojo creates user_mentioned (dojo/notifications/helper.py process_tag_notifications) and
// review_requested (dojo/finding/ui/views.py) with `recipients`; `_process_recipients` sends them with
// each recipient's settings only, and WebhookNotificationManger._get_webhook_endpoints posts to
// `Notification_Webhooks.objects.filter(owner=user)`: the recipient's own endpoints, never the
// system endpoint (owner None) the bridge is. Same in HEAD (3.2) and 2.58.2-changelog.
const PERSONAL_ONLY = ["USER_MENTIONED", "REVIEW_REQUESTED"];

const LINE = "event channels personalOnly note";
const SYSTEM = `{ systemNotifications { ${LINE} } }`;
const SET_SYSTEM = `mutation ($event: NotificationEvent!, $channels: [Channel!]!) {
  setSystemNotification(event: $event, channels: $channels) { ${LINE} }
}`;
const ME = `{ me { notifications { ${LINE} } } }`;
const SET_MINE = `mutation ($event: NotificationEvent!, $channels: [Channel!]!) {
  setMyNotification(event: $event, channels: $channels) { ${LINE} }
}`;
const USER = `query ($id: Int!) { user(id: $id) { notifications { ${LINE} } } }`;
const SET_USER = `mutation ($userId: Int!, $event: NotificationEvent!, $channels: [Channel!]!) {
  setUserNotification(userId: $userId, event: $event, channels: $channels) { ${LINE} }
}`;

interface Line {
  event: string;
  channels: string[];
  personalOnly: boolean;
  note: string | null;
}

function expectPersonalOnlyLines(lines: Line[]) {
  for (const line of lines) {
    if (PERSONAL_ONLY.includes(line.event)) {
      expect(line).toMatchObject({ channels: [], personalOnly: true });
      expect(line.note).toMatch(/only to the users it names/);
      expect(line.note).toMatch(/never receives it/);
    } else {
      expect(line).toMatchObject({ personalOnly: false, note: null });
    }
  }
  expect(lines.filter((line) => line.personalOnly).map((line) => line.event)).toEqual(PERSONAL_ONLY);
}

describe("events DefectDojo sends only to their recipients' own endpoints", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
  });
  afterEach(() => bed.close());

  it("are listed in the system matrix as personal-only, with a note and no channels", async () => {
    const result = await bed.run(SUPERUSER, SYSTEM);
    expect(result.errors).toBeUndefined();
    expectPersonalOnlyLines(result.data?.systemNotifications as Line[]);
    // The store the routing reads agrees: by default they go nowhere.
    expect(await bed.settings.systemChannelsFor(NotificationEvent.USER_MENTIONED)).toEqual([]);
    expect(await bed.settings.systemChannelsFor(NotificationEvent.PRODUCT_ADDED)).toEqual([Channel.SLACK, Channel.MSTEAMS, Channel.MAIL]);
  });

  it("refuses a system channel for them with BAD_USER_INPUT saying why, and stores nothing", async () => {
    for (const event of PERSONAL_ONLY) {
      const result = await bed.run(SUPERUSER, SET_SYSTEM, { event, channels: ["SLACK"] });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0].message).toMatch(new RegExp(`^channels: ${event} cannot be sent by the bridge: DefectDojo sends this event only to the users it names`));
      expect(result.errors?.[0].extensions?.field).toBe("channels");
    }
    expect(await bed.settings.systemChannelsFor(NotificationEvent.REVIEW_REQUESTED)).toEqual([]);
    // [] changes nothing that could fire: accepted, so a client clearing every event does not fail.
    const cleared = await bed.run(SUPERUSER, SET_SYSTEM, { event: "USER_MENTIONED", channels: [] });
    expect(cleared.errors).toBeUndefined();
    expect(cleared.data?.setSystemNotification).toMatchObject({ event: "USER_MENTIONED", channels: [], personalOnly: true });
    // Other events are set as before.
    const set = await bed.run(SUPERUSER, SET_SYSTEM, { event: "CODE_REVIEW", channels: ["MAIL"] });
    expect(set.data?.setSystemNotification).toEqual({ event: "CODE_REVIEW", channels: ["MAIL"], personalOnly: false, note: null });
  });

  it("say so in personal settings too, and refuse personal channels: the bridge never receives them", async () => {
    const mine = await bed.run(READER, ME);
    expect(mine.errors).toBeUndefined();
    expectPersonalOnlyLines((mine.data?.me as { notifications: Line[] }).notifications);

    const refused = await bed.run(READER, SET_MINE, { event: "USER_MENTIONED", channels: ["SLACK", "MAIL"] });
    expect(errorCodes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors?.[0].message).toMatch(/USER_MENTIONED cannot be sent by the bridge/);
    const forUser = await bed.run(SUPERUSER, SET_USER, { userId: WRITER.id, event: "REVIEW_REQUESTED", channels: ["MSTEAMS"] });
    expect(errorCodes(forUser)).toEqual(["BAD_USER_INPUT"]);
    expect(await bed.preferences.subscribers(NotificationEvent.USER_MENTIONED)).toEqual([]);
    expect(await bed.preferences.subscribers(NotificationEvent.REVIEW_REQUESTED)).toEqual([]);

    const scan = await bed.run(READER, SET_MINE, { event: "SCAN_ADDED", channels: ["SLACK"] });
    expect(scan.data?.setMyNotification).toEqual({ event: "SCAN_ADDED", channels: ["SLACK"], personalOnly: false, note: null });
  });

  it("show no channels even where an older version stored some", async () => {
    await bed.settings.setSystemNotification(NotificationEvent.USER_MENTIONED, [Channel.SLACK]);
    await bed.preferences.setNotification(WRITER.id, NotificationEvent.REVIEW_REQUESTED, [Channel.MAIL]);
    const system = (await bed.run(SUPERUSER, SYSTEM)).data?.systemNotifications as Line[];
    expect(system.find((line) => line.event === "USER_MENTIONED")).toMatchObject({ channels: [], personalOnly: true });
    const user = (await bed.run(SUPERUSER, USER, { id: WRITER.id })).data?.user as { notifications: Line[] };
    expectPersonalOnlyLines(user.notifications);
  });
});
