import { createDefectDojoAccess } from "../../src/defectdojo/connection";
import { createDojoDirectory } from "../../src/defectdojo/directory";
import { createDojoClient } from "../../src/defectdojo/dojo-client";
import { createLogger } from "../../src/logging/logger";
import { DojoAuthorizationModel, DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { quietLogger } from "../support/quiet-logger";
import { Peers, startPeers, startTestRelay, WEBHOOK_SECRET } from "../support/relay-harness";
import { errorCodes, graphqlTestbed, READER, SUPERUSER, Testbed } from "./graphql-testbed";

const SLACK_TOKEN = "xoxb-from-defectdojo-31337";
const TEAMS_URL = "https://prod-01.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=DOJOTEAMSSIG";
const HEADER_VALUE = "Token graphql-webhook-secret-55";

const IMPORT = "mutation { importFromDefectDojo { imported { what } unchanged { what } skipped { what reason } importedCount unchangedCount skippedCount } }";
const REGISTER = `mutation($url: String!, $stop: Boolean) {
  registerDefectDojoWebhook(publicUrl: $url, stopDirectNotifications: $stop) { endpointId url created status eventsAdded directChannelsStopped notes }
}`;
const CONNECTION = "{ defectDojoConnection { reachable version authorizationModel webhookStatus webhookNote problem } }";

/** DefectDojo with channels set up, for the import. */
function seed(peer: DojoPeer): void {
  peer.addUser({ id: 2, username: "reader" });
  peer.setSystemSettings({ enable_slack_notifications: true, slack_token: SLACK_TOKEN, slack_channel: "#appsec", msteams_url: TEAMS_URL });
  peer.addNotificationsRow({ channels: { scan_added: ["slack", "alert"] } });
  peer.addNotificationsRow({ user: 2, channels: { scan_added: ["mail"] } });
  peer.addUserContactInfo({ userId: 2, slackEmail: "reader@slack.example" });
}

async function start(options: { model?: DojoAuthorizationModel; headerValue?: string | null } = {}) {
  const peer = await startDojoPeer({ model: options.model });
  seed(peer);
  const client = createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retryBaseMs: 5 });
  const defectDojo = createDefectDojoAccess({
    client,
    probe: createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retries: 0, timeoutMs: 1000 }),
    directory: createDojoDirectory(client),
    logger: quietLogger(),
    webhookHeaderName: "Authorization",
    webhookHeaderValue: options.headerValue === undefined ? HEADER_VALUE : options.headerValue,
  });
  return { peer, bed: await graphqlTestbed(undefined, { defectDojo }) };
}

