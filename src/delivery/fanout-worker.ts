import { performance } from "node:perf_hooks";
import { EntityManager } from "typeorm";
import { DojoDirectory, ProductChange } from "../defectdojo/directory";
import { DojoEvent } from "../events/dojo-event";
import { RecentEvents } from "../events/recent-events";
import { Logger } from "../logging/logger";
import { gatherFacts } from "../routing/event-facts";
import { PersonalPreferences, personalRoutes } from "../routing/personal-routes";
import { ruleRoutes } from "../routing/rule-routes";
import { RouteTarget } from "../routing/system-routes";
import { RoutingRuleStore } from "../storage/routing-rule-store";
import { Database } from "../storage/database";
import { EventEntity, FanoutStatus, SystemTarget } from "../storage/entities/event.entity";
import { changedRows, isPostgres, placeholders, sql } from "../storage/sql";
import { PreferencesStore } from "../storage/preferences-store";
import { SettingsStore, SystemSettingsWithSecrets } from "../storage/settings-store";
import { retryDelayMs } from "./backoff";
import { placeRoutes } from "./digest-windows";
import { IngestPressure, NO_PRESSURE } from "./ingest-first";
import { WakeableLoop } from "./wakeable-loop";

/** DefectDojo being down is retried for as long as it takes, at most this far apart. */
export const FANOUT_MAX_RETRY_DELAY_MS = 5 * 60_000;
const FANOUT_RETRY_BASE_MS = 2_000;
/** Events fanned out together: one claim and one commit for them all, a short synchronous write. */
const FANOUT_BATCH = 64;
/**
 * The batch while webhooks wait: a batch is resolved and written without a turn of the event loop
 * between its events, so its size is how long a webhook arriving meanwhile waits.
 */
const FANOUT_BUSY_BATCH = 16;
/**
 * While webhooks wait, the pause after a batch is this many times what the batch took (and at least
 * BUSY_PAUSE_MS): the fan-out then takes at most a tenth of the event loop, and keeps going.
 */
const BUSY_PAUSE_FACTOR = 9;
const BUSY_PAUSE_MS = 20;
/** How long a replica holds events it is fanning out; one batch takes seconds at most. */
const FANOUT_LEASE_MS = 30_000;
/** Events whose object changes who may see what: that object's cached answers are dropped first. */
const PRODUCT_EVENTS = new Set(["product_added", "product_deleted"]);
const PRODUCT_TYPE_EVENTS = new Set(["product_type_added", "product_type_deleted"]);

export interface FanoutWorkerDeps {
  db: Database;
  settings: SettingsStore;
  preferences: PreferencesStore;
  rules: RoutingRuleStore;
  /** Null when DefectDojo's API is not configured: no personal notifications, and rules see only what events carry. */
  directory: DojoDirectory | null;
  logger: Logger;
  /** Events the intake just stored, handed over in memory (see createRecentEvents). */
  recentEvents?: RecentEvents;
  /** Called after outbox rows were stored, to wake the delivery worker. */
  onRoutesStored(): void;
  /** Called after messages joined a digest window, to wake the digest worker. */
  onDigestJoined(): void;
  pollIntervalMs: number;
  /** While webhooks wait, the fan-out pauses after each batch (see BUSY_PAUSE_FACTOR). */
  pressure?: IngestPressure;
  now?: () => number;
}

/**
 * Resolves what could not be decided when an event was stored, one event at a time, in arrival
 * order: the routing rules (which may ask DefectDojo about tags and finding status) and the
 * personal notifications (who may see the event). The outbox rows, digest entries and the event's
 * DONE mark are written in one transaction, so a crash neither loses nor doubles them; when
 * DefectDojo cannot be asked, the event waits and is retried.
 */
export class FanoutWorker {
  private readonly now: () => number;
  private readonly loop: WakeableLoop;

  constructor(private readonly deps: FanoutWorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.loop = new WakeableLoop(
      () => this.drain(),
      (error) => deps.logger.error({ err: error }, "personal fan-out could not read its queue"),
    );
  }

  start(): void {
    this.loop.start(this.deps.pollIntervalMs);
  }

