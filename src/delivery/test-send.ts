import { randomUUID } from "node:crypto";
import { Channel } from "../vocabulary/channel";
import { textEvent } from "../events/dojo-event";
import { NotificationEvent } from "../events/notification-event";
import { Metrics } from "../metrics/metrics";
import { systemTarget } from "../routing/system-routes";
import { Database } from "../storage/database";
import { DeliveryEntity } from "../storage/entities/delivery.entity";
import { FanoutStatus } from "../storage/entities/event.entity";
import { SettingsStore } from "../storage/settings-store";
import { DeliveryWorker, LEASE_MS } from "./delivery-worker";
import { storeEvent } from "./outbox";

export const TEST_EVENT_NAME = "test_notification";

/**
 * Sends a test message to a channel's system-wide target, switched on or not (an admin checks a
 * channel before enabling it). It goes through the outbox like any message, so a failure is logged
 * and retried like any other, and the first attempt is made before this returns.
 */
export async function sendTestNotification(
  deps: { db: Database; settings: SettingsStore; worker: DeliveryWorker; dojoUrl: string | null; metrics?: Metrics },
  channel: Channel,
): Promise<DeliveryEntity> {
  const settings = await deps.settings.systemSettings();
  const target = systemTarget(channel, settings, true) ?? "";
  const now = Date.now();
  const event = textEvent({
    name: TEST_EVENT_NAME,
    setting: NotificationEvent.OTHER,
    title: "Dojo Relay test notification",
    description: "If you can read this, Dojo Relay can deliver DefectDojo notifications here.",
    urlUi: deps.dojoUrl,
  });
  const stored = await storeEvent(
    deps.db,
    // Not due for the poller: this call makes the first attempt, and a crash leaves it to the poller.
    { event, source: "test", idempotencyKeys: [`test|${randomUUID()}`], receivedAt: now, firstAttemptAt: now + LEASE_MS, fanout: FanoutStatus.NONE },
    async () => [{ channel, target, recipientUserId: null }],
  );
  deps.metrics?.eventReceived("test", event.name, stored.stored);
  const row = await deps.db.manager.findOneByOrFail(DeliveryEntity, { eventId: stored.eventId });
  return (await deps.worker.deliverNow(row.id)) ?? row;
}
