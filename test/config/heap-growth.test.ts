import { spawnSync } from "node:child_process";
import { collectGarbage, HEAP_GROWING_PERCENT, heapGrowthFlag } from "../../src/config/heap-growth";

describe("heap growth", () => {
  it("sets V8's heap growth unless node's command line does", () => {
    expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(["--enable-source-maps"])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(["--heap-growing-percent=50"])).toBeNull();
    expect(heapGrowthFlag(["--heap_growing_percent=50"])).toBeNull();
    expect(heapGrowthFlag(["--heap-growing-percent", "50"])).toBeNull();
  });

  it("is a flag this node's V8 knows", () => {
    // An unknown flag is ignored by setFlagsFromString without a word; V8 lists the ones it has.
    const options = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" }).stdout;
    expect(options).toMatch(/^\s*--heap-growing-percent\b/m);
  });

  it("collects garbage on demand", () => {
    // A parsed tree of about 30 MB that nothing holds any more: only a collection gives it back.
    let garbage: Array<{ id: number; title: string }> | null = Array.from({ length: 400_000 }, (_, id) => ({ id, title: `finding ${id}` }));
    const before = process.memoryUsage().heapUsed;
    expect(garbage).toHaveLength(400_000);
    garbage = null;
    collectGarbage();
    expect(before - process.memoryUsage().heapUsed).toBeGreaterThan(20 * 1024 * 1024);
  });
});
