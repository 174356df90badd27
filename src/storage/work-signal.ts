import { Client } from "pg";
import { Logger } from "../logging/logger";
import { Database } from "./database";

/**
 * Tells other processes on the same PostgreSQL database that work was stored (events to fan out,
 * rows to send), with LISTEN/NOTIFY: with RELAY_ROLE=web, the process that stored them sends
 * nothing. A signal lost (a listener reconnecting) costs only latency: workers also look every
 * DELIVERY poll interval.
 */
export const WORK_CHANNEL = "dojo_relay_work";

/** How long a listener waits before connecting again after losing its connection. */
const RECONNECT_MS = 1000;

/**
 * Sends the signal, at most one NOTIFY at a time: a burst of stored events costs one statement per
 * round trip, not one each (the listener reads the whole outbox either way).
 */
export function workNotifier(db: Database, logger: Logger): () => void {
  let sending = false;
  let again = false;
  const send = (): void => {
    sending = true;
    db.dataSource
      .query(`NOTIFY ${WORK_CHANNEL}`)
      .catch((error) => logger.warn({ err: error }, "could not signal stored work to the workers; they find it on their next poll"))
      .finally(() => {
        sending = false;
        if (again) {
          again = false;
          send();
        }
      });
  };
  return () => {
    if (sending) again = true;
    else send();
  };
}

export interface WorkListener {
  close(): Promise<void>;
}

/** Calls `onWork` for every signal, on a connection of its own, connecting again whenever it is lost. */
export function listenForWork(url: string, onWork: () => void, logger: Logger): WorkListener {
  let client: Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const connection = new Client({ connectionString: url });
    client = connection;
    const lost = (error?: Error) => {
      if (closed || client !== connection) return;
      client = undefined;
      logger.warn({ err: error }, "lost the connection that hears of stored work; connecting again (workers poll meanwhile)");
      void connection.end().catch(() => undefined);
      retry = setTimeout(() => void connect(), RECONNECT_MS);
    };
    connection.on("error", lost);
    connection.on("end", () => lost());
    connection.on("notification", () => onWork());
    try {
      await connection.connect();
      await connection.query(`LISTEN ${WORK_CHANNEL}`);
      // What was stored while no one listened is found now, not at the next poll.
      if (!closed) onWork();
    } catch (error) {
      lost(error as Error);
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
