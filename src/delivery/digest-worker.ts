import { Logger } from "../logging/logger";
import { Database } from "../storage/database";
import { closeDueDigests, DuplicateCheck, nextDigestDue } from "./digest-windows";
import { WakeableLoop } from "./wakeable-loop";

export interface DigestWorkerDeps {
  db: Database;
  logger: Logger;
  /** Asks DefectDojo which listed findings became duplicates meanwhile; absent without DefectDojo's API. */
  duplicates?: DuplicateCheck;
  /** Called after closed windows were written to the outbox. */
  onDigestsClosed(): void;
  /** How often the database is checked for due windows when no timer fires (windows another replica opened). */
  pollIntervalMs: number;
  now?: () => number;
}

/**
 * Closes digest windows when they are due. Windows live in the database, so a restart, or another
 * replica, picks them up; a timer on the earliest due window makes the send land on time.
 */
export class DigestWorker {
  private readonly now: () => number;
  private readonly loop: WakeableLoop;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DigestWorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.loop = new WakeableLoop(
      () => this.run(),
      (error) => deps.logger.error({ err: error }, "digest windows could not be closed"),
    );
  }

  start(): void {
    this.loop.start(this.deps.pollIntervalMs);
  }

  /** Looks again (a window was opened, or a test moved its clock). */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.loop.stop();
    clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    const { closed, uncheckedDuplicates } = await closeDueDigests(this.deps.db, this.now(), this.deps.duplicates);
    if (uncheckedDuplicates) this.deps.logger.warn("DefectDojo could not be asked about duplicates: digests sent without that check");
    if (closed > 0) {
      this.deps.logger.info({ digests: closed }, "digest windows closed");
      this.deps.onDigestsClosed();
    }
    const next = await nextDigestDue(this.deps.db);
    clearTimeout(this.timer);
    if (next !== null && !this.loop.isStopped) {
      // Timers run on the monotonic clock: a run a moment early finds nothing due and re-arms.
      this.timer = setTimeout(() => this.wake(), Math.max(0, next - this.now()) + 5);
    }
  }
}
