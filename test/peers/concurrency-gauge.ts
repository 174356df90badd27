/**
 * Requests a peer is answering right now, per key (the target they are for), and the most it ever
 * answered at once. Counted in the peer's own order of events: a request is left just before its
 * answer goes out, so a client that waits for answers can never be seen above its real bound.
 *
 * A test can also hold the answers (`holdUntilInFlight`, `hold`), so that a bound is reached by
 * construction rather than by the luck of timing on a loaded machine.
 */
export class ConcurrencyGauge {
  private readonly current = new Map<string, number>();
  /** Most requests answered at once, by key. */
  readonly peak = new Map<string, number>();
  private gate: { opensAt: number; open: () => void; opened: Promise<void> } | null = null;

  enter(key: string): void {
    const count = (this.current.get(key) ?? 0) + 1;
    this.current.set(key, count);
    if (count > (this.peak.get(key) ?? 0)) this.peak.set(key, count);
    if (this.gate && count >= this.gate.opensAt) this.gate.open();
  }

  leave(key: string): void {
    this.current.set(key, (this.current.get(key) ?? 1) - 1);
  }

  /** Requests being answered now for one key. */
  inFlight(key: string): number {
    return this.current.get(key) ?? 0;
  }

  /**
   * Holds every answer until `count` requests are in flight for one key, then lets them all go and
   * holds no more. After `timeoutMs` the answers go anyway, so a client that never gets there
   * fails its test on the peak instead of hanging.
   */
  holdUntilInFlight(count: number, timeoutMs = 10_000): void {
    let open = () => undefined as void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const timer = setTimeout(() => open(), timeoutMs);
    timer.unref();
    this.gate = {
      opensAt: count,
      opened,
      open: () => {
        clearTimeout(timer);
        this.gate = null;
        open();
      },
    };
  }

  /** Holds every answer until the returned function is called. */
  hold(): () => void {
    this.holdUntilInFlight(Number.POSITIVE_INFINITY, 60_000);
    const gate = this.gate!;
    return () => gate.open();
  }

  /** Resolves when the answer to a request that has entered may go out. */
  released(): Promise<void> {
    return this.gate ? this.gate.opened : Promise.resolve();
  }
}
