import { Column, Entity, PrimaryColumn } from "typeorm";
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

  @Column("bigint", { name: "updated_at", transformer: epochMs })
  updatedAt: number;
}
