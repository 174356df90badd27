import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../../src/events/notification-event";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, Testbed } from "./graphql-testbed";

const READ = `{ systemNotifications { event channels } }`;
const SET = `mutation ($event: NotificationEvent!, $channels: [Channel!]!) {
  setSystemNotification(event: $event, channels: $channels) { event channels }
}`;

type Matrix = Array<{ event: string; channels: string[] }>;

describe("system notifications over GraphQL", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
  });
  afterEach(() => bed.close());

  it("lists every NotificationEvent once, in DefectDojo's order, with the defaults", async () => {
    const result = await bed.run(SUPERUSER, READ);
    expect(result.errors).toBeUndefined();
    const matrix = result.data?.systemNotifications as Matrix;
    expect(matrix.map((entry) => entry.event)).toEqual([...ALL_NOTIFICATION_EVENTS]);
    expect(matrix.find((entry) => entry.event === "PRODUCT_ADDED")?.channels).toEqual(["SLACK", "MSTEAMS", "MAIL"]);
    expect(matrix.find((entry) => entry.event === "SCAN_ADDED_EMPTY")?.channels).toEqual([]);
  });

  it("sets one event's channels, keeping each channel once", async () => {
    const set = await bed.run(SUPERUSER, SET, { event: "SCAN_ADDED", channels: ["MAIL", "SLACK", "MAIL"] });
    expect(set.errors).toBeUndefined();
    expect(set.data?.setSystemNotification).toEqual({ event: "SCAN_ADDED", channels: ["SLACK", "MAIL"] });

    await bed.run(SUPERUSER, SET, { event: "PRODUCT_ADDED", channels: [] });
    const matrix = (await bed.run(SUPERUSER, READ)).data?.systemNotifications as Matrix;
    expect(matrix.find((entry) => entry.event === "SCAN_ADDED")?.channels).toEqual(["SLACK", "MAIL"]);
    expect(matrix.find((entry) => entry.event === "PRODUCT_ADDED")?.channels).toEqual([]);
    // The routing reads the same store, so the change is in effect for the next event.
    expect(await bed.settings.systemChannelsFor(NotificationEvent.PRODUCT_ADDED)).toEqual([]);
  });

  it("refuses names that are not in the enums", async () => {
    const badEvent = await bed.run(SUPERUSER, SET, { event: "product_added", channels: ["SLACK"] });
    expect(badEvent.errors?.[0].message).toMatch(/NotificationEvent/);
    const badChannel = await bed.run(SUPERUSER, SET, { event: "OTHER", channels: ["SMS"] });
    expect(badChannel.errors?.[0].message).toMatch(/Channel/);
    const matrix = (await bed.run(SUPERUSER, READ)).data?.systemNotifications as Matrix;
    expect(matrix.find((entry) => entry.event === "OTHER")?.channels).toEqual(["SLACK", "MSTEAMS", "MAIL"]);
  });

  it("refuses other users with FORBIDDEN, changing nothing", async () => {
    expect(errorCodes(await bed.run(READER, READ))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await bed.run(READER, SET, { event: "OTHER", channels: [] }))).toEqual(["FORBIDDEN"]);
    expect(await bed.settings.systemChannelsFor(NotificationEvent.OTHER)).toEqual(["SLACK", "MSTEAMS", "MAIL"]);
  });
});
