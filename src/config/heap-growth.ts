import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

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

let fullCollection: (() => void) | undefined;

/**
 * A full garbage collection, now. For the moment a very large webhook body has been parsed and
 * before it is stored: its bytes, its text and its parsed tree are garbage by then, but V8 has had
 * no reason to collect them during the synchronous parse, and storing it adds SQLite's own copies
 * (memory V8 does not see) on top. A 32 MiB body peaked at 361–374 MB of RSS without this and
 * about 300 MB with it, for a collection of about 45 ms (README, Benchmarks). `--expose-gc` set at
 * run time gives `gc` to contexts created after it, not to the main one.
 */
export function collectGarbage(): void {
  if (!fullCollection) {
    setFlagsFromString("--expose-gc");
    fullCollection = runInNewContext("gc") as () => void;
  }
  fullCollection();
}
