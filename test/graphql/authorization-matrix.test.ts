import { Kind, OperationDefinitionNode, OperationTypeNode, parse } from "graphql";
import { Channel } from "../../src/vocabulary/channel";
import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../../src/events/notification-event";
import { POLL_RESOURCES } from "../../src/ingest/poll/poller";
import { Caller } from "../../src/graphql/context";
import { SLACK_APP_MANIFEST } from "../../src/graphql/slack-manifest.resolver";
import { Database } from "../../src/storage/database";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { KeptAsideReason } from "../../src/storage/entities/kept-aside-request.entity";
import { createKeepAside } from "../../src/ingest/keep-aside";
import { testDraft } from "../support/routing-rules";
import { errorCodes, graphqlTestbed, READER, relaySchema, seedDeliveries, SUPERUSER, Testbed, WRITER } from "./graphql-testbed";

/**
 * Who may run each root field of the schema, and what each caller gets. Four callers per field:
 * nobody (no caller in the context), a plain `user` (READER, acting on their own data or id), an
 * `otherUser` (WRITER, a second plain user, aiming at READER where the field takes a user id; where
 * it does not, READER's data must neither show nor change), and a `superuser`. A refusal is one
 * error with that code, no data for the field, and no change anywhere; an allowed call is checked
 * by its cell. A root field missing from the table fails the first test.
 */

/** READER's personal data: nobody but READER and superusers may ever see it. */
const READER_SLACK_EMAIL = "reader-private@slack.example";
const READER_INBOX = "reader-inbox@mail.example";
/** A credential: write-only for everyone. */
const READER_TEAMS_URL = "https://prod-12.westeurope.logic.azure.com/workflows/r1/triggers/manual/paths/invoke?sig=READERSIG";
/** A routing rule's Teams URL: write-only too. */
const RULE_TEAMS_URL = "https://prod-07.westeurope.logic.azure.com/workflows/m1/triggers/manual/paths/invoke?sig=RULESIG";
/** Every test starts with this rule, the only one, so its id is 1. */
const SEEDED_RULE = testDraft({
  name: "seeded",
  targets: [
    { channel: Channel.SLACK, slackChannel: "#rules" },
    { channel: Channel.MSTEAMS, msteamsUrl: RULE_TEAMS_URL },
  ],
});
/** The sealed Teams URLs of each stored rule, in order. */
const sealedTeamsUrls = (state: State) =>
  state.routingRules.map((row) =>
    (JSON.parse(String(row.targets)) as Array<{ msteamsUrlSealed?: string }>).map((target) => target.msteamsUrlSealed).filter(Boolean),
  );
const READER_ONLY = new RegExp(`${READER_SLACK_EMAIL}|${READER_INBOX}`);

type State = Awaited<ReturnType<typeof readState>>;
type Row = Record<string, unknown>;
/**
 * NOT_FOUND: the row exists, but not for this caller. NOT_CONFIGURED: allowed, but this testbed has
 * no DefectDojo API (defectdojo.resolver.test.ts runs those operations against one).
 */
type Refusal = "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "NOT_CONFIGURED";
interface Allowed {
  caller: Caller;
  /** What the operation's root field returned. */
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  before: State;
  after: State;
  /** Channels the test-notification service was asked to send on. */
  sent: Channel[];
}
type Expectation = Refusal | ((outcome: Allowed) => void);

interface RootFieldCase {
  /** A valid operation selecting only this field (checked below). */
  operation: string;
  nobody: Refusal;
  user: Expectation;
  otherUser: Expectation;
  superuser: Expectation;
}

const ACTORS = { nobody: null, user: READER, otherUser: WRITER, superuser: SUPERUSER } as const;
type Actor = keyof typeof ACTORS;

