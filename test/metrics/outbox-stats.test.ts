import { Channel } from "../../src/vocabulary/channel";
import { storeEvent } from "../../src/delivery/outbox";
import { textEvent } from "../../src/events/dojo-event";
import { NotificationEvent } from "../../src/events/notification-event";
import { outboxStats } from "../../src/metrics/outbox-stats";
import { Database } from "../../src/storage/database";
import { DeliveryEntity, DeliveryStatus } from "../../src/storage/entities/delivery.entity";
import { FanoutStatus } from "../../src/storage/entities/event.entity";
import { BOTH_DATABASES } from "../support/postgres";

for (const database of BOTH_DATABASES) {
  database.describe(`outboxStats on ${database.name}`, () => {
    let opened: { db: Database; close(): Promise<void> };
    beforeEach(async () => {
      opened = await database.open();
    });
    afterEach(() => opened.close());

    const store = (key: string, receivedAt: number, targets: number) =>
      storeEvent(
        opened.db,
        {
          event: textEvent({ name: "ping", setting: NotificationEvent.OTHER, title: key }),
          source: "webhook",
          idempotencyKeys: [key],
          receivedAt,
          fanout: FanoutStatus.NONE,
        },
        async () => Array.from({ length: targets }, (_, i) => ({ channel: Channel.MAIL, target: `t${i}`, recipientUserId: null })),
      );

    it("counts PENDING and RETRYING rows and finds the oldest, as numbers", async () => {
      expect(await outboxStats(opened.db)).toEqual({ depth: 0, oldestCreatedAt: null });

      // Beyond 32 bits, as real epoch milliseconds are.
      await store("a", 1_764_000_000_000, 2);
      await store("b", 1_764_000_005_000, 2);
      const rows = await opened.db.manager.find(DeliveryEntity, { order: { id: "ASC" } });
      await opened.db.manager.update(DeliveryEntity, { id: rows[0].id }, { status: DeliveryStatus.SENT });
      await opened.db.manager.update(DeliveryEntity, { id: rows[1].id }, { status: DeliveryStatus.RETRYING });
      await opened.db.manager.update(DeliveryEntity, { id: rows[2].id }, { status: DeliveryStatus.FAILED });

      const stats = await outboxStats(opened.db);
      expect(stats).toEqual({ depth: 2, oldestCreatedAt: 1_764_000_000_000 });
      expect(typeof stats.depth).toBe("number");
      expect(typeof stats.oldestCreatedAt).toBe("number");
    });
  });
}
