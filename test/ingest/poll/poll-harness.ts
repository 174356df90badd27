import { createDojoClient } from "../../../src/defectdojo/dojo-client";
import { createEventIntake, EventIntake } from "../../../src/ingest/accept-event";
import { Poller } from "../../../src/ingest/poll/poller";
import { createDataSource } from "../../../src/storage/data-source";
import { Database } from "../../../src/storage/database";
import { EventEntity } from "../../../src/storage/entities/event.entity";
import { PollCursorEntity } from "../../../src/storage/entities/poll-cursor.entity";
import { RoutingRuleStore } from "../../../src/storage/routing-rule-store";
import { SecretBox } from "../../../src/storage/secret-box";
import { SettingsStore } from "../../../src/storage/settings-store";
import { DojoPeer } from "../../peers/dojo-peer";
import { quietLogger } from "../../support/quiet-logger";

export const DAY_MS = 24 * 60 * 60 * 1000;

/** A clock the test moves; it starts at the real time, as DefectDojo's dates in the peer do. */
export function testClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A poller over a real SQLite file (opened, closed and reopened like a restart) and the real intake. */
export interface PollBench {
  db: Database;
  poller: Poller;
  intake: EventIntake;
  /** Every stored event, oldest first. */
  events(): Promise<EventEntity[]>;
  cursors(): Promise<PollCursorEntity[]>;
  /** Stops this poller and closes the database, as a process exit would. */
  close(): Promise<void>;
}

export async function startPollBench(
  peer: DojoPeer,
  databasePath: string,
  options: { now?: () => number; backfillSince?: number | null; findingSeverities?: string[]; apiKey?: string } = {},
): Promise<PollBench> {
  const dataSource = createDataSource(databasePath);
  await dataSource.initialize();
  await dataSource.runMigrations();
  const db = new Database(dataSource);
  const settings = new SettingsStore(db, new SecretBox("poll test key, thirty-two characters or more"));
  const intake = createEventIntake({ db, settings, rules: new RoutingRuleStore(db, new SecretBox("poll test key, thirty-two characters or more")), personalSubscriptions: null, onStored: () => undefined });
  const client = createDojoClient({ baseUrl: peer.url, apiKey: options.apiKey ?? peer.serviceToken, retryBaseMs: 1, retries: 1 });
  const poller = new Poller({
    client,
    db,
    intake,
    logger: quietLogger(),
    dojoUrl: "http://dojo.example",
    settings: {
      cron: null,
      backfillSince: options.backfillSince ?? null,
      findingSeverities: options.findingSeverities ?? ["Critical", "High"],
    },
    relabeled: async () => peer.model === "LEGACY",
    now: options.now,
  });
  return {
    db,
    poller,
    intake,
    events: () => db.manager.find(EventEntity, { order: { id: "ASC" } }),
    cursors: () => db.manager.find(PollCursorEntity, { order: { resource: "ASC" } }),
    close: async () => {
      await poller.stop();
      await dataSource.destroy();
    },
  };
}

/** Event names and titles, the way a reader of the delivery log sees them. */
export const summary = (events: EventEntity[]) => events.map((event) => `${event.name}: ${event.title}`);
