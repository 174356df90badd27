import { storeEvent, StoreResult } from "../delivery/outbox";
import { DojoEvent } from "../events/dojo-event";
import { idempotencyKeys } from "../events/idempotency";
import { isSilentEvent } from "../events/notification-event";
import { systemRoutes } from "../routing/system-routes";
import { Database } from "../storage/database";
import { EventSource, FanoutStatus } from "../storage/entities/event.entity";
import { SettingsStore } from "../storage/settings-store";

export interface EventIntakeDeps {
  db: Database;
  settings: SettingsStore;
  /** False when DefectDojo's API is not configured: nobody can be checked, so nobody gets personal copies. */
  personalNotifications: boolean;
  /** Called after an event is committed, to wake the workers that act on it. */
  onStored(): void;
}

/**
 * Where every source hands its events: dedupe, route the system-wide copies by the current
 * settings, and store the event with its outbox rows in one transaction. Personal copies are
 * resolved afterwards by the fan-out worker (it must ask DefectDojo who may see the event).
 */
export function createEventIntake(deps: EventIntakeDeps) {
  return async function accept(event: DojoEvent, rawBody: Buffer, source: EventSource = "webhook"): Promise<StoreResult> {
    const receivedAt = Date.now();
    const fanout = isSilentEvent(event.name)
      ? FanoutStatus.NONE
      : deps.personalNotifications
        ? FanoutStatus.PENDING
        : FanoutStatus.SKIPPED;
    const result = await storeEvent(
      deps.db,
      { event, source, idempotencyKeys: idempotencyKeys(event, rawBody, receivedAt), receivedAt, fanout },
      async () =>
        systemRoutes(event, await deps.settings.systemSettings(), await deps.settings.systemChannelsFor(event.setting)),
    );
    if (result.stored) deps.onStored();
    return result;
  };
}
