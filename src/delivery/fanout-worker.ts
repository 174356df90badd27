import { DojoDirectory, ProductChange } from "../defectdojo/directory";
import { DojoEvent } from "../events/dojo-event";
import { Logger } from "../logging/logger";
import { gatherFacts } from "../routing/event-facts";
import { personalRoutes } from "../routing/personal-routes";
import { ruleRoutes } from "../routing/rule-routes";
import { RouteTarget } from "../routing/system-routes";
import { RoutingRuleStore } from "../storage/routing-rule-store";
import { Database } from "../storage/database";
import { EventEntity, FanoutStatus } from "../storage/entities/event.entity";
import { PreferencesStore } from "../storage/preferences-store";
import { SettingsStore, SystemSettingsWithSecrets } from "../storage/settings-store";
import { retryDelayMs } from "./backoff";
import { placeRoutes } from "./digest-windows";
import { WakeableLoop } from "./wakeable-loop";

/** DefectDojo being down is retried for as long as it takes, at most this far apart. */
export const FANOUT_MAX_RETRY_DELAY_MS = 5 * 60_000;
const FANOUT_RETRY_BASE_MS = 2_000;
/** How long a replica holds an event it is fanning out; one fan-out takes seconds at most. */
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
  /** Called after outbox rows were stored, to wake the delivery worker. */
  onRoutesStored(): void;
  /** Called after messages joined a digest window, to wake the digest worker. */
  onDigestJoined(): void;
  pollIntervalMs: number;
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

  /** Stops taking events and waits for the one in hand; the rest stay PENDING for the next start. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async drain(): Promise<void> {
    while (!this.loop.isStopped) {
      const event = await this.deps.db.manager
        .createQueryBuilder(EventEntity, "event")
        .where("event.fanout_status = :pending AND event.fanout_next_at <= :now", {
          pending: FanoutStatus.PENDING,
          now: this.now(),
        })
        .orderBy("event.id", "ASC")
        .getOne();
      if (!event) return;
      const lease = await this.claim(event);
      if (lease !== null) await this.fanOut(event, lease);
    }
  }

  /**
   * Takes the event for FANOUT_LEASE_MS by moving its next try past now, unless another replica
   * just did. A replica that dies holding it leaves it to the others once that time has passed.
   */
  private async claim(event: EventEntity): Promise<number | null> {
    const lease = this.now() + FANOUT_LEASE_MS;
    const result = await this.deps.db.write((manager) =>
      manager
        .createQueryBuilder()
        .update(EventEntity)
        .set({ fanoutNextAt: lease })
        .where("id = :id AND fanout_status = :pending AND fanout_next_at = :seen", {
          id: event.id,
          pending: FanoutStatus.PENDING,
          seen: event.fanoutNextAt,
        })
        .execute(),
    );
    return result.affected === 1 ? lease : null;
  }

  private async ruleRoutes(event: EventEntity, settings: SystemSettingsWithSecrets, now: number): Promise<RouteTarget[]> {
    const rules = await this.deps.rules.rules();
    const facts = await gatherFacts(event.data, rules, this.deps.directory);
    return ruleRoutes(event.data, facts, rules, settings, await this.deps.settings.systemChannelsFor(event.data.setting), now);
  }

  /**
   * Rules first (they must not wait for the personal part), then personal routes; all written with
   * the event's new state in one transaction, and only while this replica still holds the event.
   * When DefectDojo cannot be asked for the personal part, the system-wide routes still go out and
   * the event stays PENDING for the personal ones alone.
   */
  private async fanOut(event: EventEntity, lease: number): Promise<void> {
    const { db, directory, logger } = this.deps;
    const log = logger.child({ eventId: event.id, event: event.name });
    try {
      const change = permissionChange(event.data);
      if (directory && change) directory.invalidate(change);
      const settings = await this.deps.settings.systemSettings();
      const now = this.now();
      const systemWide = event.rulesPending ? await this.ruleRoutes(event, settings, now) : [];
      // Where the rules sent the event: decided now, or on an earlier try whose personal part was held.
      const ruleTargets = event.rulesPending ? systemWide.map(({ channel, target }) => ({ channel, target })) : event.ruleTargets;
      let personal: RouteTarget[] = [];
      let held: string | null = null;
      try {
        if (directory) {
          personal = await personalRoutes({ ...this.deps, directory }, event.data, settings, now, ruleTargets ?? undefined);
        }
      } catch (error) {
        held = error instanceof Error ? error.message : String(error);
      }
      const routes = [...systemWide, ...personal];
      const retry = held === null ? null : this.retryOf(event, held, log);
      const atOnce = await db.write(async (manager) => {
        const written = await placeRoutes(manager, event.id, routes, now);
        const next = retry ?? { fanoutStatus: FanoutStatus.DONE, fanoutError: null };
        const updated = await manager.update(EventEntity, { id: event.id, fanoutNextAt: lease }, { ...next, rulesPending: false, ruleTargets });
        // Another replica took the event after this one's lease ran out: roll back, it routes it.
        if (updated.affected !== 1) throw new LostLeaseError();
        return written;
      });
      if (routes.length > 0) {
        log.info({ ruleOrSystemRoutes: systemWide.length, personalRoutes: personal.length, held: routes.length - atOnce }, "routes resolved");
      }
      if (atOnce > 0) this.deps.onRoutesStored();
      if (atOnce < routes.length) this.deps.onDigestJoined();
    } catch (error) {
      if (error instanceof LostLeaseError) {
        log.warn("event routed by another replica after this one's lease ran out; nothing written here");
        return;
      }
      const retry = this.retryOf(event, error instanceof Error ? error.message : String(error), log);
      await db.write((manager) => manager.update(EventEntity, { id: event.id, fanoutNextAt: lease }, retry));
    }
  }

  /** The event's next try, backing off, while DefectDojo cannot be asked. */
  private retryOf(event: EventEntity, reason: string, log: Logger) {
    const attempts = event.fanoutAttempts + 1;
    const delay = retryDelayMs(attempts, FANOUT_RETRY_BASE_MS, FANOUT_MAX_RETRY_DELAY_MS);
    log.warn({ reason, attempt: attempts, retryInMs: delay }, "notifications held: DefectDojo could not be asked");
    return { fanoutAttempts: attempts, fanoutNextAt: this.now() + delay, fanoutError: reason };
  }
}

class LostLeaseError extends Error {}

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
