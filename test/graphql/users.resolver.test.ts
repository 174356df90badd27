import { Channel } from "../../src/vocabulary/channel";
import { NotificationEvent } from "../../src/events/notification-event";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, Testbed, WRITER } from "./graphql-testbed";

const WRITER_TEAMS_URL = "https://prod-03.northeurope.logic.azure.com/workflows/w3/triggers/manual/paths/invoke?sig=WRITERSIG";

const USER = `query ($id: Int!) {
  user(id: $id) { id username email isSuperuser contact { slackEmail email msteamsUrlSet } notifications { event channels } }
}`;
const SET_USER = `mutation ($userId: Int!, $event: NotificationEvent!, $channels: [Channel!]!) {
  setUserNotification(userId: $userId, event: $event, channels: $channels) { event channels }
}`;

type User = {
  id: number;
  username: string;
  contact: { slackEmail: string | null; email: string | null; msteamsUrlSet: boolean };
  notifications: Array<{ event: string; channels: string[] }>;
};

describe("another user's settings over GraphQL", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
    // User B (WRITER) has settings of their own.
    await bed.preferences.updateContact(WRITER.id, { slackEmail: "writer@slack.example", msteamsUrl: WRITER_TEAMS_URL });
    await bed.preferences.setNotification(WRITER.id, NotificationEvent.SCAN_ADDED, [Channel.SLACK]);
  });
  afterEach(() => bed.close());

  /** User B's rows exactly as the database holds them. */
  const writerRows = () =>
    Promise.all([
      bed.database.db.dataSource.query("SELECT * FROM user_contact WHERE user_id = 3"),
      bed.database.db.dataSource.query("SELECT * FROM user_notification WHERE user_id = 3 ORDER BY event"),
    ]);

  it("lets a superuser read any user, without the Teams URL", async () => {
    const result = await bed.run(SUPERUSER, USER, { id: WRITER.id });
    expect(result.errors).toBeUndefined();
    const user = result.data?.user as User;
    expect(user).toMatchObject({ id: 3, username: "writer", email: "writer@example.com", isSuperuser: false });
    expect(user.contact).toEqual({ slackEmail: "writer@slack.example", email: "writer@example.com", msteamsUrlSet: true });
    expect(user.notifications.find((n) => n.event === "SCAN_ADDED")?.channels).toEqual(["SLACK"]);
    expect(bed.responses.join("")).not.toContain("WRITERSIG");
    expect(bed.responses.join("")).not.toContain("northeurope");
  });

  it("answers null for an id DefectDojo does not know", async () => {
    for (const id of [999, 0, -1]) {
      const result = await bed.run(SUPERUSER, USER, { id });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ user: null });
    }
    // A user removed from DefectDojo is gone for the bridge too, though their rows remain.
    bed.users.delete(WRITER.id);
    expect((await bed.run(SUPERUSER, USER, { id: WRITER.id })).data).toEqual({ user: null });
  });

  it("lets a superuser set any user's channels", async () => {
    const set = await bed.run(SUPERUSER, SET_USER, { userId: WRITER.id, event: "PRODUCT_ADDED", channels: ["MAIL", "MSTEAMS"] });
    expect(set.errors).toBeUndefined();
    expect(set.data?.setUserNotification).toEqual({ event: "PRODUCT_ADDED", channels: ["MSTEAMS", "MAIL"] });
    const [, notifications] = await writerRows();
    expect(notifications).toEqual([
      { user_id: 3, event: "PRODUCT_ADDED", channels: '["MSTEAMS","MAIL"]' },
      { user_id: 3, event: "SCAN_ADDED", channels: '["SLACK"]' },
    ]);
    // The superuser's own settings are not touched.
    expect(await bed.database.db.dataSource.query("SELECT count(*) AS n FROM user_notification WHERE user_id = 1")).toEqual([{ n: 0 }]);
  });

  it("refuses to set channels for an id DefectDojo does not know, storing nothing", async () => {
    const result = await bed.run(SUPERUSER, SET_USER, { userId: 999, event: "OTHER", channels: ["MAIL"] });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0].extensions?.field).toBe("userId");
    expect(await bed.database.db.dataSource.query("SELECT count(*) AS n FROM user_notification WHERE user_id = 999")).toEqual([{ n: 0 }]);
  });

  it("refuses user A reading or changing user B with FORBIDDEN, and B's rows stay as they were", async () => {
    const before = await writerRows();
    expect(before[0]).toHaveLength(1);
    expect(before[1]).toHaveLength(1);

    const read = await bed.run(READER, USER, { id: WRITER.id });
    expect(errorCodes(read)).toEqual(["FORBIDDEN"]);
    // `user` is nullable, so the refusal leaves it null rather than the whole response.
    expect(read.data).toEqual({ user: null });

    for (const channels of [[], ["SLACK", "MAIL", "MSTEAMS"]]) {
      const set = await bed.run(READER, SET_USER, { userId: WRITER.id, event: "SCAN_ADDED", channels });
      expect(errorCodes(set)).toEqual(["FORBIDDEN"]);
      expect(set.data).toBeNull();
    }
    const other = await bed.run(READER, SET_USER, { userId: WRITER.id, event: "PRODUCT_ADDED", channels: ["MAIL"] });
    expect(errorCodes(other)).toEqual(["FORBIDDEN"]);

    // The caller's own operations take no user id at all: one cannot be smuggled in.
    const smuggled = await bed.run(READER, `mutation { updateMyContact(input: { userId: 3, slackEmail: "a@b.example" }) { id } }`);
    expect(smuggled.errors?.[0].message).toMatch(/userId/);
    const smuggledSet = await bed.run(READER, `mutation { setMyNotification(userId: 3, event: OTHER, channels: [MAIL]) { event } }`);
    expect(smuggledSet.errors?.[0].message).toMatch(/userId/);

    expect(await writerRows()).toEqual(before);
    expect(bed.responses.join("")).not.toContain("writer@slack.example");
  });

  it("refuses a plain user even for their own id", async () => {
    expect(errorCodes(await bed.run(READER, USER, { id: READER.id }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await bed.run(READER, SET_USER, { userId: READER.id, event: "OTHER", channels: ["MAIL"] }))).toEqual(["FORBIDDEN"]);
    expect(await bed.database.db.dataSource.query("SELECT count(*) AS n FROM user_notification WHERE user_id = 2")).toEqual([{ n: 0 }]);
  });
});