  /** Looks for events to fan out now (called after an event is stored). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops taking events and waits for the batch in hand; the rest stay PENDING for the next start. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * Takes pending events FANOUT_BATCH at a time, oldest first: one query, one claim and one commit
   * per batch rather than per event, and a turn of the event loop between batches (a longer pause
   * while webhooks wait), so webhooks keep being answered while a backlog drains.
   */
  private async drain(): Promise<void> {
    const pressure = this.deps.pressure ?? NO_PRESSURE;
    while (!this.loop.isStopped) {
      const started = performance.now();
      const lease = this.now() + FANOUT_LEASE_MS;
      const events = await this.claim(lease, pressure.busy() ? FANOUT_BUSY_BATCH : FANOUT_BATCH);
      if (events.length === 0) return;
      await this.fanOut(events, lease);
      const pause = pressure.busy() ? Math.max(BUSY_PAUSE_MS, BUSY_PAUSE_FACTOR * (performance.now() - started)) : 0;
      await new Promise((resolve) => (pause > 0 ? setTimeout(resolve, pause) : setImmediate(resolve)));
    }
  }

  /**
   * Takes the oldest due events, at most FANOUT_BATCH, for FANOUT_LEASE_MS by moving their next try
   * past now; on PostgreSQL, events another replica is taking are skipped. A replica that dies
   * holding them leaves them to the others once that time has passed. Bookkeeping: a power cut
   * that undoes it leaves the events PENDING, as they were.
   */
  private claim(lease: number, batch: number): Promise<PendingEvent[]> {
    return this.deps.db.write(
      async (manager) => {
        const rows: PendingEventRow[] = await sql(
          manager,
          `SELECT id, name, rules_pending, rule_targets, fanout_attempts FROM event
            WHERE fanout_status = ? AND fanout_next_at <= ? ORDER BY id LIMIT ${batch}${isPostgres(manager) ? " FOR UPDATE SKIP LOCKED" : ""}`,
          [FanoutStatus.PENDING, this.now()],
        );
        if (rows.length === 0) return [];
        const ids = rows.map((row) => Number(row.id));
        await sql(manager, `UPDATE event SET fanout_next_at = ? WHERE id IN (${placeholders(ids)})`, [lease, ...ids]);
        // Events the intake handed over are not read and parsed again.
        const handedOver = new Map(ids.map((id) => [id, this.deps.recentEvents?.take(id)]));
        const unread = ids.filter((id) => handedOver.get(id) === undefined);
        const read: Array<{ id: number | string; data: string }> =
          unread.length === 0 ? [] : await sql(manager, `SELECT id, data FROM event WHERE id IN (${placeholders(unread)})`, unread);
        const data = new Map(read.map((row) => [Number(row.id), JSON.parse(row.data) as DojoEvent]));
        return rows.map((row, i) => ({
          id: ids[i],
          name: row.name,
          data: handedOver.get(ids[i]) ?? data.get(ids[i])!,
          rulesPending: Boolean(row.rules_pending),
          ruleTargets: row.rule_targets === null ? null : (JSON.parse(row.rule_targets) as SystemTarget[]),
          fanoutAttempts: Number(row.fanout_attempts),
        }));
      },
      { durable: false },
    );
  }

  private async ruleRoutes(event: PendingEvent, settings: SystemSettingsWithSecrets, now: number): Promise<RouteTarget[]> {
    const rules = await this.deps.rules.rules();
    const facts = await gatherFacts(event.data, rules, this.deps.directory);
    return ruleRoutes(event.data, facts, rules, settings, await this.deps.settings.systemChannelsFor(event.data.setting), now);
  }

