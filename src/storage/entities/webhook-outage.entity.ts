import { Column, Entity, PrimaryColumn } from "typeorm";
import { epochMs } from "../columns";

/** A window in which DefectDojo skipped its webhook to the bridge: from the endpoint's first error to its recovery. */
@Entity("dojo_webhook_outage")
export class WebhookOutageEntity {
  /** DefectDojo's `first_error` of the endpoint (its clock). */
  @PrimaryColumn("bigint", { name: "started_at", transformer: epochMs })
  startedAt: number;

  /** When the bridge healed the endpoint or saw it active again (its clock); null while it is still off. */
  @Column("bigint", { name: "ended_at", nullable: true, transformer: epochMs })
  endedAt: number | null;

  @Column("integer", { name: "endpoint_id" })
  endpointId: number;

  /** DefectDojo's `last_error` as last seen: a later one means the outage went on. */
  @Column("bigint", { name: "last_error_at", nullable: true, transformer: epochMs })
  lastErrorAt: number | null;

  /** Ended by the bridge re-creating the endpoint (not by DefectDojo's own reactivation). */
  @Column("boolean", { default: false })
  healed: boolean;
}
