import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { Channel } from "../../vocabulary/channel";
import { DojoEvent } from "../../events/dojo-event";
import { epochMs } from "../columns";

export type EventSource = "webhook" | "poll" | "test" | "digest";

/**
 * Where an event's personal notifications stand. PENDING: recipients still to be resolved (retried
 * while DefectDojo cannot be asked); DONE: their outbox rows exist; NONE: the event has none (ping,
 * test sends); SKIPPED: personal notifications are not configured (no DOJO_API_KEY), or nobody
 * had subscribed to the event when it arrived.
 */
export enum FanoutStatus {
  PENDING = "PENDING",
  DONE = "DONE",
  NONE = "NONE",
  SKIPPED = "SKIPPED",
}

/** An accepted DefectDojo event, normalised. Its outbox rows are `delivery` rows. */
@Entity("event")
export class EventEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Index({ unique: true })
  @Column("varchar", { name: "idempotency_key", length: 300 })
  idempotencyKey: string;

  /** DefectDojo's event name, e.g. `product_added`. */
  @Column("varchar", { length: 100 })
  name: string;

  /** The event's title, kept beside `data` so the delivery log can list it without loading payloads. */
  @Column("text", { default: "" })
  title: string;

  @Column("varchar", { length: 20 })
  source: EventSource;

  @Column("simple-json")
  data: DojoEvent;

  @Column("bigint", { name: "received_at", transformer: epochMs })
  receivedAt: number;

  @Column("varchar", { name: "fanout_status", length: 20, default: FanoutStatus.NONE })
  fanoutStatus: FanoutStatus;

  @Column("integer", { name: "fanout_attempts", default: 0 })
  fanoutAttempts: number;

  @Column("bigint", { name: "fanout_next_at", default: 0, transformer: epochMs })
  fanoutNextAt: number;

  /** Why the last fan-out attempt failed (DefectDojo unreachable, …). */
  @Column("text", { name: "fanout_error", nullable: true })
  fanoutError: string | null;

  /**
   * True while routing rules are still to be applied (by the fan-out worker, which may have to ask
   * DefectDojo about tags and finding status): the event then has no system-wide rows yet.
   */
  @Column("boolean", { name: "rules_pending", default: false })
  rulesPending: boolean;

  /**
   * Where the routing rules sent the event system-wide, once they were applied (null before, and
   * for events routed by the system-wide settings): what a retried personal fan-out compares with.
   */
  @Column("simple-json", { name: "rule_targets", nullable: true })
  ruleTargets: SystemTarget[] | null;
}

/** A system-wide destination of an event: a channel and its target (a Slack channel, mail addresses, a Teams label). */
export interface SystemTarget {
  channel: Channel;
  target: string;
}
