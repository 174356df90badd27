import { LRUCache } from "lru-cache";

/**
 * Answers worth reusing for a while, one per key, kept as promises in a bounded LRU cache (lru-cache):
 * - concurrent askers of one key share one read (the promise is kept from the start);
 * - a read that fails is forgotten at once, so the next asker reads again;
 * - an answer is reused for `ttlMs` after its read began, or until an asker wants one read since a
 *   moment (`since`) or fresh (`refresh`), which then replaces it for everyone;
 * - at most `max` answers are kept; the least recently used goes first.
 */
export interface SharedAnswers<T> {
  get(key: string, read: () => Promise<T>, options?: { since?: number; refresh?: boolean }): Promise<T>;
  /** Forgets one answer (a read in progress carries on for those already waiting). */
  delete(key: string): void;
  /** Forgets every answer. */
  clear(): void;
  keys(): string[];
}

export function createSharedAnswers<T>(options: { max: number; ttlMs: number; now?: () => number }): SharedAnswers<T> {
  const now = options.now ?? Date.now;
  const cache = new LRUCache<string, { readAt: number; answer: Promise<T> }>({
    max: options.max,
    ttl: options.ttlMs,
    perf: { now },
    // The injected clock is read every time, never rounded to a timer's tick.
    ttlResolution: 0,
  });
  return {
    get(key, read, { since = 0, refresh = false } = {}) {
      const at = now();
      const kept = cache.get(key);
      // Checked here too: the library keeps an answer up to and including its last millisecond.
      if (kept && !refresh && at - kept.readAt < options.ttlMs && kept.readAt >= since) return kept.answer;
      const entry = { readAt: at, answer: read() };
      cache.set(key, entry);
      entry.answer.catch(() => {
        if (cache.peek(key) === entry) cache.delete(key);
      });
      return entry.answer;
    },
    delete: (key) => void cache.delete(key),
    clear: () => cache.clear(),
    keys: () => [...cache.keys()],
  };
}
