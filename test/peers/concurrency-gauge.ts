/**
 * Requests a peer is answering right now, per key (the target they are for), and the most it ever
 * answered at once. Counted in the peer's own order of events: a request is left just before its
 * answer goes out, so a client that waits for answers can never be seen above its real bound.
 */
export class ConcurrencyGauge {
  private readonly current = new Map<string, number>();
  /** Most requests answered at once, by key. */
  readonly peak = new Map<string, number>();

  enter(key: string): void {
    const count = (this.current.get(key) ?? 0) + 1;
    this.current.set(key, count);
    if (count > (this.peak.get(key) ?? 0)) this.peak.set(key, count);
  }

  leave(key: string): void {
    this.current.set(key, (this.current.get(key) ?? 1) - 1);
  }
}
