import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";
import { DojoPeer, startDojoPeer } from "./dojo-peer";
import { createDojoWebhookSender, DojoWebhookSender } from "./dojo-webhook-sender";
import { freePort } from "../support/child-relay";
import { eventually } from "../support/relay-harness";

/**
 * The stand-in's webhook sender follows DefectDojo's own switch: DefectDojo HEAD and 2.58.2-changelog
 * dojo/notifications/helper.py (send_webhooks_notification, _webhook_reactivation) and
 * dojo/notifications/tasks.py (webhook_status_cleanup).
 */

let peer: DojoPeer;
let server: Server;
let sender: DojoWebhookSender | undefined;
let answer: (req: IncomingMessage) => number | "hang" = () => 200;
const received: Array<{ headers: IncomingMessage["headers"]; body: unknown }> = [];
let url = "";

beforeEach(async () => {
  peer = await startDojoPeer();
  received.length = 0;
  answer = () => 200;
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      const status = answer(req);
      if (status !== "hang") res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterEach(async () => {
  sender?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await peer.close();
});

const row = (id: number) => peer.webhookEndpointRow(id)!;
let nextProduct = 1;
const create = () => sender!.createProduct({ id: nextProduct, name: `p-${nextProduct++}`, productTypeId: 1 });

describe("DefectDojo's webhook sender, as the stand-in plays it", () => {
  it("sends DefectDojo's headers and product_added body to system endpoints only", async () => {
    const system = peer.addWebhookEndpoint({ name: "ours", url, headerName: "Authorization", headerValue: "Token s3cret" });
    peer.addWebhookEndpoint({ name: "alice", url, owner: 1 });
    sender = createDojoWebhookSender(peer, { siteUrl: "http://dojo.example" });
    await create();
    expect(received).toHaveLength(1);
    expect(received[0].headers).toMatchObject({
      "user-agent": `DefectDojo-${peer.version}`,
      "x-defectdojo-event": "product_added",
      "x-defectdojo-instance": "http://dojo.example",
      accept: "application/json",
      authorization: "Token s3cret",
    });
    expect(received[0].body).toMatchObject({ title: "p-1", url_ui: "http://dojo.example/product/1", product: { id: 1, name: "p-1" } });
    expect(row(system).status).toBe("active");
  });

  it("5xx, 429 and timeouts pause it (inactive_tmp, first_error kept from active), the reactivation makes it active_tmp; skipped meanwhile", async () => {
    const id = peer.addWebhookEndpoint({ name: "ours", url });
    sender = createDojoWebhookSender(peer, { reactivationDelayMs: 200, timeoutMs: 300 });
    answer = () => 503;
    await create();
    const first = row(id).firstError;
    expect(row(id)).toMatchObject({ status: "inactive_tmp", note: "Response status code: 503" });
    expect(first).not.toBeNull();
    await create();
    expect(sender.log.at(-1)).toMatchObject({ outcome: "skipped", detail: "inactive_tmp" });
    await eventually(() => (row(id).status === "active_tmp" ? true : undefined));
    // From active_tmp: first_error stays, last_error moves.
    answer = () => 429;
    await create();
    expect(row(id)).toMatchObject({ status: "inactive_tmp", firstError: first });
    await eventually(() => (row(id).status === "active_tmp" ? true : undefined));
    answer = () => "hang";
    await create();
    expect(sender.log.at(-1)).toMatchObject({ outcome: "temporary" });
    expect(row(id).status).toBe("inactive_tmp");
    expect(row(id).note).toMatch(/^Requests exception: /);
  });

  it("any other 4xx and a refused connection are permanent: inactive_permanent, first_error now, never revived by DefectDojo", async () => {
    const refused = peer.addWebhookEndpoint({ name: "gone", url: `http://127.0.0.1:${await freePort()}/hook` });
    const unauthorized = peer.addWebhookEndpoint({ name: "401", url });
    sender = createDojoWebhookSender(peer, { reactivationDelayMs: 50, cleanupIntervalMs: 20, inactiveTmpReviveMs: 0 });
    answer = () => 401;
    await create();
    expect(row(refused)).toMatchObject({ status: "inactive_permanent" });
    expect(row(refused).note).toMatch(/^Exception: .*ECONNREFUSED/);
    expect(row(unauthorized)).toMatchObject({ status: "inactive_permanent", note: "Response status code: 401" });
    const calls = received.length;
    await create();
    expect(received).toHaveLength(calls);
    expect(sender.log.slice(-2).map((entry) => entry.outcome)).toEqual(["skipped", "skipped"]);
  });

  it("temporary errors more than 24 h after first_error are permanent; the cleanup resets a quiet active_tmp", async () => {
    let clock = Date.parse("2026-12-01T00:00:00Z");
    const id = peer.addWebhookEndpoint({ name: "ours", url });
    // No cleanup here: it would reset the quiet day this test skips over (as DefectDojo's would).
    sender = createDojoWebhookSender(peer, { reactivationDelayMs: 10, now: () => clock });
    answer = () => 500;
    await create();
    await eventually(() => (row(id).status === "active_tmp" ? true : undefined));
    clock += 24 * 3600_000 + 1;
    await create();
    expect(row(id).status).toBe("inactive_permanent");

    sender.close();
    sender = createDojoWebhookSender(peer, { cleanupIntervalMs: 10, now: () => clock });
    const quiet = peer.addWebhookEndpoint({ name: "quiet", url });
    row(quiet).status = "active_tmp";
    row(quiet).firstError = row(quiet).lastError = new Date(clock).toISOString();
    clock += 24 * 3600_000 + 1;
    await eventually(() => (row(quiet).status === "active" ? true : undefined));
    expect(row(quiet)).toMatchObject({ firstError: null, lastError: null });
  });
});
