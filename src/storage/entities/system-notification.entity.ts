import { Column, Entity, PrimaryColumn } from "typeorm";
import { Channel } from "../../vocabulary/channel";
import { NotificationEvent } from "../../events/notification-event";

/** One line of DefectDojo's System Notifications page: which system-wide channels an event goes to. */
@Entity("system_notification")
export class SystemNotificationEntity {
  @PrimaryColumn("varchar", { length: 40 })
  event: NotificationEvent;

  @Column("simple-json")
  channels: Channel[];
}
