import { IsNull } from "typeorm";
import { Logger } from "../logging/logger";
import { Metrics } from "../metrics/metrics";
import { Database } from "../storage/database";
import { WebhookOutageEntity } from "../storage/entities/webhook-outage.entity";
import { Leadership } from "../storage/leader-lease";
import { DojoApiError, DojoClient } from "./dojo-client";
import { skippedWindowMessage } from "./webhook-outages";
import {
  dojoWebhookEndpointRow,
  INACTIVE_STATUSES,
  listWebhookEndpoints,
  WebhookStatusMonitor,
  WebhookStatusReading,
} from "./webhook-endpoint";

/** How often the bridge looks at its endpoint in DefectDojo (DOJO_WEBHOOK_CHECK_MS). */
export const WEBHOOK_CHECK_MS = 10_000;
/** At most one heal this often, across replicas: a bridge DefectDojo keeps refusing is not re-created in a loop. */
export const HEAL_MIN_INTERVAL_MS = 60_000;
/** What a re-created endpoint is called until the dead one is gone (`name` is unique in DefectDojo). */
const REPLACING = / \(replaces (\d+)\)$/;
const replacementName = (name: string, deadId: number) => `${name.slice(0, 70)} (replaces ${deadId})`;
/** The note DefectDojo's UI writes when a person deactivates an endpoint (dojo/notifications/ui/views.py): their choice, not an error. */
export const DEACTIVATED_BY_A_PERSON = "Deactivate from UI";