  /**
   * One event's routes: rules first (they must not wait for the personal part), then personal
   * routes. When DefectDojo cannot be asked for the personal part, the system-wide routes still go
   * out and the event stays PENDING for the personal ones alone.
   */
  private async resolve(
    event: PendingEvent,
    settings: SystemSettingsWithSecrets,
    preferences: PersonalPreferences,
    now: number,
    log: Logger,
  ): Promise<Resolved> {
    const { directory } = this.deps;
    const change = permissionChange(event.data);
    if (directory && change) directory.invalidate(change);
    const systemWide = event.rulesPending ? await this.ruleRoutes(event, settings, now) : [];
    // Where the rules sent the event: decided now, or on an earlier try whose personal part was held.
    const ruleTargets = event.rulesPending ? systemWide.map(({ channel, target }) => ({ channel, target })) : event.ruleTargets;
    let personal: RouteTarget[] = [];
    let held: string | null = null;
    try {
      if (directory) {
        personal = await personalRoutes({ preferences, directory }, event.data, settings, now, ruleTargets ?? undefined);
      }
    } catch (error) {
      held = error instanceof Error ? error.message : String(error);
    }
    const retry = held === null ? null : this.retryOf(event, held, log);
    return { systemWide, personal, ruleTargets, next: retry ?? { fanoutStatus: FanoutStatus.DONE, fanoutError: null } };
  }

  /**
   * Resolves each claimed event in arrival order, then writes every event's routes, digest entries
   * and new state in one transaction, for each event only while this replica still holds it. An
   * event whose routes could not be worked out at all is retried on its own.
   */
  private async fanOut(events: PendingEvent[], lease: number): Promise<void> {
    const { db, logger } = this.deps;
    const settings = await this.deps.settings.systemSettings();
    const preferences = readOncePerBatch(this.deps.preferences);
    const now = this.now();
    const resolved: Array<{ event: PendingEvent; log: Logger; outcome: Resolved | { failed: ReturnType<FanoutWorker["retryOf"]> } }> = [];
    for (const event of events) {
      const log = logger.child({ eventId: event.id, event: event.name });
      try {
        resolved.push({ event, log, outcome: await this.resolve(event, settings, preferences, now, log) });
      } catch (error) {
        resolved.push({ event, log, outcome: { failed: this.retryOf(event, error instanceof Error ? error.message : String(error), log) } });
      }
    }
    let placed: Array<{ routes: number; atOnce: number } | null>;
    try {
      placed = await db.write(async (manager) => {
        const counts: Array<{ routes: number; atOnce: number } | null> = [];
        for (const { event, outcome } of resolved) {
          const state = "failed" in outcome ? outcome.failed : { ...outcome.next, rulesPending: false, ruleTargets: outcome.ruleTargets };
          // Another replica took the event after this one's lease ran out: it routes it.
          if (!(await writeFanoutState(manager, event.id, lease, state)) || "failed" in outcome) {
            counts.push(null);
            continue;
          }
          const routes = [...outcome.systemWide, ...outcome.personal];
          counts.push({ routes: routes.length, atOnce: await placeRoutes(manager, event.id, routes, now) });
        }
        return counts;
      });
    } catch (error) {
      // Nothing of the batch was written: every event of it tries again, none is lost.
      const reason = error instanceof Error ? error.message : String(error);
      await db.write(async (manager) => {
        for (const { event, log } of resolved) await writeFanoutState(manager, event.id, lease, this.retryOf(event, reason, log));
      });
      return;
    }
    let anyAtOnce = false;
    let anyHeld = false;
    resolved.forEach(({ log, outcome }, i) => {
      const counts = placed[i];
      if (counts === null) {
        if (!("failed" in outcome)) log.warn("event routed by another replica after this one's lease ran out; nothing written here");
        return;
      }
      if (counts.routes > 0 && !("failed" in outcome)) {
        log.info({ ruleOrSystemRoutes: outcome.systemWide.length, personalRoutes: outcome.personal.length, held: counts.routes - counts.atOnce }, "routes resolved");
      }
      anyAtOnce ||= counts.atOnce > 0;
      anyHeld ||= counts.atOnce < counts.routes;
    });
    if (anyAtOnce) this.deps.onRoutesStored();
    if (anyHeld) this.deps.onDigestJoined();
  }

