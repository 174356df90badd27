import { schedule, ScheduledTask } from "node-cron";
import { PollSettings } from "../../config/config";
import { DojoApiError, DojoClient } from "../../defectdojo/dojo-client";
import { EventIntake } from "../accept-event";
import { Logger } from "../../logging/logger";
import { Database } from "../../storage/database";
import { Metrics, timedPoll } from "../../metrics/metrics";
import { Leadership } from "../../storage/leader-lease";
import { PollCursorEntity } from "../../storage/entities/poll-cursor.entity";
import { createDojoObjects, dojoLinks, PollContext } from "./context";
import { PollResource, PollStopped } from "./resource";
import { engagements } from "./resources/engagements";
import { findings } from "./resources/findings";
import { products } from "./resources/products";
import { productTypes } from "./resources/product-types";
import { riskAcceptances } from "./resources/risk-acceptances";
import { slaDeadlines } from "./resources/sla";
import { testImports } from "./resources/test-imports";
import { tests } from "./resources/tests";

/**
 * In this order: objects before what is created inside them, and imports before findings: an
 * import claims the findings it created, so they are not announced one by one as well.
 */
// Each resource reads back only the state it wrote, so the list may hold them with their own types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPollResource = PollResource<any>;

export const POLL_RESOURCES: readonly AnyPollResource[] = [
  productTypes,
  products,
  engagements,
  tests,
  testImports,
  findings,
  riskAcceptances,
  slaDeadlines,
];

/** `standby`: another replica holds the poller lease and polls. */
export type PollerHealthStatus = "starting" | "ok" | "failing" | "unauthorized" | "standby";

export interface PollerHealth {
  status: PollerHealthStatus;
  /** What the last run's failures said, per resource. */
  errors: Record<string, string>;
  lastRunAt: number | null;
}

export interface PollerDeps {
  client: DojoClient;
  db: Database;
  intake: EventIntake;
  logger: Logger;
  dojoUrl: string;
  settings: PollSettings;
  /** Whether DefectDojo speaks 3.x's labels (assets, organizations) in its links and texts. */
  relabeled(): Promise<boolean>;
  /** With replicas: only the holder of the poller lease polls. Absent: this process always does. */
  leadership?: Leadership;
  /** Times each resource's poll and counts failures (dojo_relay_poll_*). */
  metrics?: Metrics;
  now?: () => number;
}

/**
 * Polls DefectDojo's REST API v2 on the POLL_CRON schedule, one resource after another. Each
 * resource's events and its advanced cursor are stored in one transaction, so a crash or a
 * DefectDojo outage mid-run repeats at most that resource's last walk, and its events dedupe.
 */
export class Poller {
  private task: ScheduledTask | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private health: PollerHealth = { status: "starting", errors: {}, lastRunAt: null };
  private readonly now: () => number;