async function readState(bed: Testbed) {
  const query = (sql: string): Promise<Row[]> => bed.database.db.dataSource.query(sql);
  return {
    settings: await bed.settings.systemSettings(),
    systemNotifications: await bed.settings.systemNotifications(),
    contacts: await query("SELECT * FROM user_contact ORDER BY user_id"),
    userNotifications: await query("SELECT * FROM user_notification ORDER BY user_id, event"),
    deliveries: await query("SELECT * FROM delivery ORDER BY id"),
    routingRules: await query("SELECT * FROM routing_rule ORDER BY id"),
    templates: await query("SELECT * FROM message_template ORDER BY event, channel"),
  };
}

/** The state without one user's personal rows: what an operation on that user alone must leave as it was. */
const withoutUser = (state: State, userId: number) => ({
  ...state,
  contacts: state.contacts.filter((row) => row.user_id !== userId),
  userNotifications: state.userNotifications.filter((row) => row.user_id !== userId),
});
const notificationRows = (state: State, userId: number) => state.userNotifications.filter((row) => row.user_id === userId);
const contactRow = (state: State, userId: number) => state.contacts.find((row) => row.user_id === userId);
const targets = (data: { edges: Array<{ node: { target: string } }> }) => data.edges.map((edge) => edge.node.target);

/** The template every test starts with (stored by a superuser). */
const SEEDED_TEMPLATE = { event: "SCAN_ADDED", channel: "SLACK", title: "{{product}} changed", text: null };
const PREVIEW_PAYLOAD = JSON.stringify({ title: "t", product: { id: 1, name: "p1" } });

/** Any caller sets their own notifications; nobody else's rows change. */
const setsOwnNotification = ({ caller, data, before, after }: Allowed) => {
  expect(data).toEqual({ event: "PRODUCT_ADDED", channels: ["MAIL"] });
  expect(withoutUser(after, caller.id)).toEqual(withoutUser(before, caller.id));
  expect(notificationRows(after, caller.id)).toEqual(
    [...notificationRows(before, caller.id), { user_id: caller.id, event: "PRODUCT_ADDED", channels: '["MAIL"]' }].sort((a, b) =>
      String(a.event).localeCompare(String(b.event)),
    ),
  );
};

/** The same through the matrix mutation, which returns the caller's whole matrix. */
const setsOwnNotifications = (outcome: Allowed) => {
  const lines = outcome.data as Array<{ event: string; channels: string[] }>;
  expect(lines.map((line) => line.event)).toEqual([...ALL_NOTIFICATION_EVENTS]);
  setsOwnNotification({ ...outcome, data: lines.find((line) => line.event === "PRODUCT_ADDED") });
};

/** Any caller sets their own contact; nobody else's changes, and the caller's Teams URL stays. */
const updatesOwnContact = ({ caller, data, before, after }: Allowed) => {
  expect(data).toEqual({ id: caller.id, contact: { slackEmail: "changed@slack.example" } });
  expect(withoutUser(after, caller.id)).toEqual(withoutUser(before, caller.id));
  expect(contactRow(after, caller.id)).toMatchObject({
    slack_email: "changed@slack.example",
    msteams_url_encrypted: contactRow(before, caller.id)?.msteams_url_encrypted ?? null,
  });
};

/** READER's FAILED delivery (id 2) goes back to the outbox; nothing else changes. */
const requeuesReadersDelivery = ({ data, before, after }: Allowed) => {
  expect(data).toEqual({ target: READER_INBOX, status: "PENDING", attempts: 0 });
  expect(after.deliveries.filter((row) => row.id !== 2)).toEqual(before.deliveries.filter((row) => row.id !== 2));
};

