import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the heap grow past what its last full collection kept alive, in percent. The
 * bridge keeps about 55 MB alive under load but allocates fast while it sends (queries, HTTP
 * requests, rendered messages), and V8's own growth let garbage pile up to several times the live
 * set between collections: 430–520 MB peak RSS in the ingest benchmark, about 200 MB at this
 * setting with no loss in throughput (README, Benchmarks).
 */
export const HEAP_GROWING_PERCENT = 10;

/** The V8 flag to set, or null when node's command line sets it already (an operator's choice wins). */
export function heapGrowthFlag(execArgv: readonly string[]): string | null {
  const given = execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg));
  return given ? null : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Applies heapGrowthFlag to this process. V8 reads the setting at each collection, so setting it at start-up suffices. */
export function limitHeapGrowth(): void {
  const flag = heapGrowthFlag(process.execArgv);
  if (flag) setFlagsFromString(flag);
}
