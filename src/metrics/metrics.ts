import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { WEBHOOK_STATUSES } from "../defectdojo/webhook-endpoint";
import { FailureKind } from "../channels/delivery-error";
import { SkipReason } from "../delivery/recipient-check";
import { Logger } from "../logging/logger";
import { EventSource } from "../storage/entities/event.entity";
import { OutboxStats } from "./outbox-stats";

/**
 * What became of one delivery attempt: `retry` is an attempt that failed and was scheduled again;
 * `skipped` a personal message not sent because its recipient may no longer see it (no attempt made).
 */
export type DeliveryOutcome = "sent" | "retry" | "failed" | "skipped";

/** Methods named in the route table or common enough to keep; anything else is `other`. */
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The bridge's Prometheus metrics, on a registry of its own (several bridges in one process, as
 * in the tests, do not share counters). Labels carry channel names, event names, poll resources
 * and route paths only: never a target, URL or secret.
 */
export interface Metrics {
  readonly registry: Registry;
  /** An event handed to the intake: stored, or a duplicate of one already stored (nothing kept). */
  eventReceived(source: EventSource, event: string, stored: boolean): void;
  /** An authenticated webhook request kept aside (never sent); `event` is its event name, or "" when it had no valid one. */
  eventKeptAside(event: string): void;
  /** One delivery attempt's outcome; `reason` is the DeliveryError kind (or why it was skipped) when it did not succeed. */
  deliveryAttempted(channel: string, outcome: DeliveryOutcome, reason?: FailureKind | SkipReason): void;
  /** How long polling one resource took (failed runs included). */
  pollFinished(resource: string, seconds: number): void;
  pollFailed(resource: string): void;
  /** `route` is the matched route path, or `other`. */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  /** Rows retention deleted from `table` (RETENTION_DAYS). */
  rowsPruned(table: string, count: number): void;
  /** The bridge re-created its inactive_permanent webhook endpoint in DefectDojo. */
  webhookHealed(): void;
}

export interface MetricsOptions {
  /** Read at scrape time for the outbox gauges; absent: they stay 0. */
  outbox?: () => Promise<OutboxStats>;
  /**
   * DefectDojo's status of the bridge's webhook endpoint (null: none registered), read at scrape
   * time; it caches its readings. Absent without DefectDojo's API: the gauge has no samples.
   */
  webhookStatus?: () => Promise<string | null>;
  /** Process and Node.js metrics (`process_*`, `nodejs_*`); default true. */
  defaultMetrics?: boolean;
  logger?: Logger;
  now?: () => number;
}

/**
 * How often prom-client's `monitorEventLoopDelay` timer samples the event loop (its default). Its
 * histogram records the time between samples, so `nodejs_eventloop_lag_*_seconds` read this much on
 * an idle loop: a stall is what they show above it.
 */