const QUERIES: Record<string, RootFieldCase> = {
  defectDojoConnection: {
    operation: "{ defectDojoConnection { reachable problem } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data }) => expect(data).toEqual({ reachable: false, problem: "DOJO_API_KEY is not set (a DefectDojo superuser's API v2 key)" }),
  },
  deliveries: {
    operation: "{ deliveries(first: 100) { edges { node { target } } } }",
    nobody: "UNAUTHENTICATED",
    user: ({ data }) => expect(targets(data)).toEqual([READER_INBOX]),
    otherUser: ({ data }) => expect(targets(data)).toEqual(["writer@example.com"]),
    superuser: ({ data }) => expect(targets(data)).toEqual(["writer@example.com", READER_INBOX, "#security"]),
  },
  keptAsideRequests: {
    operation: "{ keptAsideRequests(first: 10) { edges { node { reason eventName headers { name value } body } } } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data }) =>
      expect(data.edges.map((edge: { node: unknown }) => edge.node)).toEqual([
        { reason: "INVALID_JSON", eventName: "product_added", headers: [{ name: "Authorization", value: "[redacted]" }], body: "{not json" },
      ]),
  },
  me: {
    operation: "{ me { id contact { slackEmail msteamsUrlSet } notifications { event channels } } }",
    nobody: "UNAUTHENTICATED",
    user: ({ data }) => {
      expect(data).toMatchObject({ id: READER.id, contact: { slackEmail: READER_SLACK_EMAIL, msteamsUrlSet: true } });
      expect(data.notifications.filter((n: { channels: string[] }) => n.channels.length > 0)).toEqual([{ event: "SCAN_ADDED", channels: ["SLACK"] }]);
    },
    otherUser: ({ data }) => {
      expect(data).toMatchObject({ id: WRITER.id, contact: { slackEmail: WRITER.email, msteamsUrlSet: false } });
      expect(data.notifications.every((n: { channels: string[] }) => n.channels.length === 0)).toBe(true);
    },
    superuser: ({ data }) => expect(data).toMatchObject({ id: SUPERUSER.id, contact: { slackEmail: SUPERUSER.email, msteamsUrlSet: false } }),
  },
  messageTemplates: {
    operation: "{ messageTemplates { event channel title text } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data }) => expect(data).toEqual([SEEDED_TEMPLATE]),
  },
  pollerStatus: {
    operation: "{ pollerStatus { resource } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data }) => expect(data.map((row: { resource: string }) => row.resource)).toEqual(POLL_RESOURCES.map((resource) => resource.name)),
  },
  previewMessage: {
    // A JSON string is a GraphQL string literal too.
    operation: `{ previewMessage(event: "scan_added", payload: ${JSON.stringify(PREVIEW_PAYLOAD)}, channel: SLACK) }`,
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    // The stored template, and nothing stored or sent (a query: the state is checked unchanged).
    superuser: ({ data, sent }) => {
      expect(JSON.parse(data).text).toBe("Scan Added: p1 changed");
      expect(sent).toEqual([]);
    },
  },
  previewRouting: {
    operation: `{ previewRouting(event: "product_added", payload: ${JSON.stringify(JSON.stringify({ product: { id: 1, name: "p1" } }))}) { channel target ruleName } }`,
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, sent }) => {
      expect(data).toEqual([
        { channel: "SLACK", target: "#rules", ruleName: "seeded" },
        { channel: "MSTEAMS", target: "Teams webhook at prod-07.westeurope.logic.azure.com (rule 1)", ruleName: "seeded" },
      ]);
      expect(sent).toEqual([]);
    },
  },
  routingRules: {
    operation: "{ routingRules { id name targets { channel slackChannel msteamsUrlSet } } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data }) =>
      expect(data).toEqual([
        {
          id: "1",
          name: "seeded",
          targets: [
            { channel: "SLACK", slackChannel: "#rules", msteamsUrlSet: false },
            { channel: "MSTEAMS", slackChannel: null, msteamsUrlSet: true },
          ],
        },
      ]),
  },
  slackAppManifest: {
    operation: "{ slackAppManifest }",
    nobody: "UNAUTHENTICATED",
    user: ({ data }) => expect(JSON.parse(data)).toEqual(SLACK_APP_MANIFEST),
    otherUser: ({ data }) => expect(JSON.parse(data)).toEqual(SLACK_APP_MANIFEST),
    superuser: ({ data }) => expect(JSON.parse(data)).toEqual(SLACK_APP_MANIFEST),
  },
  systemNotifications: {
    operation: "{ systemNotifications { event channels } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before }) => {
      expect(data).toHaveLength(ALL_NOTIFICATION_EVENTS.length);
      expect(data).toEqual(before.systemNotifications);
    },
  },
  systemSettings: {
    operation: "{ systemSettings { slackChannel slackTokenSet } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data }) => expect(data).toEqual({ slackChannel: "#security", slackTokenSet: true }),
  },
  user: {
    operation: `{ user(id: ${READER.id}) { id contact { slackEmail msteamsUrlSet } } }`,
    nobody: "UNAUTHENTICATED",
    // Even for their own id: plain users have `me`.
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data }) => expect(data).toEqual({ id: READER.id, contact: { slackEmail: READER_SLACK_EMAIL, msteamsUrlSet: true } }),
  },
};

