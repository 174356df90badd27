import { createSharedAnswers } from "../cache/shared-answers";
import { INACTIVE_STATUSES } from "../defectdojo/webhook-endpoint";
import { Database } from "../storage/database";
import { Handler } from "./http-server";
import { sendJson } from "./respond";

/** How long the migration and DefectDojo checks are reused: a readiness probe every second stays cheap. */
export const READINESS_CACHE_MS = 10_000;
/** DefectDojo must answer within this; a probe's own timeout is usually a few seconds. */
export const DOJO_READINESS_TIMEOUT_MS = 3_000;

/** "ok", or why the check fails (short, no URL or secret: /readyz is unauthenticated). */
type CheckResult = string;

export interface ReadinessOptions {
  db: Database;
  /** DOJO_URL; null: DefectDojo is not checked. */
  dojoUrl: string | null;
  /**
   * DefectDojo's status of the bridge's webhook endpoint (null: none registered), cached by the
   * caller; absent without DOJO_API_KEY. An inactive status is reported as the warning
   * `defectdojo_webhook`.
   */
  webhookStatus?: () => Promise<string | null>;
  /** True once the bridge is shutting down: it still takes webhooks for a while, but asks for no new traffic. */
  draining?: () => boolean;
  cacheMs?: number;
  dojoTimeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * `GET /readyz`: may this bridge be sent traffic? 200 when the database answers (`SELECT 1`, every
 * time) and no migration is pending (cached for `cacheMs`); 503 naming the failing checks, and 503
 * `draining` once SIGTERM came (so a load balancer stops sending before the bridge stops).
 * `/healthz` stays the liveness check.
 *
 * DefectDojo not answering, and DefectDojo having stopped sending its webhooks to the bridge (its
 * endpoint inactive_tmp or inactive_permanent), are reported loudly, as `warnings`, but never fail
 * the probe: a replica out of its Service refuses DefectDojo's connections, and DefectDojo's sender
 * turns its webhook off for good on a refused connection (dojo/notifications/helper.py).
 */
export function createReadinessHandler(options: ReadinessOptions): Handler {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? READINESS_CACHE_MS;
  const checks: Record<string, () => Promise<CheckResult>> = {
    database: () => settled(options.db.manager.query("SELECT 1").then(() => "ok"), "unreachable"),
    migrations: cached(cacheMs, now, () =>
      settled(options.db.dataSource.showMigrations().then((pending) => (pending ? "pending" : "ok")), "could not be checked"),
    ),
  };
  const advisories: Record<string, () => Promise<CheckResult>> = {};
  if (options.dojoUrl !== null) {
    advisories.defectdojo = cached(cacheMs, now, () =>
      dojoReachable(options.dojoUrl!, options.dojoTimeoutMs ?? DOJO_READINESS_TIMEOUT_MS, options.fetch ?? fetch),
    );
  }
  if (options.webhookStatus) {
    const status = options.webhookStatus;
    advisories.defectdojo_webhook = () =>
      settled(
        status().then((current) => (current !== null && INACTIVE_STATUSES.includes(current) ? current : "ok")),
        "ok",
      );
  }

  return async (_req, res) => {
    if (options.draining?.()) {
      res.setHeader("Cache-Control", "no-store");
      return sendJson(res, 503, { status: "draining", failing: ["shutdown"] });
    }
    const all = { ...checks, ...advisories };
    const names = Object.keys(all);
    const results = await Promise.all(names.map((name) => all[name]()));
    const report = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const failing = names.filter((name) => name in checks && report[name] !== "ok");
    const warnings = names.filter((name) => name in advisories && report[name] !== "ok");
    const loud = warnings.length > 0 ? { warnings } : {};
    res.setHeader("Cache-Control", "no-store");
    if (failing.length === 0) sendJson(res, 200, { status: "ready", ...loud, checks: report });
    else sendJson(res, 503, { status: "not ready", failing, ...loud, checks: report });
  };
}

/**
 * Any HTTP answer below 500 from `${DOJO_URL}/api/v2/` (its API root, 401 without a key) means
 * DefectDojo is up; a 5xx (a proxy in front of a stopped DefectDojo), no answer or a refused
 * connection mean it is not. No key is sent.
 */
async function dojoReachable(dojoUrl: string, timeoutMs: number, fetchFn: typeof fetch): Promise<CheckResult> {
  try {
    const response = await fetchFn(`${dojoUrl.replace(/\/+$/, "")}/api/v2/`, {
      headers: { Accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return response.status < 500 ? "ok" : `HTTP ${response.status}`;
  } catch (error) {
    return (error as { name?: string } | null)?.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : "unreachable";
  }
}

function settled(check: Promise<CheckResult>, failure: CheckResult): Promise<CheckResult> {
  return check.catch(() => failure);
}

/** The check's last result while younger than `ttlMs` (a check in progress is joined, not repeated). */
function cached(ttlMs: number, now: () => number, check: () => Promise<CheckResult>): () => Promise<CheckResult> {
  // `check` is settled: a failed check is a result ("unreachable"), reused like any other.
  const last = createSharedAnswers<CheckResult>({ max: 1, ttlMs, now });
  return () => last.get("result", check);
}
