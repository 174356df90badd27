import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Channel } from "../../vocabulary/channel";
import { epochMs } from "../columns";
import { EventEntity } from "./event.entity";

/** The longest target a delivery (or digest) row holds: comma-joined mail addresses must fit. */
export const TARGET_MAX_LENGTH = 1000;

export enum DeliveryStatus {
  PENDING = "PENDING",
  SENT = "SENT",
  RETRYING = "RETRYING",
  FAILED = "FAILED",
  /** A personal message not sent: its recipient may no longer see it (`lastError` says why). Final. */
  SKIPPED = "SKIPPED",
}

/**
 * One message to one target: the outbox row while PENDING or RETRYING, the delivery log after.
 * Created in the same transaction as its event, so an accepted event is never without its sends.
 */
@Entity("delivery")
@Index("delivery_due", ["status", "nextAttemptAt"])
export class DeliveryEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Index()
  @Column("integer", { name: "event_id" })
  eventId: number;

  @ManyToOne(() => EventEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "event_id" })
  event?: EventEntity;

  @Column("varchar", { length: 20 })
  channel: Channel;

  /** Where it goes, never a secret: a Slack channel, mail addresses, or a label for a Teams URL. */
  @Column("varchar", { length: TARGET_MAX_LENGTH })
  target: string;

  /** DefectDojo user id for personal notifications; null for system-wide ones. */
  @Index()
  @Column("integer", { name: "recipient_user_id", nullable: true })
  recipientUserId: number | null;

  @Column("varchar", { length: 20 })
  status: DeliveryStatus;

  @Column("integer", { default: 0 })
  attempts: number;

  @Column("text", { name: "last_error", nullable: true })
  lastError: string | null;

  @Column("bigint", { name: "next_attempt_at", transformer: epochMs })
  nextAttemptAt: number;

  /** Set while a worker holds the row; an expired lease (a crashed worker) frees it again. */
  @Column("bigint", { name: "lease_expires_at", nullable: true, transformer: epochMs })
  leaseExpiresAt: number | null;

  @Column("bigint", { name: "created_at", transformer: epochMs })
  createdAt: number;

  @Column("bigint", { name: "updated_at", transformer: epochMs })
  updatedAt: number;

  @Column("bigint", { name: "sent_at", nullable: true, transformer: epochMs })
  sentAt: number | null;

  /** What the message shows, when a rule or link-only mode narrows it; null: the whole event. */
  @Column("simple-json", { nullable: true })
  presentation: Presentation | null;

  /** A rule's sealed Teams URL (the target column holds only its label). */
  @Column("text", { name: "target_secret", nullable: true })
  targetSecret: string | null;
}

/** How a delivery narrows its event's message. */
export interface Presentation {
  /** The listed findings a rule's conditions let through; absent: all of them. */
  findingIds?: number[];
  /** Say what happened and link to DefectDojo, with no titles, descriptions or names. */
  linkOnly?: boolean;
}