const MUTATIONS: Record<string, RootFieldCase> = {
  createRoutingRule: {
    operation: 'mutation { createRoutingRule(input: { name: "new", position: 1, targets: [{ channel: SLACK, slackChannel: "#new" }] }) { id name } }',
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      expect(data).toEqual({ id: "2", name: "new" });
      expect(after).toEqual({ ...before, routingRules: [...before.routingRules, expect.objectContaining({ id: 2, name: "new" })] });
    },
  },
  deleteMessageTemplate: {
    operation: "mutation { deleteMessageTemplate(event: SCAN_ADDED, channel: SLACK) }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      expect(data).toBe(true);
      expect(after).toEqual({ ...before, templates: [] });
    },
  },
  deleteRoutingRule: {
    operation: "mutation { deleteRoutingRule(id: 1) }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      expect(data).toBe(true);
      expect(after).toEqual({ ...before, routingRules: [] });
    },
  },
  importFromDefectDojo: {
    operation: "mutation { importFromDefectDojo { importedCount } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: "NOT_CONFIGURED",
  },
  registerDefectDojoWebhook: {
    operation: 'mutation { registerDefectDojoWebhook(publicUrl: "https://relay.example.com") { endpointId } }',
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: "NOT_CONFIGURED",
  },
  retryDelivery: {
    operation: "mutation { retryDelivery(id: 2) { target status attempts } }",
    nobody: "UNAUTHENTICATED",
    user: requeuesReadersDelivery,
    otherUser: "NOT_FOUND",
    superuser: requeuesReadersDelivery,
  },
  sendTestNotification: {
    operation: "mutation { sendTestNotification(channel: SLACK) { channel target status } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, sent, before, after }) => {
      expect(data).toEqual({ channel: "SLACK", target: "#security", status: "SENT" });
      expect(sent).toEqual([Channel.SLACK]);
      expect(after.deliveries).toHaveLength(before.deliveries.length + 1);
    },
  },
  setMessageTemplate: {
    operation: 'mutation { setMessageTemplate(input: { event: PRODUCT_ADDED, channel: MAIL, title: "New {{product}}" }) { event channel title text } }',
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      const added = { event: "PRODUCT_ADDED", channel: "MAIL", title: "New {{product}}", text: null };
      expect(data).toEqual(added);
      expect(after).toEqual({ ...before, templates: [{ ...added, updated_at: expect.any(Number) }, ...before.templates] });
    },
  },
  setMyNotification: {
    operation: "mutation { setMyNotification(event: PRODUCT_ADDED, channels: [MAIL]) { event channels } }",
    nobody: "UNAUTHENTICATED",
    user: setsOwnNotification,
    otherUser: setsOwnNotification,
    superuser: setsOwnNotification,
  },
  setMyNotifications: {
    operation: "mutation { setMyNotifications(input: [{ event: PRODUCT_ADDED, channels: [MAIL] }]) { event channels } }",
    nobody: "UNAUTHENTICATED",
    user: setsOwnNotifications,
    otherUser: setsOwnNotifications,
    superuser: setsOwnNotifications,
  },
  setSystemNotification: {
    operation: "mutation { setSystemNotification(event: SCAN_ADDED, channels: [MAIL]) { event channels } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      expect(data).toEqual({ event: "SCAN_ADDED", channels: ["MAIL"] });
      expect(after).toEqual({
        ...before,
        systemNotifications: before.systemNotifications.map((line) => (line.event === "SCAN_ADDED" ? { ...line, channels: ["MAIL"] } : line)),
      });
    },
  },
  setSystemNotifications: {
    operation: "mutation { setSystemNotifications(input: [{ event: SCAN_ADDED, channels: [MAIL] }, { event: OTHER, channels: [] }]) { event channels } }",
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      const expected = before.systemNotifications.map((line) =>
        line.event === "SCAN_ADDED" ? { ...line, channels: ["MAIL"] } : line.event === "OTHER" ? { ...line, channels: [] } : line,
      );
      expect(data).toEqual(expected);
      expect(after).toEqual({ ...before, systemNotifications: expected });
    },
  },
  setUserNotification: {
    operation: `mutation { setUserNotification(userId: ${READER.id}, event: SCAN_ADDED, channels: [MAIL]) { event channels } }`,
    nobody: "UNAUTHENTICATED",
    // Even for their own id: plain users have setMyNotification.
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      expect(data).toEqual({ event: "SCAN_ADDED", channels: ["MAIL"] });
      expect(withoutUser(after, READER.id)).toEqual(withoutUser(before, READER.id));
      expect(notificationRows(after, READER.id)).toEqual([{ user_id: READER.id, event: "SCAN_ADDED", channels: '["MAIL"]' }]);
    },
  },
  updateMyContact: {
    operation: 'mutation { updateMyContact(input: { slackEmail: "changed@slack.example" }) { id contact { slackEmail } } }',
    nobody: "UNAUTHENTICATED",
    user: updatesOwnContact,
    otherUser: updatesOwnContact,
    superuser: updatesOwnContact,
  },
  updateRoutingRule: {
    // No msteamsUrl: the rule's first Teams target keeps its stored URL.
    operation: 'mutation { updateRoutingRule(id: 1, input: { name: "changed", position: 2, targets: [{ channel: MSTEAMS }] }) { id name targets { channel msteamsUrlSet } } }',
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      expect(data).toEqual({ id: "1", name: "changed", targets: [{ channel: "MSTEAMS", msteamsUrlSet: true }] });
      expect({ ...after, routingRules: before.routingRules }).toEqual(before);
      expect(after.routingRules).toEqual([expect.objectContaining({ id: 1, name: "changed", position: 2 })]);
      expect(sealedTeamsUrls(after)).toEqual(sealedTeamsUrls(before));
    },
  },
  updateSystemSettings: {
    operation: 'mutation { updateSystemSettings(input: { slackChannel: "#changed" }) { slackChannel } }',
    nobody: "UNAUTHENTICATED",
    user: "FORBIDDEN",
    otherUser: "FORBIDDEN",
    superuser: ({ data, before, after }) => {
      expect(data).toEqual({ slackChannel: "#changed" });
      expect(after).toEqual({ ...before, settings: { ...before.settings, slackChannel: "#changed" } });
    },
  },
};

