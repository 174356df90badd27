import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { Channel } from "../../vocabulary/channel";
import { DigestGroupBy } from "../../vocabulary/digest-group-by";
import { NotificationEvent } from "../../events/notification-event";
import { Severity } from "../../events/severity";
import { epochMs } from "../columns";

/** One target of a rule as stored: a Teams URL only sealed, with the label shown instead of it. */
export interface StoredRuleTarget {
  channel: Channel;
  slackChannel?: string;
  emails?: string[];
  /** Sealed with the secret box: a Teams Workflows URL is a credential (its `sig` parameter). */
  msteamsUrlSealed?: string;
  /** What the API, previews and the delivery log show for the Teams URL. */
  msteamsLabel?: string;
}

/** A superuser's routing rule: which events it matches and where they go. Evaluated by `position`. */
@Entity("routing_rule")
@Index("routing_rule_position", ["position", "id"])
export class RoutingRuleEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column("varchar", { length: 200 })
  name: string;

  @Column("integer")
  position: number;

  /** Empty: every event. */
  @Column("simple-json")
  events: NotificationEvent[];

  @Column("simple-json", { name: "product_type_ids" })
  productTypeIds: number[];

  @Column("simple-json", { name: "product_ids" })
  productIds: number[];

  @Column("simple-json", { name: "engagement_ids" })
  engagementIds: number[];

  @Column("varchar", { name: "min_severity", length: 10, nullable: true })
  minSeverity: Severity | null;

  @Column("simple-json")
  tags: string[];

  /** Null: either. */
  @Column("boolean", { nullable: true })
  verified: boolean | null;

  @Column("boolean", { nullable: true })
  active: boolean | null;

  /** Alertmanager's `continue`: go on to later rules after this one matched. */
  @Column("boolean", { name: "continue_matching", default: false })
  continueMatching: boolean;

  @Column("simple-json")
  targets: StoredRuleTarget[];

  @Column("integer", { name: "digest_window_seconds", default: 0 })
  digestWindowSeconds: number;

  @Column("varchar", { name: "digest_group_by", length: 20, default: DigestGroupBy.NONE })
  digestGroupBy: DigestGroupBy;

  @Column("boolean", { name: "link_only", default: false })
  linkOnly: boolean;

  @Column("bigint", { name: "created_at", transformer: epochMs })
  createdAt: number;

  @Column("bigint", { name: "updated_at", transformer: epochMs })
  updatedAt: number;
}
