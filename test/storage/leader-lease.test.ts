import { createDataSource } from "../../src/storage/data-source";
import { Database } from "../../src/storage/database";
import { leaderLease, Leadership } from "../../src/storage/leader-lease";
import { eventually } from "../support/relay-harness";
import { quietLogger } from "../support/quiet-logger";
import { describePostgres, migratedPostgres } from "../support/postgres";

const TTL_MS = 600;
const RENEW_MS = 100;

// Replicas exist only on PostgreSQL: one SQLite file belongs to one process, which needs no election.
describePostgres("leader lease on PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof migratedPostgres>>;
  let replicas: Array<{ db: Database; close(): Promise<void> }>;
  const leases: Leadership[] = [];

  beforeEach(async () => {
    database = await migratedPostgres();
    // Three replicas, each with its own connection to the same database.
    replicas = [];
    for (let i = 0; i < 3; i += 1) {
      const dataSource = createDataSource({ type: "postgres", url: database.url });
      await dataSource.initialize();
      replicas.push({ db: new Database(dataSource), close: () => dataSource.destroy() });
    }
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((lease) => lease.stop()));
    await Promise.all(replicas.map((replica) => replica.close()));
    await database.close();
  });

  const start = (index: number, acquired: string[]) => {
    const lease = leaderLease(replicas[index].db, { name: "poller", logger: quietLogger(), ttlMs: TTL_MS, renewMs: RENEW_MS, holder: `r${index}` });
    lease.start(() => acquired.push(`r${index}`));
    leases.push(lease);
    return lease;
  };

  it("elects exactly one holder, keeps it while it renews, and hands over on a clean stop", async () => {
    const acquired: string[] = [];
    const [a, b, c] = [start(0, acquired), start(1, acquired), start(2, acquired)];
    await eventually(() => (acquired.length === 1 ? true : undefined), 5000);
    // Several renewals later (the lease row's expiry moved on by two TTLs) still the same single holder.
    const expiry = async () => Number((await database.db.manager.query("SELECT expires_at FROM leader_lease WHERE name = 'poller'"))[0].expires_at);
    const firstExpiry = await expiry();
    await eventually(async () => ((await expiry()) >= firstExpiry + TTL_MS * 2 ? true : undefined), 5000);
    expect(acquired).toHaveLength(1);
    const holders = [a, b, c].filter((lease) => lease.isLeader());
    expect(holders).toHaveLength(1);

    const stoppedAt = Date.now();
    await holders[0].stop();
    await eventually(() => (acquired.length === 2 ? true : undefined), 5000);
    // Handed back: the next one takes it at its next try, without waiting for the TTL.
    expect(Date.now() - stoppedAt).toBeLessThan(TTL_MS);
    expect([a, b, c].filter((lease) => lease.isLeader())).toHaveLength(1);
  });

  it("lets another replica take over once a dead holder's lease has run out", async () => {
    const acquired: string[] = [];
    start(0, acquired);
    await eventually(() => (acquired.length === 1 ? true : undefined), 5000);
    // The holder dies: its connection closes without handing anything back.
    await replicas[0].close();
    replicas[0] = { db: replicas[0].db, close: async () => undefined };
    const diedAt = Date.now();
    start(1, acquired);
    await eventually(() => (acquired.length === 2 ? true : undefined), 5000);
    const tookOverAfter = Date.now() - diedAt;
    expect(acquired).toEqual(["r0", "r1"]);
    expect(tookOverAfter).toBeGreaterThanOrEqual(TTL_MS - RENEW_MS * 2);
    expect(tookOverAfter).toBeLessThan(TTL_MS + RENEW_MS * 5);
    // The dead one's own view runs out by itself: it never believes it leads past its lease.
    expect(leases[0].isLeader()).toBe(false);
  });
});