/** One event with one delivery; returns the delivery. */
async function seedDelivery(db: Database, delivery: Partial<DeliveryEntity>): Promise<DeliveryEntity> {
  const [saved] = await seedDeliveries(db, delivery.recipientUserId ? "product_added" : "test_notification", [delivery]);
  return saved;
}

describe("authorization of every root field", () => {
  it("has a row for every query and mutation of the schema, each running its own field", async () => {
    const schema = await relaySchema();
    expect(Object.keys(QUERIES).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
    expect(Object.keys(MUTATIONS).sort()).toEqual(Object.keys(schema.getMutationType()?.getFields() ?? {}).sort());
    expect(schema.getSubscriptionType()).toBeUndefined();

    for (const [kind, table] of [[OperationTypeNode.QUERY, QUERIES], [OperationTypeNode.MUTATION, MUTATIONS]] as const) {
      for (const [field, { operation }] of Object.entries(table)) {
        const [definition] = parse(operation).definitions as OperationDefinitionNode[];
        expect(definition.operation).toBe(kind);
        expect(definition.selectionSet.selections.map((selection) => selection.kind === Kind.FIELD && selection.name.value)).toEqual([field]);
      }
    }
  });

  const rows = [...Object.entries(QUERIES), ...Object.entries(MUTATIONS)];

  describe.each(rows)("%s", (field, row) => {
    let bed: Testbed;
    let sent: Channel[];

    beforeEach(async () => {
      sent = [];
      bed = await graphqlTestbed(async (services, channel) => {
        sent.push(channel);
        return seedDelivery(services.db, { channel, target: "#security", status: DeliveryStatus.SENT, attempts: 1 });
      });
      await bed.settings.updateSystemSettings({ slackChannel: "#security", slackToken: "xoxb-matrix" });
      await bed.preferences.updateContact(READER.id, { slackEmail: READER_SLACK_EMAIL, email: READER_INBOX, msteamsUrl: READER_TEAMS_URL });
      await bed.preferences.setNotification(READER.id, NotificationEvent.SCAN_ADDED, [Channel.SLACK]);
      await bed.templates.set(NotificationEvent.SCAN_ADDED, Channel.SLACK, SEEDED_TEMPLATE);
      expect((await bed.rules.create(SEEDED_RULE)).id).toBe(1);
      // Newest last: a system delivery, one of READER's, one of WRITER's.
      await seedDelivery(bed.services.db, {});
      // FAILED, so that its recipient (and superusers) may retry it.
      await seedDelivery(bed.services.db, { channel: Channel.MAIL, target: READER_INBOX, recipientUserId: READER.id, status: DeliveryStatus.FAILED, attempts: 10 });
      await seedDelivery(bed.services.db, { channel: Channel.MAIL, target: WRITER.email, recipientUserId: WRITER.id });
      // A webhook request kept aside: superusers only.
      await createKeepAside({ db: bed.services.db })({
        reason: KeptAsideReason.INVALID_JSON,
        detail: "the body is not valid JSON",
        eventName: "product_added",
        eventLabel: "product_added",
        contentType: "application/json",
        sizeBytes: 9,
        headers: [{ name: "Authorization", value: "[redacted]" }],
        body: Buffer.from("{not json"),
      });
    });
    afterEach(() => bed.close());

    it.each(Object.keys(ACTORS) as Actor[])("as %s", async (actor) => {
      const caller = ACTORS[actor];
      const before = await readState(bed);
      const result = await bed.run(caller, row.operation);
      const after = await readState(bed);
      const expectation = row[actor];

      if (typeof expectation === "string") {
        expect(errorCodes(result)).toEqual([expectation]);
        expect(result.data?.[field] ?? null).toBeNull();
        expect(after).toEqual(before);
        expect(sent).toEqual([]);
      } else {
        expect(result.errors).toBeUndefined();
        if (row.operation.startsWith("{")) expect(after).toEqual(before);
        expectation({ caller: caller!, data: result.data?.[field], before, after, sent });
      }
      if (actor === "nobody" || actor === "otherUser") expect(JSON.stringify(result)).not.toMatch(READER_ONLY);
      // Write-only for everyone, READER included.
      expect(JSON.stringify(result)).not.toContain("READERSIG");
      expect(JSON.stringify(result)).not.toContain("RULESIG");
    });
  });
});
