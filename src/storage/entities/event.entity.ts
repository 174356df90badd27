import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { DojoEvent } from "../../events/dojo-event";
import { epochMs } from "../columns";

export type EventSource = "webhook" | "test";

/** An accepted DefectDojo event, normalised. Its outbox rows are `delivery` rows. */
@Entity("event")
export class EventEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Index({ unique: true })
  @Column("varchar", { name: "idempotency_key", length: 300 })
  idempotencyKey: string;

  /** DefectDojo's event name, e.g. `product_added`. */
  @Column("varchar", { length: 100 })
  name: string;

  /** The event's title, kept beside `data` so the delivery log can list it without loading payloads. */
  @Column("text", { default: "" })
  title: string;

  @Column("varchar", { length: 20 })
  source: EventSource;

  @Column("simple-json")
  data: DojoEvent;

  @Column("bigint", { name: "received_at", transformer: epochMs })
  receivedAt: number;
}
