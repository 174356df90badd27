import { z } from "zod";
import { createSharedAnswers } from "../cache/shared-answers";
import { Logger } from "../logging/logger";
import { AuthorizationModel, DojoDirectory } from "./directory";
import { DojoApiError, DojoClient } from "./dojo-client";
import { createWebhookStatusMonitor, WebhookStatusMonitor } from "./webhook-endpoint";
import { WebhookOutageState } from "./webhook-outages";

/** What the bridge sees of DefectDojo with its service key. */
export interface DefectDojoConnection {
  /** DefectDojo answered the service key's requests. */
  reachable: boolean;
  /** DefectDojo's version (`info.version` of its OpenAPI schema); null when it could not be read. */
  version: string | null;
  authorizationModel: AuthorizationModel | null;
  /** DefectDojo's status of the bridge's webhook endpoint; null when none is registered (or unreachable). */
  webhookStatus: string | null;
  /** DefectDojo's note on the endpoint's last error (the header value masked). */
  webhookNote: string | null;
  /** Why DefectDojo is not reachable; never a secret. */
  problem: string | null;
  /** When the bridge last re-created its endpoint, and the windows in which DefectDojo skipped it. */
  lastHealedAt: Date | null;
  skippedWindow: WebhookOutageState["skippedWindow"];
  skippedWindows: WebhookOutageState["skippedWindows"];
}

/** Nothing healed, nothing skipped: where no window is recorded (or none can be read). */
export const NO_OUTAGES: WebhookOutageState = { lastHealedAt: null, skippedWindow: null, skippedWindows: [] };

/** DefectDojo's API as the first-run operations and the health reports use it; absent without DOJO_URL and DOJO_API_KEY. */
export interface DefectDojoAccess {
  /** The service key's client (reads retried, a POST made once), for the import and the registration. */
  client: DojoClient;
  /** WEBHOOK_HEADER_NAME and WEBHOOK_HEADER_VALUE (null: not set), what the registered endpoint must send. */
  webhookHeader: { name: string; value: string | null };
  /** The bridge's endpoint status in DefectDojo, cached: for /readyz, /metrics and `connection()`. */
  webhookStatus: WebhookStatusMonitor;
  /** Asks DefectDojo now (the webhook status afresh); never throws. */
  connection(): Promise<DefectDojoConnection>;
}

/** How long a DefectDojo version read is reused: DefectDojo builds its whole OpenAPI schema to answer. */
export const VERSION_TTL_MS = 10 * 60_000;

const schemaInfo = z.object({ info: z.object({ version: z.string().min(1).max(100) }) });

export function createDefectDojoAccess(options: {
  client: DojoClient;
  /** A client that fails fast (short timeout, no retries): for the status reads /readyz waits on. */
  probe: DojoClient;
  directory: DojoDirectory;
  logger: Logger;
  webhookHeaderName: string;
  webhookHeaderValue: string | null;
  /** The recorded windows DefectDojo skipped and the last heal (the bridge's database). */
  outages?: () => Promise<WebhookOutageState>;
  now?: () => number;
}): DefectDojoAccess {
  const now = options.now ?? Date.now;
  const webhookStatus = createWebhookStatusMonitor({
    client: options.probe,
    logger: options.logger,
    headerValue: options.webhookHeaderValue,
    now,
  });
  // A failed read is not kept: the next caller asks again.
  const version = createSharedAnswers<string>({ max: 1, ttlMs: VERSION_TTL_MS, now });

  async function readVersion(): Promise<string | null> {
    try {
      // `format=json`: 2.58 and 3.2 answer JSON first (DojoSpectacularAPIView), but drf-spectacular's
      // plain view, which older versions serve, answers YAML. The patient client: DefectDojo builds
      // the whole schema to answer, which takes it seconds.
      return await version.get("version", async () => (await options.client.get("oa3/schema/", { format: "json" }, schemaInfo)).info.version);
    } catch {
      return null;
    }
  }

  return {
    client: options.client,
    webhookHeader: { name: options.webhookHeaderName, value: options.webhookHeaderValue },
    webhookStatus,
    async connection() {
      const outages = (await options.outages?.().catch(() => NO_OUTAGES)) ?? NO_OUTAGES;
      let reading;
      try {
        reading = await webhookStatus.refresh();
      } catch (error) {
        // Its messages name the call and the cause, never the key; nothing more is asked of a DefectDojo that is not there.
        const problem = error instanceof DojoApiError ? error.message : "DefectDojo could not be read";
        return { reachable: false, version: null, authorizationModel: null, webhookStatus: null, webhookNote: null, problem, ...outages };
      }
      const [model, dojoVersion] = await Promise.all([options.directory.authorizationModel().catch(() => null), readVersion()]);
      return {
        reachable: true,
        version: dojoVersion,
        authorizationModel: model,
        webhookStatus: reading?.status ?? null,
        webhookNote: reading?.note ?? null,
        problem: null,
        ...outages,
      };
    },
  };
}