  /** The event's next try, backing off, while DefectDojo cannot be asked. */
  private retryOf(event: PendingEvent, reason: string, log: Logger) {
    const attempts = event.fanoutAttempts + 1;
    const delay = retryDelayMs(attempts, FANOUT_RETRY_BASE_MS, FANOUT_MAX_RETRY_DELAY_MS);
    log.warn({ reason, attempt: attempts, retryInMs: delay }, "notifications held: DefectDojo could not be asked");
    return { fanoutAttempts: attempts, fanoutNextAt: this.now() + delay, fanoutError: reason };
  }
}

/**
 * Subscribers and contacts as one batch reads them: each asked of the database once, as settings
 * are. A burst's events mostly share their event kind and so their subscribers; a change made
 * meanwhile is in effect from the next batch.
 */
function readOncePerBatch(preferences: PreferencesStore): PersonalPreferences {
  const subscribers = new Map<string, ReturnType<PreferencesStore["subscribers"]>>();
  const contacts = new Map<string, ReturnType<PreferencesStore["contacts"]>>();
  const once = <T>(answers: Map<string, T>, key: string, read: () => T): T => {
    let answer = answers.get(key);
    if (answer === undefined) answers.set(key, (answer = read()));
    return answer;
  };
  return {
    subscribers: (event) => once(subscribers, event, () => preferences.subscribers(event)),
    contacts: (userIds) => once(contacts, userIds.join(","), () => preferences.contacts(userIds)),
  };
}

type FanoutState = Partial<
  Pick<EventEntity, "fanoutStatus" | "fanoutError" | "fanoutAttempts" | "fanoutNextAt" | "rulesPending" | "ruleTargets">
>;

/**
 * Writes an event's fan-out state while `lease` is still its (another replica may have taken it
 * since): whether it did. One plain statement: a batch writes one per event, all in one turn of
 * the event loop, and TypeORM's `update` cost several times the write.
 */
async function writeFanoutState(manager: EntityManager, id: number, lease: number, state: FanoutState): Promise<boolean> {
  const set: Array<[column: string, value: unknown]> = [];
  if (state.fanoutStatus !== undefined) set.push(["fanout_status", state.fanoutStatus]);
  if (state.fanoutError !== undefined) set.push(["fanout_error", state.fanoutError]);
  if (state.fanoutAttempts !== undefined) set.push(["fanout_attempts", state.fanoutAttempts]);
  if (state.fanoutNextAt !== undefined) set.push(["fanout_next_at", state.fanoutNextAt]);
  if (state.rulesPending !== undefined) set.push(["rules_pending", state.rulesPending ? 1 : 0]);
  if (state.ruleTargets !== undefined) set.push(["rule_targets", state.ruleTargets === null ? null : JSON.stringify(state.ruleTargets)]);
  const written = await changedRows(
    manager,
    `UPDATE event SET ${set.map(([column]) => `${column} = ?`).join(", ")} WHERE id = ? AND fanout_next_at = ? RETURNING id`,
    [...set.map(([, value]) => value), id, lease],
  );
  return written === 1;
}

/** What the fan-out reads of a pending event. */
type PendingEvent = Pick<EventEntity, "id" | "name" | "data" | "rulesPending" | "ruleTargets" | "fanoutAttempts">;
type PendingEventRow = { id: number | string; name: string; rules_pending: number | boolean; rule_targets: string | null; fanout_attempts: number | string };

type Resolved = {
  systemWide: RouteTarget[];
  personal: RouteTarget[];
  ruleTargets: EventEntity["ruleTargets"];
  next: { fanoutStatus: FanoutStatus; fanoutError: string | null } | ReturnType<FanoutWorker["retryOf"]>;
};

/**
 * The product or product type a permission event created or deleted: the event's own object, or the
 * one its link names. Only that one: a product's creation changes no product type's members.
 */
function permissionChange(event: DojoEvent): ProductChange | null {
  const linked = (kind: "product" | "product_type") => (event.subject?.kind === kind ? event.subject.id : null);
  if (PRODUCT_EVENTS.has(event.name)) return { productId: event.product?.id ?? linked("product") };
  if (PRODUCT_TYPE_EVENTS.has(event.name)) return { productTypeId: event.productType?.id ?? linked("product_type") };
  return null;
}
