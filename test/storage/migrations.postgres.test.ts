import { KeptAsideRequests1764921600000 } from "../../migrations/1764921600000-kept-aside-requests";
import { WebhookOutages1765180800000 } from "../../migrations/1765180800000-webhook-outages";
import { SecurityRoundTwo1765267200000 } from "../../migrations/1765267200000-security-round-two";
import { PrunedEventKeys1765353600000 } from "../../migrations/1765353600000-pruned-event-keys";
import { createDataSource, MIGRATIONS } from "../../src/storage/data-source";
import { describePostgres, freshPostgresDatabase } from "../support/postgres";

describePostgres("migrations on PostgreSQL", () => {
  it("go up, keep rows, come down one by one with rows in the tables, and go up again", async () => {
    const database = await freshPostgresDatabase();
    const dataSource = createDataSource({ type: "postgres", url: database.url });
    await dataSource.initialize();
    const tables = async (): Promise<string[]> =>
      (
        await dataSource.query(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY table_name",
        )
      ).map((row: { table_name: string }) => row.table_name);
    try {
      const applied = await dataSource.runMigrations();
      expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => new m().name));
      expect(await dataSource.showMigrations()).toBe(false);
      expect(await tables()).toEqual([
        "delivery",
        "digest",
        "digest_item",
        "dojo_webhook_outage",
        "event",
        "kept_aside_request",
        "leader_lease",
        "message_template",
        "poll_cursor",
        "pruned_event_key",
        "routing_rule",
        "system_notification",
        "system_settings",
        "user_contact",
        "user_notification",
      ]);

      // Rows in every table; epoch milliseconds beyond 32 bits fit the bigint columns.
      const now = 1_764_662_400_123;
      await dataSource.query(
        `INSERT INTO event (idempotency_key, name, source, data, received_at, fanout_status, fanout_next_at)
         VALUES ('k', 'product_added', 'webhook', '{}', $1, 'PENDING', $1)`,
        [now],
      );
      await dataSource.query(
        `INSERT INTO delivery (event_id, channel, target, status, attempts, next_attempt_at, created_at, updated_at)
         VALUES (1, 'SLACK', '#sec', 'PENDING', 0, $1, $1, $1)`,
        [now],
      );
      await dataSource.query("INSERT INTO user_contact (user_id, email, updated_at) VALUES (7, 'u7@example.com', $1)", [now]);
      await dataSource.query("INSERT INTO user_notification (user_id, event, channels) VALUES (7, 'SCAN_ADDED', '[\"MAIL\"]')");
      await dataSource.query("INSERT INTO poll_cursor (resource, state, cursor) VALUES ('findings', '{}', 'id 1')");
      await dataSource.query("INSERT INTO leader_lease (name, holder, expires_at) VALUES ('poller', 'a', $1)", [now]);
      await dataSource.query("INSERT INTO pruned_event_key (idempotency_key, event_id, received_at) VALUES ('finding_added|1', 9, $1)", [now]);
      const [delivery] = await dataSource.query("SELECT next_attempt_at FROM delivery");
      expect(Number(delivery.next_attempt_at)).toBe(now);
      // The same uniqueness as on SQLite.
      await expect(
        dataSource.query("INSERT INTO event (idempotency_key, name, source, data, received_at) VALUES ('k', 'x', 'webhook', '{}', 1)"),
      ).rejects.toThrow(/duplicate key/);

      // Newest first; each checked just after it came down.
      for (const migration of [...MIGRATIONS].reverse()) {
        await dataSource.undoLastMigration();
        if (migration === PrunedEventKeys1765353600000) expect(await tables()).not.toContain("pruned_event_key");
        if (migration === SecurityRoundTwo1765267200000) {
          // The event keeps its rows and loses rule_targets.
          const columns = await dataSource.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'event'");
          expect(columns.map((row: { column_name: string }) => row.column_name)).not.toContain("rule_targets");
          expect(await dataSource.query("SELECT count(*)::int AS n FROM event")).toEqual([{ n: 1 }]);
        }
        if (migration === WebhookOutages1765180800000) expect(await tables()).not.toContain("dojo_webhook_outage");
        if (migration === KeptAsideRequests1764921600000) expect(await tables()).not.toContain("kept_aside_request");
      }
      expect(await tables()).toEqual([]);

      await dataSource.runMigrations();
      expect(await dataSource.query("SELECT count(*)::int AS n FROM delivery")).toEqual([{ n: 0 }]);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
