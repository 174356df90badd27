import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Logger } from "../logging/logger";
import { Database } from "./database";
import { LeaderLeaseEntity } from "./entities/leader-lease.entity";

/** A lease outlives its holder by at most this long: the others take over within TTL + RENEW. */
export const LEADER_LEASE_TTL_MS = 10_000;
export const LEADER_LEASE_RENEW_MS = 3_000;

export interface Leadership {
  isLeader(): boolean;
  /** Tries now and then every renew interval; `onAcquired` runs each time this replica becomes leader. */
  start(onAcquired: () => void): void;
  /** Stops renewing and hands the lease back, so another replica takes over at its next try. */
  stop(): Promise<void>;
}

export interface LeaderLeaseOptions {
  name: string;
  logger: Logger;
  ttlMs?: number;
  renewMs?: number;
  holder?: string;
  now?: () => number;
}

/** The replica that runs a one-at-a-time job, elected through a row in `leader_lease`. */
export function leaderLease(db: Database, options: LeaderLeaseOptions): Leadership {
  const { name, logger } = options;
  const ttlMs = options.ttlMs ?? LEADER_LEASE_TTL_MS;
  const renewMs = options.renewMs ?? LEADER_LEASE_RENEW_MS;
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const now = options.now ?? Date.now;
  /** Until when this replica may act as leader: measured from before its last successful write. */
  let leaderUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> = Promise.resolve();

  async function tryAcquire(): Promise<boolean> {
    const startedAt = now();
    const held = await db.write(async (manager) => {
      const renewed = await manager
        .createQueryBuilder()
        .update(LeaderLeaseEntity)
        .set({ holder, expiresAt: startedAt + ttlMs })
        .where("name = :name AND (holder = :holder OR expires_at < :now)", { name, holder, now: startedAt })
        .execute();
      if (renewed.affected === 1) return true;
      await manager
        .createQueryBuilder()
        .insert()
        .into(LeaderLeaseEntity)
        .values({ name, holder, expiresAt: startedAt + ttlMs })
        .orIgnore()
        .execute();
      const row = await manager.findOneBy(LeaderLeaseEntity, { name });
      return row?.holder === holder;
    });
    if (held) leaderUntil = startedAt + ttlMs;
    return held;
  }

  function beat(onAcquired: () => void): void {
    attempt = attempt.then(async () => {
      const wasLeader = now() < leaderUntil;
      try {
        const held = await tryAcquire();
        if (held && !wasLeader) {
          logger.info({ lease: name, holder }, "this replica took the lease");
          onAcquired();
        } else if (!held && wasLeader) {
          logger.warn({ lease: name, holder }, "this replica lost the lease");
          leaderUntil = 0;
        }
      } catch (error) {
        // Leadership then runs out at `leaderUntil` by itself: no one else can hold it before.
        logger.warn({ lease: name, err: error }, "could not renew the lease");
      }
    });
  }

  return {
    isLeader: () => now() < leaderUntil,
    start(onAcquired) {
      beat(onAcquired);
      timer = setInterval(() => beat(onAcquired), renewMs);
    },
    async stop() {
      clearInterval(timer);
      await attempt;
      if (leaderUntil === 0) return;
      leaderUntil = 0;
      await db
        .write((manager) =>
          manager
            .createQueryBuilder()
            .update(LeaderLeaseEntity)
            .set({ expiresAt: 0 })
            .where("name = :name AND holder = :holder", { name, holder })
            .execute(),
        )
        .catch((error) => logger.warn({ lease: name, err: error }, "could not hand the lease back; it expires by itself"));
    },
  };
}
