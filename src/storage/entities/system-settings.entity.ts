import { Column, Entity, PrimaryColumn } from "typeorm";
import { epochMs } from "../columns";

/** The single row of system-wide channel settings (DefectDojo's System Settings, notification part). */
@Entity("system_settings")
export class SystemSettingsEntity {
  /** Always 1: there is one row. */
  @PrimaryColumn("integer")
  id: number;

  @Column("boolean", { name: "enable_slack_notifications", default: false })
  enableSlackNotifications: boolean;

  @Column("varchar", { name: "slack_channel", length: 100, default: "" })
  slackChannel: string;

  @Column("varchar", { name: "slack_username", length: 100, default: "" })
  slackUsername: string;

  /** Encrypted with the secret box; null when unset. */
  @Column("text", { name: "slack_token_encrypted", nullable: true })
  slackTokenEncrypted: string | null;

  @Column("boolean", { name: "enable_msteams_notifications", default: false })
  enableMsteamsNotifications: boolean;

  /** Encrypted: the whole Workflows URL is a credential (its `sig` parameter). */
  @Column("text", { name: "msteams_url_encrypted", nullable: true })
  msteamsUrlEncrypted: string | null;

  @Column("boolean", { name: "enable_mail_notifications", default: false })
  enableMailNotifications: boolean;

  @Column("simple-json", { name: "mail_notifications_to" })
  mailNotificationsTo: string[];

  /** Link-only mode for every message not sent by a rule: what happened and a link, no titles or names. */
  @Column("boolean", { name: "link_only", default: false })
  linkOnly: boolean;

  @Column("bigint", { name: "updated_at", transformer: epochMs })
  updatedAt: number;
}
