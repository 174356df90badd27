import { Column, Entity, PrimaryColumn } from "typeorm";
import { epochMs } from "../columns";

/**
 * Where polling one DefectDojo resource stands. `state` is the resource's own cursor (highest id,
 * last timestamp, findings awaiting their import…); it is written in the same transaction as the
 * events it led to, so a crash either keeps both or neither.
 */
@Entity("poll_cursor")
export class PollCursorEntity {
  /** e.g. `findings`, `test_imports`. */
  @PrimaryColumn("varchar", { length: 50 })
  resource: string;

  @Column("simple-json")
  state: unknown;

  /** The state summed up for people (`id 1234`, `2026-11-28`). */
  @Column("varchar", { length: 200 })
  cursor: string;

  @Column("bigint", { name: "last_run_at", nullable: true, transformer: epochMs })
  lastRunAt: number | null;

  /** Why the last run failed; null after a run that succeeded. */
  @Column("text", { name: "last_error", nullable: true })
  lastError: string | null;

  /** Events this resource has found since its cursor was created (duplicates of webhooks included). */
  @Column("integer", { name: "events_found", default: 0 })
  eventsFound: number;
}
