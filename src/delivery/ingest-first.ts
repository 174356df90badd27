import { performance } from "node:perf_hooks";

/** Event-loop utilisation above which the thread counts as busy (answering webhooks comes first). */
const BUSY_UTILIZATION = 0.9;
const SAMPLE_MS = 100;

/**
 * Whether this thread was busy over the last tenth of a second. Webhooks and deliveries share one
 * event loop: while it is busy, the delivery worker keeps only a few sends in flight, so a burst
 * is answered at once (DefectDojo pauses a webhook that takes 10 s) and its messages go out right
 * after it from the outbox.
 */
export function eventLoopPressure(): { busy(): boolean; stop(): void } {
  let last = performance.eventLoopUtilization();
  let utilization = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    utilization = performance.eventLoopUtilization(now, last).utilization;
    last = now;
  }, SAMPLE_MS);
  timer.unref();
  return { busy: () => utilization > BUSY_UTILIZATION, stop: () => clearInterval(timer) };
}
