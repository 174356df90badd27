import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Channel } from "../src/vocabulary/channel";
import { createDojoClient } from "../src/defectdojo/dojo-client";
import { createDojoDirectory } from "../src/defectdojo/directory";
import { insertDeliveries, storeEvent } from "../src/delivery/outbox";
import { NotificationEvent } from "../src/events/notification-event";
import { parseWebhookPayload } from "../src/events/webhook-payload";
import { personalRoutes } from "../src/routing/personal-routes";
import { RouteTarget } from "../src/routing/system-routes";
import { createDataSource } from "../src/storage/data-source";
import { Database } from "../src/storage/database";
import { FanoutStatus } from "../src/storage/entities/event.entity";
import { PreferencesStore } from "../src/storage/preferences-store";
import { SecretBox } from "../src/storage/secret-box";
import { SettingsStore } from "../src/storage/settings-store";
import { startDojoPeer } from "../test/peers/dojo-peer";

const USERS = 1000;

/**
 * Fan-out of one scan_added to 1,000 subscribed users (Slack and mail each) on DefectDojo 2.x RBAC,
 * from a cold cache: the users listing, the membership lookups and the 2,000 outbox rows. The
 * baseline is writing the same 2,000 rows with no routing at all.
 */
export async function benchFanout(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "relay-fanout-"));
  const peer = await startDojoPeer({ model: "RBAC" });
  const dataSource = createDataSource(join(dir, "bench.sqlite"));
  await dataSource.initialize();
  await dataSource.runMigrations();
  try {
    const db = new Database(dataSource);
    const box = new SecretBox("bench, thirty-two characters or more");
    const settings = new SettingsStore(db, box);
    const preferences = new PreferencesStore(db, box);
    await settings.updateSystemSettings({ enableSlackNotifications: true, enableMailNotifications: true, slackToken: "xoxb-bench" });

    peer.addProductType({ id: 4, name: "notif prod type" });
    peer.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
    peer.addGroupMember(1, 1);
    peer.addProductGroup(4, 1);
    for (let id = 1; id <= USERS; id++) {
      peer.addUser({ id, username: `user${id}`, email: `user${id}@example.com` });
      if (id % 2 === 0) peer.addProductMember(4, id);
      else peer.addGroupMember(1, id);
      await preferences.setNotification(id, NotificationEvent.SCAN_ADDED, [Channel.SLACK, Channel.MAIL]);
    }
    const event = parseWebhookPayload("scan_added", "http://dd", {
      title: "Created/Updated 1 findings for notif prod: e: t",
      product_type: { id: 4, name: "notif prod type" },
      product: { id: 4, name: "notif prod" },
      findings: { new: [{ id: 1, title: "x", severity: "High" }] },
    });
    const stored = async () =>
      (await storeEvent(db, { event, source: "webhook", idempotencyKeys: [`bench|${Math.random()}`], receivedAt: Date.now(), fanout: FanoutStatus.NONE }, async () => []))
        .eventId;

    const baselineRows: RouteTarget[] = Array.from({ length: USERS * 2 }, (_, i) => ({
      channel: i % 2 ? Channel.MAIL : Channel.SLACK,
      target: `user${i}@example.com`,
      recipientUserId: i,
    }));
    const baselineEvent = await stored();
    let started = process.hrtime.bigint();
    await db.write((manager) => insertDeliveries(manager, baselineEvent, baselineRows, Date.now(), Date.now()));
    const baselineMs = Number(process.hrtime.bigint() - started) / 1e6;

    const directory = createDojoDirectory(createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken }));
    const fanoutEvent = await stored();
    const callsBefore = peer.apiCalls.length;
    started = process.hrtime.bigint();
    const routes = await personalRoutes({ preferences, directory }, event, await settings.systemSettings(), Date.now());
    await db.write((manager) => insertDeliveries(manager, fanoutEvent, routes, Date.now(), Date.now()));
    const fanoutMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (routes.length !== USERS * 2) throw new Error(`expected ${USERS * 2} routes, got ${routes.length}`);

    return {
      "subscribed users": USERS,
      "outbox rows": routes.length,
      "baseline: insert rows only (ms)": +baselineMs.toFixed(1),
      "fan-out from cold cache (ms)": +fanoutMs.toFixed(1),
      "fan-out/baseline time ratio": +(fanoutMs / baselineMs).toFixed(2),
      "DefectDojo API calls": peer.apiCalls.length - callsBefore,
    };
  } finally {
    await dataSource.destroy();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
