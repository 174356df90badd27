import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Channel } from "../../vocabulary/channel";
import { epochMs } from "../columns";
import { EventEntity } from "./event.entity";

export type DigestReason = "window" | "quiet_hours";

/**
 * An open digest window for one target and group. It lives only while open: closing it writes one
 * event (source "digest") and its delivery, and deletes the window, in one transaction.
 */
@Entity("digest")
export class DigestEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** Unique per open window (rule or user, channel, target, group): events of the same group join it. */
  @Index({ unique: true })
  @Column("varchar", { name: "open_key", length: 1200 })
  openKey: string;

  @Column("integer", { name: "rule_id", nullable: true })
  ruleId: number | null;

  @Column("varchar", { name: "rule_name", length: 200, nullable: true })
  ruleName: string | null;

  @Column("varchar", { length: 20 })
  channel: Channel;

  @Column("varchar", { length: 1000 })
  target: string;

  /** A rule's sealed Teams URL, handed on to the delivery. */
  @Column("text", { name: "target_secret", nullable: true })
  targetSecret: string | null;

  @Column("integer", { name: "recipient_user_id", nullable: true })
  recipientUserId: number | null;

  @Column("boolean", { name: "link_only", default: false })
  linkOnly: boolean;

  @Column("varchar", { length: 20 })
  reason: DigestReason;

  @Column("varchar", { name: "group_label", length: 300, nullable: true })
  groupLabel: string | null;

  @Column("text", { name: "group_url", nullable: true })
  groupUrl: string | null;

  @Column("integer", { name: "window_seconds" })
  windowSeconds: number;

  @Column("bigint", { name: "opened_at", transformer: epochMs })
  openedAt: number;

  @Index("digest_due")
  @Column("bigint", { name: "due_at", transformer: epochMs })
  dueAt: number;
}

/** One event in an open digest, with the findings the rule let through (null: the event has none). */
@Entity("digest_item")
export class DigestItemEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Index("digest_item_digest")
  @Column("integer", { name: "digest_id" })
  digestId: number;

  @ManyToOne(() => DigestEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "digest_id" })
  digest?: DigestEntity;

  @Column("integer", { name: "event_id" })
  eventId: number;

  @ManyToOne(() => EventEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "event_id" })
  event?: EventEntity;

  @Column("simple-json", { name: "finding_ids", nullable: true })
  findingIds: number[] | null;
}
