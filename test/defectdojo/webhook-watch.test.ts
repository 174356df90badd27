import { DojoPeer } from "../peers/dojo-peer";
import { scrape } from "../support/prometheus-text";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay, WEBHOOK_SECRET } from "../support/relay-harness";

/**
 * The bridge watching its own webhook endpoint in DefectDojo. DefectDojo HEAD and 2.58.2-changelog
 * dojo/notifications/models.py Notification_Webhooks: `status` is editable=False (the API cannot
 * revive an endpoint), a new endpoint starts `active`, `name` is unique; the stand-in enforces both,
 * so a heal in the wrong order fails here.
 */

const CONNECTION = `query {
  defectDojoConnection {
    webhookStatus lastHealedAt
    skippedWindow { from to healed message }
    skippedWindows { from to healed }
  }
}`;

interface Connection {
  webhookStatus: string | null;
  lastHealedAt: string | null;
  skippedWindow: { from: string; to: string | null; healed: boolean; message: string } | null;
  skippedWindows: Array<{ from: string; to: string | null; healed: boolean }>;
}

let peers: Peers;
let relay: RunningRelay;

async function start(env: Record<string, string> = {}) {
  peers = await startPeers();
  relay = await startTestRelay(peers, { env: { POLL_CRON: "off", DOJO_WEBHOOK_CHECK_MS: "100", ...env } });
}

afterEach(async () => {
  await relay?.close();
  await peers?.close();
});

const ourUrl = () => `${relay.relay.url}/webhooks/defectdojo`;
const systemEndpoints = (dojo: DojoPeer) => dojo.webhookEndpoints().filter((endpoint) => endpoint.owner === null);
const webhookWrites = (dojo: DojoPeer) =>
  dojo.writes.filter((write) => write.path.startsWith("/api/v2/notification_webhooks/")).map((w) => `${w.method} ${w.path} ${w.status}`);

async function connection(): Promise<Connection> {
  const result = await relay.graphql<{ defectDojoConnection: Connection }>(CONNECTION);
  if (result.errors) throw new Error(result.raw);
  return result.data!.defectDojoConnection;
}

/** Waits until the bridge has read the endpoint list `times` more times: checks happened, whatever they did. */
async function checksPass(dojo: DojoPeer, times: number) {
  const before = dojo.callsTo("notification_webhooks");
  await eventually(() => (dojo.callsTo("notification_webhooks") >= before + times ? true : undefined));
}

