import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Channel } from "../../channels/channel-id";
import { epochMs } from "../columns";
import { EventEntity } from "./event.entity";

export enum DeliveryStatus {
  PENDING = "PENDING",
  SENT = "SENT",
  RETRYING = "RETRYING",
  FAILED = "FAILED",
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
  @Column("varchar", { length: 1000 })
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
}
