import { Column, Entity, PrimaryColumn } from "typeorm";
import { Severity } from "../../events/severity";
import { epochMs } from "../columns";

/** RFC 5321's limit for a forward path, the longest usable e-mail address. */
export const EMAIL_MAX_LENGTH = 254;

/**
 * Where one DefectDojo user wants their personal notifications: the addresses they set here, over
 * what DefectDojo knows of them. A missing row means "nothing set".
 */
@Entity("user_contact")
export class UserContactEntity {
  /** The DefectDojo user id. */
  @PrimaryColumn("integer", { name: "user_id" })
  userId: number;

  /** The e-mail of their Slack account; null: their DefectDojo e-mail. */
  @Column("varchar", { name: "slack_email", length: EMAIL_MAX_LENGTH, nullable: true })
  slackEmail: string | null;

  /** Where personal e-mails go; null: their DefectDojo e-mail. */
  @Column("varchar", { name: "email", length: EMAIL_MAX_LENGTH, nullable: true })
  email: string | null;

  /** Encrypted with the secret box: the whole Workflows URL is a credential (its `sig` parameter). */
  @Column("text", { name: "msteams_url_encrypted", nullable: true })
  msteamsUrlEncrypted: string | null;

  /** Only findings this severe or worse reach the user (events that list no findings are not filtered). */
  @Column("varchar", { name: "min_severity", length: 10, nullable: true })
  minSeverity: Severity | null;

  /** 0: each notification at once; otherwise gathered into one digest per window. */
  @Column("integer", { name: "digest_window_seconds", default: 0 })
  digestWindowSeconds: number;

  /** "HH:MM" in `timeZone`; personal messages in between are held and sent as one digest at the end. */
  @Column("varchar", { name: "quiet_hours_start", length: 5, nullable: true })
  quietHoursStart: string | null;

  @Column("varchar", { name: "quiet_hours_end", length: 5, nullable: true })
  quietHoursEnd: string | null;

  /** IANA time zone of the quiet hours, e.g. Europe/Berlin; null: UTC. */
  @Column("varchar", { name: "time_zone", length: 64, nullable: true })
  timeZone: string | null;

  @Column("bigint", { name: "updated_at", transformer: epochMs })
  updatedAt: number;
}
