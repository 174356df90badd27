import { createSharedAnswers } from "../../src/cache/shared-answers";

describe("shared answers (the one cache in front of DefectDojo, Slack and the readiness checks)", () => {
  let clock: number;
  let reads: string[];
  const answers = (max = 10, ttlMs = 1000) => createSharedAnswers<string>({ max, ttlMs, now: () => clock });
  const reader = (key: string, answer = `${key}!`) => () => {
    reads.push(key);
    return Promise.resolve(answer);
  };

  beforeEach(() => {
    clock = 1_000_000;
    reads = [];
  });

  it("lets concurrent askers of one key share one read", async () => {
    const cache = answers();
    let finish!: (value: string) => void;
    const slow = () => {
      reads.push("a");
      return new Promise<string>((resolve) => (finish = resolve));
    };
    const asked = [cache.get("a", slow), cache.get("a", slow), cache.get("a", slow)];
    finish("A");
    expect(await Promise.all(asked)).toEqual(["A", "A", "A"]);
    expect(reads).toEqual(["a"]);
  });

  it("does not keep a failed read: the next asker reads again", async () => {
    const cache = answers();
    await expect(cache.get("a", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("a", reader("a"))).toBe("a!");
    expect(await cache.get("a", reader("a"))).toBe("a!");
    expect(reads).toEqual(["a"]);
  });

  it("reuses an answer for ttlMs after its read began, and no longer", async () => {
    const cache = answers(10, 1000);
    await cache.get("a", reader("a"));
    clock += 999;
    await cache.get("a", reader("a"));
    expect(reads).toEqual(["a"]);
    clock += 1;
    await cache.get("a", reader("a"));
    expect(reads).toEqual(["a", "a"]);
  });

  it("keeps at most max answers, the least recently used going first", async () => {
    const cache = answers(2);
    for (const key of ["a", "b", "a", "c", "a", "b"]) await cache.get(key, reader(key));
    // "b" went when "c" came (a was used more recently); "a" stayed.
    expect(reads).toEqual(["a", "b", "c", "b"]);
    expect(cache.keys().sort()).toEqual(["a", "b"]);
  });

  it("forgets every answer on clear", async () => {
    const cache = answers();
    for (const key of ["a", "b"]) await cache.get(key, reader(key));
    cache.clear();
    expect(cache.keys()).toEqual([]);
    await cache.get("a", reader("a"));
    expect(reads).toEqual(["a", "b", "a"]);
  });

  it("reads again for an asker who wants an answer read since a moment, or fresh, and shares that", async () => {
    const cache = answers();
    await cache.get("a", reader("a", "old"));
    clock += 10;
    expect(await cache.get("a", reader("a", "new"), { since: clock })).toBe("new");
    expect(await cache.get("a", reader("a", "newer"))).toBe("new");
    expect(await cache.get("a", reader("a", "fresh"), { refresh: true })).toBe("fresh");
    expect(reads).toEqual(["a", "a", "a"]);
  });
});
