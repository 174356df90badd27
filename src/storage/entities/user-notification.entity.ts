import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Channel } from "../../vocabulary/channel";
import { NotificationEvent } from "../../events/notification-event";

/**
 * One line of a user's personal notification settings (DefectDojo's Notifications page): which
 * channels notify them of an event. Only non-empty lists are stored; no row means no channel.
 */
@Entity("user_notification")
@Index("user_notification_event", ["event"])
export class UserNotificationEntity {
  /** The DefectDojo user id. */
  @PrimaryColumn("integer", { name: "user_id" })
  userId: number;

  @PrimaryColumn("varchar", { length: 40 })
  event: NotificationEvent;

  @Column("simple-json")
  channels: Channel[];
}