  constructor(private readonly deps: PollerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Runs once now, then on the schedule (nothing is scheduled when POLL_CRON is off). */
  start(): void {
    const { cron } = this.deps.settings;
    if (cron === null) return;
    const { logger } = this.deps;
    this.task = schedule(cron, () => this.runOnce(), {
      name: "dojo-relay-poll",
      noOverlap: true,
      // node-cron's own notices (a missed tick while the event loop was busy) as JSON log lines too.
      logger: {
        info: (message) => logger.debug({ scheduler: message }),
        warn: (message) => logger.warn({ scheduler: message }),
        error: (message) => logger.error({ scheduler: `${message}` }),
        debug: (message) => logger.debug({ scheduler: `${message}` }),
      },
    });
    // A replica that becomes leader polls at once rather than at its next tick: that is the failover.
    if (this.deps.leadership) this.deps.leadership.start(() => void this.runOnce());
    else void this.runOnce();
  }

  /** One run over every resource; a call while a run is going joins it. Never rejects. */
  runOnce(): Promise<void> {
    if (this.deps.leadership && !this.deps.leadership.isLeader()) {
      this.health = { ...this.health, status: "standby" };
      return Promise.resolve();
    }
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the schedule and the run in hand between two requests; what it stored stays stored. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.task?.destroy();
    await this.running;
    await this.deps.leadership?.stop();
  }

  status(): PollerHealth {
    return this.health;
  }

  private async run(): Promise<void> {
    const { client, logger } = this.deps;
    const relabeled = await this.deps.relabeled().catch(() => false);
    const links = dojoLinks(this.deps.dojoUrl, relabeled);
    const ctx: PollContext = {
      client,
      now: this.now(),
      links,
      objects: createDojoObjects(client, links),
      findingSeverities: new Set(this.deps.settings.findingSeverities),
      stopped: () => this.stopping,
    };
    const errors: Record<string, string> = {};
    let refused = false;
    const fail = async (resource: string, error: unknown): Promise<boolean> => {
      if (error instanceof PollStopped || this.stopping) return true;
      this.deps.metrics?.pollFailed(resource);
      const message = error instanceof DojoApiError ? error.message : `${(error as Error).message ?? error}`;
      errors[resource] = message;
      logger.warn({ resource, err: message }, "poll failed");
      await this.recordFailure(resource, ctx.now, message).catch(() => undefined);
      // A refused key fails every resource alike: say so once, loudly, and stop this run.
      if (error instanceof DojoApiError && (error.kind === "unauthorized" || error.kind === "forbidden")) {
        refused = true;
        logger.error({ err: message }, "DefectDojo refused DOJO_API_KEY: nothing is polled until it is accepted");
        return true;
      }
      return false;
    };

    // Every cursor exists before any resource polls: one resource's run may update another's
    // (an import claims its findings), and a first start must not take those as history.
    const fresh = new Set<string>();
    for (const resource of POLL_RESOURCES) {
      if (this.stopping || refused) break;
      try {
        if (await this.ensureCursor(resource, ctx)) fresh.add(resource.name);
      } catch (error) {
        if (await fail(resource.name, error)) break;
      }
    }
    for (const resource of POLL_RESOURCES) {
      if (this.stopping || refused) break;
      // Starting from now, a cursor just made has nothing older to find yet.
      if (fresh.has(resource.name) && this.deps.settings.backfillSince === null) continue;
      if (errors[resource.name]) continue;
      try {
        const found = await timedPoll(this.deps.metrics, resource.name, () => this.pollResource(resource, ctx));
        if (found > 0) logger.info({ resource: resource.name, events: found }, "poll found events");
      } catch (error) {
        if (await fail(resource.name, error)) break;
      }
    }
    if (this.stopping) return;
    const status = refused ? "unauthorized" : Object.keys(errors).length > 0 ? "failing" : "ok";
    this.health = { status, errors, lastRunAt: ctx.now };
  }

  /** Makes the resource's first cursor unless it has one; true when it made it. */
  private async ensureCursor(resource: AnyPollResource, ctx: PollContext): Promise<boolean> {
    const { db, settings } = this.deps;
    if (await db.manager.exists(PollCursorEntity, { where: { resource: resource.name } })) return false;
    const state = await resource.initial(ctx, settings.backfillSince);
    await db.write((manager) =>
      manager.save(
        manager.create(PollCursorEntity, {
          resource: resource.name,
          state,
          cursor: resource.describe(state),
          lastRunAt: ctx.now,
          lastError: null,
          eventsFound: 0,
        }),
      ),
    );
    return true;
  }

  /** Polls one resource and stores what it found with its new cursor; returns how many events it found. */
  private async pollResource(resource: AnyPollResource, ctx: PollContext): Promise<number> {
    const { db, intake } = this.deps;
    const row = await db.manager.findOneOrFail(PollCursorEntity, { where: { resource: resource.name } });
    const outcome = await resource.poll(ctx, row.state);
    if (ctx.stopped()) throw new PollStopped();
    await intake.acceptPolled(outcome.events, async (manager) => {
      // Only the poller writes its cursor, except an import's claims, which touch another resource.
      await manager.update(PollCursorEntity, { resource: resource.name }, {
        state: outcome.state,
        cursor: resource.describe(outcome.state),
        lastRunAt: ctx.now,
        lastError: null,
        eventsFound: row.eventsFound + outcome.events.length,
      });
      await outcome.alongside?.(manager);
    });
    return outcome.events.length;
  }

  private recordFailure(resource: string, at: number, message: string) {
    return this.deps.db.write((manager) => manager.update(PollCursorEntity, { resource }, { lastRunAt: at, lastError: message }));
  }
}