export const EVENT_LOOP_SAMPLE_MS = 10;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const now = options.now ?? Date.now;
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });

  const events = new Counter({
    name: "dojo_relay_events_received_total",
    help: "DefectDojo events received, by source (webhook, poll, test), event name and outcome (stored; duplicate: already stored, nothing kept; kept_aside: a webhook request the bridge could not use, kept for a look and never sent).",
    labelNames: ["source", "event", "outcome"] as const,
    registers,
  });
  const deliveries = new Counter({
    name: "dojo_relay_deliveries_total",
    help: "Delivery attempts by channel, outcome (sent; retry: failed and scheduled again, so this is the retry count; failed: given up; skipped: a personal message whose recipient may no longer see it) and reason (the failure kind, or why skipped; empty when sent).",
    labelNames: ["channel", "outcome", "reason"] as const,
    registers,
  });

  // Both outbox gauges come from one query per scrape: the first collect starts it, the other joins.
  let sampling: Promise<OutboxStats | null> | null = null;
  const sampleOutbox = () =>
    (sampling ??= (options.outbox?.() ?? Promise.resolve(null))
      .catch((error) => {
        options.logger?.warn({ err: error }, "metrics could not read the outbox");
        return null;
      })
      .finally(() => {
        sampling = null;
      }));
  new Gauge({
    name: "dojo_relay_outbox_depth",
    help: "Deliveries waiting to be sent (PENDING or RETRYING), read at scrape time.",
    registers,
    async collect() {
      const stats = await sampleOutbox();
      if (stats) this.set(stats.depth);
    },
  });
  new Gauge({
    name: "dojo_relay_outbox_oldest_pending_age_seconds",
    help: "Age of the oldest delivery waiting to be sent (PENDING or RETRYING), 0 when none waits; read at scrape time.",
    registers,
    async collect() {
      const stats = await sampleOutbox();
      if (stats) this.set(stats.oldestCreatedAt === null ? 0 : Math.max(0, (now() - stats.oldestCreatedAt) / 1000));
    },
  });

  new Gauge({
    name: "dojo_relay_defectdojo_webhook_status",
    help: "The bridge's webhook endpoint in DefectDojo: 1 for its current status (active, active_tmp, inactive_tmp, inactive_permanent), 0 for the others, all 0 when none is registered; DefectDojo skips it while inactive_*. Read at scrape time (cached 10 s).",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      if (!options.webhookStatus) return;
      // DefectDojo not answering keeps the last values: /readyz and the log say it is away.
      const status = await options.webhookStatus().catch(() => undefined);
      if (status === undefined) return;
      for (const known of new Set([...WEBHOOK_STATUSES, ...(status === null ? [] : [status])])) {
        this.set({ status: known }, known === status ? 1 : 0);
      }
    },
  });

  const pollDuration = new Histogram({
    name: "dojo_relay_poll_duration_seconds",
    help: "Time one poll of one DefectDojo API resource took, failed polls included.",
    labelNames: ["resource"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const pollErrors = new Counter({
    name: "dojo_relay_poll_errors_total",
    help: "Polls of a DefectDojo API resource that failed.",
    labelNames: ["resource"] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: "dojo_relay_http_request_duration_seconds",
    help: "HTTP requests served, by method, route (the matched route path, or other) and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const pruned = new Counter({
    name: "dojo_relay_retention_pruned_rows_total",
    help: "Rows deleted for being older than RETENTION_DAYS, by table (delivery, event, kept_aside_request).",
    labelNames: ["table"] as const,
    registers,
  });

  const webhookHeals = new Counter({
    name: "dojo_relay_defectdojo_webhook_heals_total",
    help: "Times the bridge re-created its webhook endpoint in DefectDojo after DefectDojo had turned it off for good (inactive_permanent).",
    registers,
  });

  return {
    registry,
    eventReceived: (source, event, stored) => events.inc({ source, event, outcome: stored ? "stored" : "duplicate" }),
    eventKeptAside: (event) => events.inc({ source: "webhook", event, outcome: "kept_aside" }),
    deliveryAttempted: (channel, outcome, reason) =>
      deliveries.inc({ channel, outcome, reason: outcome === "sent" ? "" : (reason ?? "") }),
    pollFinished: (resource, seconds) => pollDuration.observe({ resource }, seconds),
    pollFailed: (resource) => pollErrors.inc({ resource }),
    httpRequest: (method, route, status, seconds) =>
      httpDuration.observe({ method: KNOWN_METHODS.has(method) ? method : "other", route, status: String(status) }, seconds),
    rowsPruned: (table, count) => pruned.inc({ table }, count),
    webhookHealed: () => webhookHeals.inc(),
  };
}

/** Runs one poll of `resource`, timed into `metrics` when there are metrics. */
export async function timedPoll<T>(metrics: Metrics | undefined, resource: string, work: () => Promise<T>): Promise<T> {
  if (!metrics) return work();
  const started = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    metrics.pollFinished(resource, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
