import { Column, Entity, PrimaryColumn } from "typeorm";
import { Channel } from "../../vocabulary/channel";
import { NotificationEvent } from "../../events/notification-event";
import { epochMs } from "../columns";

/** A superuser's message template for one event setting on one channel. */
@Entity("message_template")
export class MessageTemplateEntity {
  @PrimaryColumn("varchar", { length: 40 })
  event: NotificationEvent;

  @PrimaryColumn("varchar", { length: 20 })
  channel: Channel;

  /** Null keeps DefectDojo's title. */
  @Column("text", { nullable: true })
  title: string | null;

  /** Null keeps DefectDojo's description. */
  @Column("text", { nullable: true })
  text: string | null;

  @Column("bigint", { name: "updated_at", transformer: epochMs })
  updatedAt: number;
}