describe("healing the bridge's webhook endpoint in DefectDojo", () => {
  it("re-creates an inactive_permanent endpoint (same URL, header and name; one endpoint left), once a minute at most, and reports the window", async () => {
    await start();
    const dojo = peers.dojo;
    const personal = dojo.addWebhookEndpoint({ name: "Alice's", url: "https://alice.example/hook", owner: 2, status: "inactive_permanent" });
    const dead = dojo.addWebhookEndpoint({ name: "Dojo Relay", url: ourUrl(), headerName: "Authorization", headerValue: WEBHOOK_SECRET });
    // What a refused connection does (helper.py: any other exception is permanent, first_error = now).
    dojo.setWebhookStatus(dead, "inactive_permanent", "Exception: Connection refused");
    const firstError = dojo.webhookEndpointRow(dead)!.firstError!;

    const healed = await eventually(() => {
      const ours = systemEndpoints(dojo);
      return ours.length === 1 && ours[0].id !== dead && ours[0].name === "Dojo Relay" ? ours[0] : undefined;
    });
    expect(healed).toMatchObject({ url: ourUrl(), headerName: "Authorization", headerValue: WEBHOOK_SECRET, status: "active", owner: null });
    // The order that never collides on the unique name and never leaves DefectDojo without an endpoint for the bridge.
    expect(webhookWrites(dojo)).toEqual([
      `POST /api/v2/notification_webhooks/ 201`,
      `DELETE /api/v2/notification_webhooks/${dead}/ 204`,
      `PATCH /api/v2/notification_webhooks/${healed.id}/ 200`,
    ]);
    expect((dojo.writes[0].body as { name: string }).name).toBe(`Dojo Relay (replaces ${dead})`);
    // A personal endpoint is never the bridge's.
    expect(dojo.webhookEndpointRow(personal)?.status).toBe("inactive_permanent");

    const state = await eventually(async () => {
      const current = await connection();
      return current.webhookStatus === "active" && current.lastHealedAt ? current : undefined;
    });
    expect(state.skippedWindow).toMatchObject({ from: new Date(firstError).toISOString(), healed: true, to: state.lastHealedAt });
    expect(state.skippedWindow!.message).toMatch(
      /^DefectDojo skipped its webhook from \S+ to \S+; events of these kinds may be missing: jira_update, code_review, other, upcoming_engagement, stale_engagement, review_requested, user_mentioned/,
    );
    expect((await scrape(relay.relay.url)).value("dojo_relay_defectdojo_webhook_heals_total")).toBe(1);

    // Turned off again within the minute: reported, not re-created again yet.
    dojo.setWebhookStatus(healed.id, "inactive_permanent", "Response status code: 400");
    await checksPass(dojo, 5);
    expect(systemEndpoints(dojo)).toEqual([expect.objectContaining({ id: healed.id, status: "inactive_permanent" })]);
    expect(webhookWrites(dojo)).toHaveLength(3);
    const again = await connection();
    expect(again.skippedWindow).toMatchObject({ to: null, healed: false });
    expect(again.skippedWindows).toHaveLength(2);
    expect((await scrape(relay.relay.url)).value("dojo_relay_defectdojo_webhook_heals_total")).toBe(1);
  });

  it("finishes a heal that stopped half-way: the replacement under its temporary name is kept, the dead one goes", async () => {
    await start();
    const dojo = peers.dojo;
    const dead = dojo.addWebhookEndpoint({ name: "Dojo Relay", url: ourUrl(), headerName: "Authorization", headerValue: "Token old", status: "inactive_permanent" });
    const replacement = dojo.addWebhookEndpoint({ name: `Dojo Relay (replaces ${dead})`, url: ourUrl(), headerName: "Authorization", headerValue: WEBHOOK_SECRET });
    const ours = await eventually(() => {
      const left = systemEndpoints(dojo);
      return left.length === 1 && left[0].name === "Dojo Relay" ? left[0] : undefined;
    });
    expect(ours).toMatchObject({ id: replacement, status: "active", headerValue: WEBHOOK_SECRET });
  });

  it("only reports inactive_tmp, which DefectDojo revives by itself, and closes the window when it is active again", async () => {
    await start();
    const dojo = peers.dojo;
    const id = dojo.addWebhookEndpoint({ name: "Dojo Relay", url: ourUrl(), headerName: "Authorization", headerValue: WEBHOOK_SECRET });
    dojo.setWebhookStatus(id, "inactive_tmp", "Response status code: 503");
    const open = await eventually(async () => ((await connection()).skippedWindow?.to === null ? await connection() : undefined));
    expect(open.skippedWindow).toMatchObject({ healed: false, from: new Date(dojo.webhookEndpointRow(id)!.firstError!).toISOString() });
    expect(open.skippedWindow!.message).toContain("to now (still off)");
    // helper.py _webhook_reactivation: inactive_tmp → active_tmp; first_error and last_error stay.
    dojo.setWebhookStatus(id, "active_tmp");
    const closed = await eventually(async () => {
      const current = await connection();
      return current.skippedWindow?.to ? current : undefined;
    });
    expect(closed).toMatchObject({ webhookStatus: "active_tmp", lastHealedAt: null, skippedWindow: { healed: false } });
    expect(webhookWrites(dojo)).toEqual([]);
    expect(systemEndpoints(dojo).map((endpoint) => endpoint.id)).toEqual([id]);
  });

  // DefectDojo HEAD dojo/notifications/ui/views.py EditNotificationWebhooksView: "deactivate_webhook" sets
  // inactive_permanent, clears first_error and notes "Deactivate from UI".
  it("leaves an endpoint a person deactivated in DefectDojo's UI as it is", async () => {
    await start();
    const dojo = peers.dojo;
    const id = dojo.addWebhookEndpoint({ name: "Dojo Relay", url: ourUrl(), headerName: "Authorization", headerValue: WEBHOOK_SECRET });
    dojo.setWebhookStatus(id, "inactive_permanent", "Deactivate from UI");
    await checksPass(dojo, 5);
    expect(webhookWrites(dojo)).toEqual([]);
    expect(systemEndpoints(dojo)).toEqual([expect.objectContaining({ id, status: "inactive_permanent" })]);
  });

  it("heals nothing with DOJO_WEBHOOK_SELF_HEAL=off, but still reports the window", async () => {
    await start({ DOJO_WEBHOOK_SELF_HEAL: "off" });
    const dojo = peers.dojo;
    const id = dojo.addWebhookEndpoint({ name: "Dojo Relay", url: ourUrl(), headerName: "Authorization", headerValue: WEBHOOK_SECRET });
    dojo.setWebhookStatus(id, "inactive_permanent", "Exception: Connection refused");
    await eventually(async () => ((await connection()).skippedWindow?.to === null ? true : undefined));
    await checksPass(dojo, 5);
    expect(webhookWrites(dojo)).toEqual([]);
    expect(systemEndpoints(dojo)).toEqual([expect.objectContaining({ id, status: "inactive_permanent" })]);
  });
});
