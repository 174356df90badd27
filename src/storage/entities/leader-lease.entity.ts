import { Column, Entity, PrimaryColumn } from "typeorm";
import { epochMs } from "../columns";

/** Who does a one-replica-at-a-time job (`name`, e.g. `poller`), and until when. */
@Entity("leader_lease")
export class LeaderLeaseEntity {
  @PrimaryColumn("varchar", { length: 50 })
  name: string;

  /** The holding replica's id (host, pid and a random part). */
  @Column("varchar", { length: 100 })
  holder: string;

  @Column("bigint", { name: "expires_at", transformer: epochMs })
  expiresAt: number;
}
