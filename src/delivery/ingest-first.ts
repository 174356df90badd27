import { performance } from "node:perf_hooks";

/** Event-loop utilisation above which the thread counts as busy (answering webhooks comes first). */
const BUSY_UTILIZATION = 0.9;
const SAMPLE_MS = 100;

/**
 * Whether webhooks are waiting on this thread: over the last tenth of a second the event loop was
 * busy, and webhooks came in then or since. Webhooks, fan-out and deliveries share one event loop;
 * while webhooks wait, the fan-out pauses between batches and the delivery worker starts only a few
 * sends a second, so a burst is answered at once (DefectDojo pauses a webhook that takes 10 s) and
 * its messages go out right after it from the outbox. A loop kept busy by the background work alone
 * is not held back: that is a backlog draining.
 */
export interface IngestPressure {
  busy(): boolean;
  /** Called for each webhook that comes in. */
  webhookArrived(): void;
  stop(): void;
}

export function ingestPressure(): IngestPressure {
  let last = performance.eventLoopUtilization();
  let utilization = 0;
  let arrivals = 0;
  let arrivalsInSample = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    utilization = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    arrivalsInSample = arrivals;
    arrivals = 0;
  }, SAMPLE_MS);
  timer.unref();
  return {
    // A webhook arriving on a loop the background work keeps busy counts at once, not from the next
    // sample: a burst's first requests would otherwise wait behind a tenth of a second of it.
    busy: () => utilization > BUSY_UTILIZATION && (arrivalsInSample > 0 || arrivals > 0),
    webhookArrived: () => {
      arrivals += 1;
    },
    stop: () => clearInterval(timer),
  };
}

/** For a worker that runs without webhooks beside it (tests, tools): never busy. */
export const NO_PRESSURE: IngestPressure = { busy: () => false, webhookArrived: () => {}, stop: () => {} };