export interface WebhookWatch {
  /** Checks now and then every `checkMs`. */
  start(): void;
  /** One check: records a window DefectDojo skipped, heals an inactive_permanent endpoint. Never rejects. */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

export interface WebhookWatchOptions {
  db: Database;
  client: DojoClient;
  monitor: WebhookStatusMonitor;
  logger: Logger;
  metrics?: Metrics;
  /** Re-create an inactive_permanent endpoint (DOJO_WEBHOOK_SELF_HEAL, on by default). */
  selfHeal: boolean;
  headerName: string;
  headerValue: string;
  /** With replicas: only the lease holder records windows and heals. Absent: this process always does. */
  leadership?: Leadership;
  checkMs?: number;
  /** After DefectDojo sends again: a poll now fills the gap sooner than the next scheduled one. */
  onRecovered?: () => void;
  now?: () => number;
}

/**
 * Watches the bridge's webhook endpoint in DefectDojo, whose sender turns it off by itself
 * (dojo/notifications/helper.py, send_webhooks_notification): records each window in which DefectDojo
 * skipped it (from its `first_error` to its recovery), and re-creates an `inactive_permanent` one,
 * which only a person could otherwise revive (`status` is not editable through the API; a new
 * endpoint starts `active`). `inactive_tmp` revives itself in DefectDojo and is only recorded.
 */
export function createWebhookWatch(options: WebhookWatchOptions): WebhookWatch {
  const { db, client, logger } = options;
  const now = options.now ?? Date.now;
  const checkMs = options.checkMs ?? WEBHOOK_CHECK_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  let lastHealAttempt = -Infinity;
  let warned: string | null = null;

  function warnOnce(reading: WebhookStatusReading, message: string): void {
    if (warned === `${reading.endpointId}:${message}`) return;
    warned = `${reading.endpointId}:${message}`;
    logger.warn({ endpointId: reading.endpointId }, message);
  }

  async function check(): Promise<void> {
    if (stopped || (options.leadership && !options.leadership.isLeader())) return;
    let reading: WebhookStatusReading | null;
    try {
      reading = await options.monitor.refresh();
    } catch (error) {
      logger.debug({ err: error instanceof Error ? error.message : String(error) }, "could not read the webhook endpoint");
      return;
    }
    if (reading === null) return;
    if (INACTIVE_STATUSES.includes(reading.status)) {
      // A person's "deactivate" in DefectDojo's UI clears the errors: the window starts when we saw it.
      const from = reading.firstErrorAt ?? reading.lastErrorAt ?? now();
      await openOutage(from, reading);
      if (reading.status === "inactive_permanent" && options.selfHeal) {
        if (reading.note === DEACTIVATED_BY_A_PERSON) warnOnce(reading, "a person deactivated the bridge's webhook in DefectDojo: not re-created");
        else await heal(reading);
      }
    } else {
      await closeOutages(reading);
      if (options.selfHeal) await finishInterruptedHeal(reading);
    }
  }

  async function openOutage(from: number, reading: WebhookStatusReading): Promise<void> {
    await db.write(async (manager) => {
      const row = await manager.findOneBy(WebhookOutageEntity, { startedAt: from });
      if (!row) {
        await manager.insert(WebhookOutageEntity, {
          startedAt: from,
          endedAt: null,
          endpointId: reading.endpointId,
          lastErrorAt: reading.lastErrorAt,
          healed: false,
        });
      } else if (row.endedAt !== null && (reading.lastErrorAt ?? 0) > (row.lastErrorAt ?? 0)) {
        // Off again within the same run of errors (DefectDojo keeps first_error while active_tmp).
        await manager.update(WebhookOutageEntity, { startedAt: from }, { endedAt: null, lastErrorAt: reading.lastErrorAt, healed: false });
      }
    });
  }

  /** Ends the open windows (DefectDojo sends again), and records one that began and ended between two checks. */
  async function closeOutages(reading: WebhookStatusReading, healed = false): Promise<void> {
    const at = now();
    const ended = await db.write(async (manager) => {
      const closed: WebhookOutageEntity[] = [];
      for (const row of await manager.findBy(WebhookOutageEntity, { endedAt: IsNull() })) {
        await manager.update(WebhookOutageEntity, { startedAt: row.startedAt }, { endedAt: at, healed });
        closed.push({ ...row, endedAt: at });
      }
      const first = reading.firstErrorAt;
      if (first !== null && !healed) {
        const row = await manager.findOneBy(WebhookOutageEntity, { startedAt: first });
        if (!row) {
          const unseen = { startedAt: first, endedAt: at, endpointId: reading.endpointId, lastErrorAt: reading.lastErrorAt, healed: false };
          await manager.insert(WebhookOutageEntity, unseen);
          closed.push(unseen);
        } else if ((reading.lastErrorAt ?? 0) > (row.lastErrorAt ?? 0)) {
          await manager.update(WebhookOutageEntity, { startedAt: first }, { endedAt: at, lastErrorAt: reading.lastErrorAt });
          if (row.endedAt !== null) closed.push({ ...row, endedAt: at });
        }
      }
      return closed;
    });
    for (const row of ended) {
      logger.warn({ from: new Date(row.startedAt).toISOString(), to: new Date(at).toISOString(), healed }, skippedWindowMessage(row.startedAt, at));
    }
    if (ended.length > 0) options.onRecovered?.();
  }

  /**
   * Re-creates the endpoint in an order that never leaves DefectDojo without one for the bridge and
   * never collides on its unique `name`: the new one under a temporary name, then the dead one
   * deleted, then the new one renamed. An interrupted heal is finished by the next check.
   */
  async function heal(reading: WebhookStatusReading): Promise<void> {
    if (now() - lastHealAttempt < HEAL_MIN_INTERVAL_MS) return;
    const lastHealed = await db.manager.findOne(WebhookOutageEntity, { where: { healed: true }, order: { endedAt: "DESC" } });
    if (lastHealed?.endedAt && now() - lastHealed.endedAt < HEAL_MIN_INTERVAL_MS) return;
    lastHealAttempt = now();
    try {
      const endpoints = await listWebhookEndpoints(client);
      const dead = endpoints.find((endpoint) => endpoint.id === reading.endpointId);
      if (!dead || dead.status !== "inactive_permanent") return;
      const temporary = replacementName(dead.name, dead.id);
      const fields = { url: dead.url, header_name: options.headerName, header_value: options.headerValue };
      const leftover = endpoints.find((endpoint) => endpoint.name === temporary && endpoint.owner == null);
      const replacement = leftover
        ? await client.patch(`notification_webhooks/${leftover.id}/`, fields, dojoWebhookEndpointRow)
        : await client.post("notification_webhooks/", { name: temporary, owner: null, ...fields }, dojoWebhookEndpointRow);
      await deleteEndpoint(dead.id);
      await client.patch(`notification_webhooks/${replacement.id}/`, { name: dead.name }, dojoWebhookEndpointRow);
      options.metrics?.webhookHealed();
      logger.warn(
        { deadEndpointId: dead.id, endpointId: replacement.id, firstError: reading.firstErrorAt && new Date(reading.firstErrorAt).toISOString() },
        "DefectDojo had turned the bridge's webhook off for good (inactive_permanent): re-created it, active again",
      );
      await closeOutages({ ...reading, endpointId: replacement.id, status: replacement.status }, true);
      await options.monitor.refresh().catch(() => undefined);
    } catch (error) {
      const message = error instanceof DojoApiError ? error.message : String(error);
      logger.error({ err: message }, "could not re-create the bridge's webhook endpoint in DefectDojo; trying again in a minute");
    }
  }

  async function deleteEndpoint(id: number): Promise<void> {
    try {
      if (!client.delete) throw new Error("this DefectDojo client cannot delete");
      await client.delete(`notification_webhooks/${id}/`);
    } catch (error) {
      // Already gone (a retried delete, or a person): what the heal wanted.
      if (!(error instanceof DojoApiError && error.kind === "not_found")) throw error;
    }
  }

  /** A replacement left under its temporary name (the bridge stopped mid-heal) gets the dead one's name once that is gone. */
  async function finishInterruptedHeal(reading: WebhookStatusReading): Promise<void> {
    const match = REPLACING.exec(reading.name);
    if (!match) return;
    try {
      const endpoints = await listWebhookEndpoints(client);
      const name = reading.name.slice(0, match.index);
      const dead = endpoints.find((endpoint) => endpoint.id === Number(match[1]));
      if (dead && dead.status === "inactive_permanent" && dead.url === reading.url) await deleteEndpoint(dead.id);
      else if (dead) return;
      if (endpoints.some((endpoint) => endpoint.name === name && endpoint.id !== dead?.id)) return;
      await client.patch(`notification_webhooks/${reading.endpointId}/`, { name }, dojoWebhookEndpointRow);
      await options.monitor.refresh().catch(() => undefined);
    } catch (error) {
      logger.warn({ err: error instanceof DojoApiError ? error.message : String(error) }, "could not finish re-creating the webhook endpoint");
    }
  }

  const checkNow = (): Promise<void> => {
    running ??= check()
      .catch((error) => logger.error({ err: error instanceof Error ? error.message : String(error) }, "webhook check failed"))
      .finally(() => {
        running = null;
      });
    return running;
  };

  return {
    start() {
      if (options.leadership) options.leadership.start(() => void checkNow());
      else void checkNow();
      timer = setInterval(() => void checkNow(), checkMs);
      timer.unref();
    },
    checkNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await options.leadership?.stop();
    },
  };
}
