import { DeliveryWorker } from "../delivery/delivery-worker";
import { storeEvent, StoreResult } from "../delivery/outbox";
import { DojoEvent } from "../events/dojo-event";
import { idempotencyKeys } from "../events/idempotency";
import { systemRoutes } from "../routing/system-routes";
import { Database } from "../storage/database";
import { EventSource } from "../storage/entities/event.entity";
import { SettingsStore } from "../storage/settings-store";

/**
 * Where every source hands its events: dedupe, route by the current settings, store the event and
 * its outbox rows in one transaction, then wake the delivery worker.
 */
export function createEventIntake(deps: { db: Database; settings: SettingsStore; worker: DeliveryWorker }) {
  return async function accept(event: DojoEvent, rawBody: Buffer, source: EventSource = "webhook"): Promise<StoreResult> {
    const receivedAt = Date.now();
    const result = await storeEvent(
      deps.db,
      { event, source, idempotencyKeys: idempotencyKeys(event, rawBody, receivedAt), receivedAt },
      async () =>
        systemRoutes(event, await deps.settings.systemSettings(), await deps.settings.systemChannelsFor(event.setting)),
    );
    if (result.stored) deps.worker.wake();
    return result;
  };
}
