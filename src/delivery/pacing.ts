/**
 * Spaces sends to one target at least `intervalMs` apart by handing out send slots. A row that
 * cannot go now gets the next free slot, which is then reserved for it: when it comes back at that
 * slot it goes, while rows after it queue behind. A send also waits an interval from the previous
 * one's answer, once that has come: only then is it sure the target saw the previous one. State
 * lives in memory, per process: replicas sharing a database each pace on their own, so N replicas
 * may send up to N times the pace.
 */
export class TargetPacer {
  private readonly targets = new Map<string, TargetSlots>();

  constructor(private readonly intervalMs: number) {}

  /** How many targets are remembered. */
  get size(): number {
    return this.targets.size;
  }

  /**
   * When row `id` to `target` may be sent, asked when the row is claimed: `now` means send it now
   * (the send counts), a later time means postpone it to then and ask again when it comes back.
   */
  slot(target: string, id: number, now: number): number {
    if (this.intervalMs <= 0) return now;
    const slots = this.slotsOf(target, now);
    const reserved = slots.reserved.get(id);
    slots.reserved.delete(id);
    // Never closer than the interval to the last send, even when a slot's row came back late.
    const at = Math.max(reserved ?? slots.free, slots.lastSentAt + this.intervalMs, now);
    if (reserved === undefined) slots.free = at + this.intervalMs;
    if (at <= now) {
      slots.lastSentAt = now;
      return now;
    }
    slots.reserved.set(id, at);
    return at;
  }

  /** The target answered a send (or it failed) at `at`: the next send waits an interval from then. */
  answered(target: string, at: number): void {
    const slots = this.targets.get(target);
    if (slots) slots.lastSentAt = Math.max(slots.lastSentAt, at);
  }

  /** A send that goes now whatever the pace (an admin's test send) still takes a slot. */
  take(target: string, now: number): void {
    if (this.intervalMs <= 0) return;
    const slots = this.slotsOf(target, now);
    slots.free = Math.max(slots.free, now) + this.intervalMs;
    slots.lastSentAt = now;
  }

  /**
   * Drops a row's reservation (its target is paused by a 429): when the pause ends the row queues
   * anew, rather than every paused row reaching its old slot at once.
   */
  forget(target: string, id: number): void {
    this.targets.get(target)?.reserved.delete(id);
  }

  private slotsOf(target: string, now: number): TargetSlots {
    let slots = this.targets.get(target);
    if (!slots) {
      if (this.targets.size >= SWEEP_AT_TARGETS) this.sweep(now);
      slots = { free: now, lastSentAt: -Infinity, reserved: new Map() };
      this.targets.set(target, slots);
    } else if (slots.free < now) {
      // Every slot handed out has passed: a reservation left is of a row another replica sent, or
      // one that came back later than its slot and may as well queue anew.
      slots.reserved.clear();
    }
    return slots;
  }

  /** Forgets targets with nothing pending whose last send is an interval old: personal DMs reach ever new users. */
  private sweep(now: number): void {
    for (const [target, slots] of this.targets) {
      if (slots.free <= now && slots.lastSentAt + this.intervalMs <= now) this.targets.delete(target);
    }
  }
}

/** How many targets are remembered before idle ones are dropped. */
const SWEEP_AT_TARGETS = 1000;

interface TargetSlots {
  /** The first slot not handed out yet. */
  free: number;
  /** When the last send went out or, once answered, when its answer came. */
  lastSentAt: number;
  /** Slots handed out to postponed rows, by row id. */
  reserved: Map<number, number>;
}
