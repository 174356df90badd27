import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import { epochMs } from "../columns";

/** Why an authenticated webhook request was kept aside instead of becoming an event. */
export enum KeptAsideReason {
  TOO_LARGE = "TOO_LARGE",
  UNSUPPORTED_CONTENT_TYPE = "UNSUPPORTED_CONTENT_TYPE",
  MISSING_EVENT_HEADER = "MISSING_EVENT_HEADER",
  MALFORMED_EVENT_HEADER = "MALFORMED_EVENT_HEADER",
  INVALID_JSON = "INVALID_JSON",
  NOT_AN_OBJECT = "NOT_AN_OBJECT",
  INVALID_PAYLOAD = "INVALID_PAYLOAD",
  NAMES_NOTHING = "NAMES_NOTHING",
}

export interface StoredHeader {
  name: string;
  value: string;
}

/**
 * An authenticated webhook request the bridge could not use: answered 2xx (DefectDojo disables an
 * endpoint for good on a 4xx), kept for a superuser to look at, never sent anywhere. Every text
 * field is bounded where the row is built (src/ingest/keep-aside.ts); the secret header's value is
 * never stored.
 */
@Entity("kept_aside_request")
export class KeptAsideRequestEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column("bigint", { name: "received_at", transformer: epochMs })
  receivedAt: number;

  @Column("varchar", { length: 40 })
  reason: KeptAsideReason;

  /** The reason in words, e.g. which field had the wrong type. */
  @Column("text")
  detail: string;

  /** `X-DefectDojo-Event` as sent (repeats joined by ", "), or null when absent. */
  @Column("varchar", { name: "event_name", length: 200, nullable: true })
  eventName: string | null;

  @Column("varchar", { name: "content_type", length: 200, nullable: true })
  contentType: string | null;

  /** Bytes received, whether or not any of them were kept. */
  @Column("bigint", { name: "size_bytes", transformer: epochMs })
  sizeBytes: number;

  /** In the order received, as sent; the secret header's value redacted. */
  @Column("simple-json")
  headers: StoredHeader[];

  /** The body's first bytes as UTF-8 text; null when none of it was kept (over WEBHOOK_MAX_BYTES, or empty). */
  @Column("text", { nullable: true })
  body: string | null;

  /** True when `body` holds less than `sizeBytes` (cut at the bound, or not kept at all). */
  @Column("boolean", { name: "body_truncated", default: false })
  bodyTruncated: boolean;
}
