import { EntityManager } from "typeorm";
import { collectGarbage } from "../config/heap-growth";
import { storeEventsIn, StoreResult } from "../delivery/outbox";
import { DojoEvent } from "../events/dojo-event";
import { idempotencyKeys } from "../events/idempotency";
import { isSilentEvent, NotificationEvent } from "../events/notification-event";
import { RecentEvents } from "../events/recent-events";
import { Metrics } from "../metrics/metrics";
import { systemRoutes } from "../routing/system-routes";
import { Database } from "../storage/database";
import { groupCommit } from "../storage/group-commit";
import { EventSource, FanoutStatus } from "../storage/entities/event.entity";
import { RoutingRuleStore } from "../storage/routing-rule-store";
import { PreferencesStore } from "../storage/preferences-store";
import { SettingsStore } from "../storage/settings-store";

export interface EventIntakeDeps {
  db: Database;
  settings: SettingsStore;
  /** When any rule exists, events are routed by the fan-out worker (rules may need DefectDojo's API). */
  rules: RoutingRuleStore;
  /**
   * Who subscribed to which event. Null when DefectDojo's API is not configured: nobody can be
   * checked, so nobody gets personal copies.
   */
  personalSubscriptions: Pick<PreferencesStore, "anySubscriber"> | null;
  /** Called after an event is committed, to wake the workers that act on it. */
  onStored(): void;
  /** Counts events stored and duplicates (dojo_relay_events_received_total). */
  metrics?: Metrics;
  /** Where webhook events queued for the fan-out are handed to it in memory. */
  recentEvents?: RecentEvents;
  /** Run before a batch with a body of LARGE_BODY_BYTES or more is stored (default: collectGarbage). */
  beforeLargeBody?: () => void;
}

/**
 * A webhook body from this size on is followed by a full garbage collection before it is stored,
 * so the peak holds the body once, not its garbage as well (see collectGarbage). DefectDojo sends
 * such bodies for re-imports of thousands of findings: rarely, and each takes seconds to parse.
 */
export const LARGE_BODY_BYTES = 8 * 1024 * 1024;

/** An event found by polling, with what its idempotency key is made of. */
export interface PolledEvent {
  event: DojoEvent;
  /** DefectDojo's own time of the happening (epoch ms), which places the event in its dedup window. */
  occurredAt: number;
}

export interface EventIntake {
  /** One event that arrived by webhook (or a test send); `rawBody` keys events without an object. */
  accept(event: DojoEvent, rawBody: Buffer, source?: EventSource): Promise<StoreResult>;
  /**
   * Polled events and the work that must commit with them (the poller's cursor): all in one
   * transaction, so a cursor never moves past events that were not stored.
   */
  acceptPolled(events: PolledEvent[], alongside: (manager: EntityManager) => Promise<void>): Promise<StoreResult[]>;
}

/**
 * Where every source hands its events: dedupe, route the system-wide copies by the current
 * settings, and store the event with its outbox rows in one transaction. Personal copies are
 * resolved afterwards by the fan-out worker (it must ask DefectDojo who may see the event).
 */
export function createEventIntake(deps: EventIntakeDeps): EventIntake {
  /**
   * Settings, whether rules exist and who subscribed to what, read once per transaction: every event
   * in it is routed by the same ones.
   */
  function routesIn() {
    let settings: ReturnType<SettingsStore["publicSystemSettings"]> | undefined;
    let rulesExist: Promise<boolean> | undefined;
    const channels = new Map<NotificationEvent, ReturnType<SettingsStore["systemChannelsFor"]>>();
    const subscribed = new Map<NotificationEvent, Promise<boolean>>();
    return {
      rulesExist: () => (rulesExist ??= deps.rules.anyRule()),
      anySubscriber(setting: NotificationEvent) {
        const subscriptions = deps.personalSubscriptions;
        if (!subscriptions) return Promise.resolve(false);
        let answer = subscribed.get(setting);
        if (!answer) subscribed.set(setting, (answer = subscriptions.anySubscriber(setting)));
        return answer;
      },
      async routes(event: DojoEvent) {
        settings ??= deps.settings.publicSystemSettings();
        let forSetting = channels.get(event.setting);
        if (!forSetting) channels.set(event.setting, (forSetting = deps.settings.systemChannelsFor(event.setting)));
        return systemRoutes(event, await settings, await forSetting);
      },
    };
  }

  /** Events in one transaction, each routed and stored as it arrived (see storeEventsIn). */
  async function storeAll(manager: EntityManager, arrivals: Array<Omit<Arrival, "sizeBytes"> & { sizeBytes?: number }>) {
    // By now the request that brought a large body has let go of its bytes, text and parsed tree.
    if (arrivals.some(({ sizeBytes = 0 }) => sizeBytes >= LARGE_BODY_BYTES)) (deps.beforeLargeBody ?? collectGarbage)();
    const routing = routesIn();
    const items: Parameters<typeof storeEventsIn>[1] = [];
    for (const { event, keys, source } of arrivals) {
      const silent = isSilentEvent(event.name);
      const rulesPending = !silent && (await routing.rulesExist());
      // An event nobody subscribed to has no personal copies to work out: the fan-out skips it.
      const fanout = silent
        ? FanoutStatus.NONE
        : rulesPending || (await routing.anySubscriber(event.setting))
          ? FanoutStatus.PENDING
          : FanoutStatus.SKIPPED;
      items.push({
        input: { event, source, idempotencyKeys: keys, receivedAt: Date.now(), fanout, rulesPending },
        route: async () => (rulesPending ? [] : routing.routes(event)),
      });
    }
    const results = await storeEventsIn(manager, items);
    return results.map((result, i) => ({ result, fanoutPending: result.stored && items[i].input.fanout === FanoutStatus.PENDING }));
  }

  // Requests arriving together share one transaction, so a burst costs one commit per batch.
  type Arrival = { event: DojoEvent; keys: string[]; source: EventSource; sizeBytes: number };
  const storeArrival = groupCommit<Arrival, Awaited<ReturnType<typeof storeAll>>[number]>(deps.db, storeAll);

  async function storeKeyed(arrival: Arrival): Promise<StoreResult> {
    const { result, fanoutPending } = await storeArrival(arrival);
    // Committed: the fan-out may take it from here.
    if (fanoutPending) deps.recentEvents?.remember(result.eventId, arrival.event, arrival.sizeBytes);
    deps.metrics?.eventReceived(arrival.source, arrival.event.name, result.stored);
    if (result.stored) deps.onStored();
    return result;
  }

  return {
    accept(event, rawBody, source = "webhook") {
      // Not async: an async function holds its arguments while it waits, and the raw body (up to
      // WEBHOOK_MAX_BYTES) is needed only for the keys, not while the event is stored.
      return storeKeyed({ event, keys: idempotencyKeys(event, rawBody, Date.now()), source, sizeBytes: rawBody.length });
    },
    async acceptPolled(events, alongside) {
      const results = await deps.db.write(async (manager) => {
        const stored = await storeAll(
          manager,
          events.map(({ event, occurredAt }) => ({ event, keys: idempotencyKeys(event, JSON.stringify(event), occurredAt), source: "poll" })),
        );
        await alongside(manager);
        return stored.map(({ result }) => result);
      });
      results.forEach((result, i) => deps.metrics?.eventReceived("poll", events[i].event.name, result.stored));
      if (results.some((result) => result.stored)) deps.onStored();
      return results;
    },
  };
}
