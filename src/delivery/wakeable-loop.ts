import { outsideRequest } from "../logging/request-context";

/**
 * Runs `work` on a timer and whenever woken, never twice at once: a wake during a run makes exactly
 * one more run after it. The loop both workers use to pick up what was stored for them.
 */
export class WakeableLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(intervalMs: number): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), intervalMs);
    this.wake();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    // Outside the waking request's context: a run serves every event, not that request's only.
    this.running = outsideRequest(() =>
      this.work()
        .catch(this.onError)
        .finally(() => {
          this.running = undefined;
          if (this.again) {
            this.again = false;
            this.wake();
          }
        }),
    );
  }

  /** No further runs; resolves when the current one has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