describe("the DefectDojo first-run operations over GraphQL", () => {
  let peer: DojoPeer;
  let bed: Testbed;
  afterEach(async () => {
    await bed.close();
    await peer.close().catch(() => undefined);
  });

  it("are for superusers only", async () => {
    ({ peer, bed } = await start());
    for (const [operation, variables] of [[IMPORT, {}], [REGISTER, { url: "https://relay.example.com" }], [CONNECTION, {}]] as const) {
      const result = await bed.run(READER, operation, variables);
      expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
      expect(result.data).toBeNull();
    }
    expect(peer.writes).toEqual([]);
    expect(peer.apiCalls).toEqual([]);
  });

  it("imports, and the second time reports everything unchanged", async () => {
    ({ peer, bed } = await start());
    const first = await bed.run(SUPERUSER, IMPORT);
    expect(first.errors).toBeUndefined();
    const report = first.data!.importFromDefectDojo as Record<string, any>;
    expect(report.imported).toEqual(
      expect.arrayContaining([{ what: "system setting slackToken" }, { what: "system notification SCAN_ADDED" }, { what: "personal notifications of reader" }, { what: "Slack e-mail of reader" }]),
    );
    expect(report.importedCount).toBe(report.imported.length);
    expect(report.skipped).toEqual(
      expect.arrayContaining([{ what: "alert channel of system notifications (15 events)", reason: "DefectDojo's alert channel (in-app alerts) is not a channel the bridge delivers to" }]),
    );
    expect(await bed.settings.systemSettings()).toMatchObject({ slackToken: SLACK_TOKEN, msteamsUrl: TEAMS_URL, slackChannel: "#appsec" });

    const second = (await bed.run(SUPERUSER, IMPORT)).data!.importFromDefectDojo as Record<string, any>;
    expect(second).toMatchObject({ imported: [], importedCount: 0, unchangedCount: report.importedCount + report.unchangedCount, skippedCount: report.skippedCount });
    for (const response of bed.responses) {
      expect(response).not.toContain(SLACK_TOKEN);
      expect(response).not.toContain("DOJOTEAMSSIG");
    }
  });

  it("registers the webhook, and refuses a bad public URL or a missing header value before changing anything", async () => {
    ({ peer, bed } = await start());
    for (const url of ["relay.example.com", "https://relay.example.com/?x=1", "ftp://relay.example.com"]) {
      const refused = await bed.run(SUPERUSER, REGISTER, { url });
      expect(errorCodes(refused)).toEqual(["BAD_USER_INPUT"]);
      expect(refused.errors![0].extensions).toMatchObject({ field: "publicUrl" });
    }
    // DefectDojo's own URL check is stricter (a dotted host name): its refusal is the caller's input too.
    const dojoRefused = await bed.run(SUPERUSER, REGISTER, { url: "http://dojo-relay:8080" });
    expect(errorCodes(dojoRefused)).toEqual(["BAD_USER_INPUT"]);
    expect(peer.writes.map((write) => write.status)).toEqual([400]);
    expect(peer.webhookEndpoints()).toEqual([]);

    const result = await bed.run(SUPERUSER, REGISTER, { url: "https://relay.example.com", stop: true });
    expect(result.errors).toBeUndefined();
    expect(result.data!.registerDefectDojoWebhook).toMatchObject({
      url: "https://relay.example.com/webhooks/defectdojo",
      created: true,
      status: "active",
      eventsAdded: 16, // all but USER_MENTIONED and REVIEW_REQUESTED, which never reach a system endpoint
      directChannelsStopped: true,
    });
    expect(peer.webhookEndpoints()).toEqual([expect.objectContaining({ headerValue: HEADER_VALUE, owner: null })]);
    // Null means the default: DefectDojo's own channels stay.
    const again = await bed.run(SUPERUSER, REGISTER, { url: "https://relay.example.com", stop: null });
    expect(again.data!.registerDefectDojoWebhook).toMatchObject({ created: false, eventsAdded: 0, directChannelsStopped: false });
    expect(bed.responses.join("\n")).not.toContain("graphql-webhook-secret");
  });

  it("says what is not configured, and changes nothing", async () => {
    ({ peer, bed } = await start({ headerValue: null }));
    const noHeader = await bed.run(SUPERUSER, REGISTER, { url: "https://relay.example.com" });
    expect(errorCodes(noHeader)).toEqual(["NOT_CONFIGURED"]);
    expect(noHeader.errors![0].message).toMatch(/^WEBHOOK_HEADER_VALUE is not set/);
    expect(peer.apiCalls).toEqual([]);
    await bed.close();

    bed = await graphqlTestbed();
    expect(errorCodes(await bed.run(SUPERUSER, IMPORT))).toEqual(["NOT_CONFIGURED"]);
    expect(errorCodes(await bed.run(SUPERUSER, REGISTER, { url: "https://relay.example.com" }))).toEqual(["NOT_CONFIGURED"]);
    expect((await bed.run(SUPERUSER, CONNECTION)).data).toEqual({
      defectDojoConnection: {
        reachable: false,
        version: null,
        authorizationModel: null,
        webhookStatus: null,
        webhookNote: null,
        problem: "DOJO_API_KEY is not set (a DefectDojo superuser's API v2 key)",
      },
    });
  });

  it.each([
    ["RBAC", "2.58.4"],
    ["LEGACY", "3.2.0"],
  ] as const)("shows the connection to DefectDojo %s", async (model, version) => {
    ({ peer, bed } = await start({ model }));
    expect((await bed.run(SUPERUSER, CONNECTION)).data).toEqual({
      defectDojoConnection: { reachable: true, version, authorizationModel: model, webhookStatus: null, webhookNote: null, problem: null },
    });
    await bed.run(SUPERUSER, REGISTER, { url: "https://relay.example.com" });
    peer.setWebhookStatus(peer.webhookEndpoints()[0].id, "inactive_permanent", "Response status code: 401");
    expect((await bed.run(SUPERUSER, CONNECTION)).data).toMatchObject({
      defectDojoConnection: { reachable: true, webhookStatus: "inactive_permanent", webhookNote: "Response status code: 401" },
    });
  });

  it("reports DefectDojo's failures with a code and without the key", async () => {
    ({ peer, bed } = await start());
    peer.failApiWith(503);
    const failed = await bed.run(SUPERUSER, IMPORT);
    expect(errorCodes(failed)).toEqual(["DEFECTDOJO_ERROR"]);
    expect(failed.errors![0].extensions).toMatchObject({ kind: "unavailable" });
    expect(failed.errors![0].message).toMatch(/DefectDojo HTTP 503/);
    await peer.close();
    const down = await bed.run(SUPERUSER, CONNECTION);
    expect(down.data).toMatchObject({ defectDojoConnection: { reachable: false, problem: expect.stringMatching(/unreachable/) } });
    expect(bed.responses.join("\n")).not.toContain(peer.serviceToken);
    expect(await bed.database.db.dataSource.query("SELECT * FROM system_settings")).toEqual([]);
  });
});

describe("the first-run operations on a running bridge", () => {
  let peers: Peers;
  afterEach(() => peers?.close());

  it("keeps every secret out of responses and logs", async () => {
    peers = await startPeers();
    seed(peers.dojo);
    const lines: string[] = [];
    const logger = createLogger("debug", { write: (line: string) => void lines.push(line) } as never);
    const relay = await startTestRelay(peers, { logger, env: { POLL_CRON: "off" } });
    try {
      const imported = await relay.graphql(IMPORT);
      const registered = await relay.graphql(REGISTER, { url: "https://relay.example.com" });
      const connection = await relay.graphql(CONNECTION);
      peers.dojo.failApiWith(503);
      const failed = await relay.graphql(IMPORT);
      expect([imported.errors, registered.errors, connection.errors]).toEqual([undefined, undefined, undefined]);
      expect(failed.errors?.[0].extensions?.code).toBe("DEFECTDOJO_ERROR");
      expect(peers.dojo.webhookEndpoints()).toEqual([expect.objectContaining({ headerValue: WEBHOOK_SECRET })]);
      const everything = [imported.raw, registered.raw, connection.raw, failed.raw, ...lines].join("\n");
      for (const secret of [SLACK_TOKEN, "DOJOTEAMSSIG", WEBHOOK_SECRET, peers.dojo.serviceToken]) expect(everything).not.toContain(secret);
      expect(lines.length).toBeGreaterThan(0);
    } finally {
      await relay.close();
    }
  });
});
