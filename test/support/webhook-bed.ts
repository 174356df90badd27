import { Server } from "node:http";
import { AddressInfo } from "node:net";
import { Channel } from "../../src/vocabulary/channel";
import { createHealthHandler } from "../../src/http/health";
import { createHttpServer } from "../../src/http/http-server";
import { createEventIntake } from "../../src/ingest/accept-event";
import { createKeepAside } from "../../src/ingest/keep-aside";
import { createWebhookReceiver } from "../../src/ingest/webhook/webhook-receiver";
import { Database } from "../../src/storage/database";
import { RoutingRuleStore } from "../../src/storage/routing-rule-store";
import { SecretBox } from "../../src/storage/secret-box";
import { SettingsStore } from "../../src/storage/settings-store";
import { migratedDatabase } from "./database";
import { quietLogger } from "./quiet-logger";

export const WEBHOOK_PATH = "/webhooks/defectdojo";

/**
 * Events no system setting routes anywhere: `ping`, `scan_added_empty` (off by default), and the two
 * DefectDojo sends only to the users it names (dojo/notifications/helper.py, `_process_recipients`,
 * HEAD and 2.58.2-changelog), which no system channel may be set for.
 */
export const ROUTED_NOWHERE = new Set(["ping", "scan_added_empty", "user_mentioned", "review_requested"]);

/** The outbox rows the bed's settings give an event: all three channels, except for events routed nowhere by default. */
export function expectedChannels(eventName: string): Channel[] {
  return ROUTED_NOWHERE.has(eventName) ? [] : [Channel.MAIL, Channel.MSTEAMS, Channel.SLACK];
}

export interface WebhookBed {
  port: number;
  url: string;
  db: Database;
  /** Every stored event with the channels of its outbox rows (sorted), oldest first. */
  events(): Promise<Array<{ id: number; name: string; channels: string[] }>>;
  /** Outbox rows whose event does not exist. */
  orphanRows(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The webhook receiver and /healthz on a real HTTP server, storing through the real intake into a
 * fresh SQLite file, with Slack, Teams and mail switched on. No workers run, so every outbox row
 * stays as it was committed with its event.
 */
export async function startWebhookBed(options: { secret: string; maxBodyBytes: number }): Promise<WebhookBed> {
  const database = await migratedDatabase();
  const settings = new SettingsStore(database.db, new SecretBox("k, thirty-two characters or more"));
  await settings.updateSystemSettings({
    enableSlackNotifications: true,
    slackChannel: "#sec",
    enableMsteamsNotifications: true,
    msteamsUrl: "https://prod-00.westeurope.logic.azure.com/workflows/x?sig=y",
    enableMailNotifications: true,
    mailNotificationsTo: ["a@example.com"],
  });
  const intake = createEventIntake({ db: database.db, settings, rules: new RoutingRuleStore(database.db, new SecretBox("k, thirty-two characters or more")), personalSubscriptions: null, onStored: () => undefined });
  const server: Server = createHttpServer(
    {
      [WEBHOOK_PATH]: {
        POST: createWebhookReceiver({
          headerName: "Authorization",
          headerValue: options.secret,
          maxBodyBytes: options.maxBodyBytes,
          logger: quietLogger(),
          accept: (event, body) => intake.accept(event, body),
          keepAside: createKeepAside({ db: database.db }),
        }),
      },
      "/healthz": { GET: createHealthHandler(database.db) },
    },
    quietLogger(),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    db: database.db,
    events: async () => {
      const rows: Array<{ id: number; name: string; channels: string | null }> = await database.db.manager.query(
        `SELECT e.id, e.name, (SELECT group_concat(channel, ',') FROM (SELECT channel FROM delivery d WHERE d.event_id = e.id ORDER BY channel)) AS channels
           FROM event e ORDER BY e.id`,
      );
      return rows.map((row) => ({ id: row.id, name: row.name, channels: row.channels ? row.channels.split(",") : [] }));
    },
    orphanRows: async () => {
      const [row] = await database.db.manager.query(
        "SELECT count(*) AS n FROM delivery d WHERE NOT EXISTS (SELECT 1 FROM event e WHERE e.id = d.event_id)",
      );
      return Number(row.n);
    },
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await database.close();
    },
  };
}
