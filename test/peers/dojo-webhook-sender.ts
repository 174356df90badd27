import { request } from "node:http";
import { DojoPeer, DojoPeerWebhookRow } from "./dojo-peer";

/**
 * DefectDojo's webhook sender, as the stand-in for DefectDojo: it posts a webhook for each object it
 * creates to every system endpoint, and keeps each endpoint's status exactly as
 * `WebhookNotificationManger.send_webhooks_notification` does (DefectDojo HEAD and 2.58.2-changelog
 * dojo/notifications/helper.py), with the reactivation task and the cleanup task of
 * dojo/notifications/tasks.py:
 * - an endpoint not `active` / `active_tmp` is skipped: the event is dropped, never re-sent;
 * - 2xx: fine, nothing changes (an `active_tmp` endpoint stays `active_tmp`);
 * - 5xx, 429 or a timeout (`webhooks_notifications_timeout`, 10 s by default): temporary. After 24 h
 *   since `first_error` it becomes `inactive_permanent`; otherwise `first_error` is set if it was
 *   `active`, the status becomes `inactive_tmp` and a reactivation is scheduled (60 s), which makes
 *   it `active_tmp` if it is still `inactive_tmp` then;
 * - any other status (every 4xx but 429) or any other exception (connection refused or reset):
 *   `inactive_permanent`, `first_error` = now;
 * - `last_error` = now on every error;
 * - the cleanup (every minute in DefectDojo): `active_tmp` with `last_error` over 24 h old becomes
 *   `active` with its errors cleared; `inactive_tmp` with `last_error` over 5 minutes old is reactivated.
 * Each delay is an option so tests take seconds. Sends are made one after another, as one Celery
 * worker would, each with a fresh connection (`requests.request` opens a new session each time).
 */
export interface DojoWebhookSenderOptions {
  /** System Settings `webhooks_notifications_timeout` (10 s in DefectDojo). */
  timeoutMs?: number;
  /** `webhook_reactivation.apply_async(countdown=60)`. */
  reactivationDelayMs?: number;
  /** Temporary errors for longer than this after `first_error` are permanent (24 h). */
  permanentAfterMs?: number;
  /** How often the cleanup task runs (every minute); null: never. */
  cleanupIntervalMs?: number | null;
  /** The cleanup's `active_tmp` age (24 h) and `inactive_tmp` age (5 minutes). */
  activeTmpResetMs?: number;
  inactiveTmpReviveMs?: number;
  /** DefectDojo's SITE_URL (`X-DefectDojo-Instance`, and the base of the links in bodies). */
  siteUrl?: string;
  now?: () => number;
}

export type SendOutcome = "sent" | "skipped" | "temporary" | "permanent";

export interface SenderLogEntry {
  event: string;
  endpointId: number;
  outcome: SendOutcome;
  /** The HTTP status, or the exception's text. */
  detail: string;
  at: number;
  /** The product's name for product_added, to tell events apart. */
  tag?: string;
}

/** A body as DefectDojo's templates make it, or raw bytes standing for one DefectDojo would not make (the bridge must still cope). */
export type WebhookPayload = { body: unknown } | { rawBody: string | Buffer };

export interface DojoWebhookSender {
  /** Sends one event to every system endpoint, after the queued ones; resolves with what each endpoint made of it. */
  send(event: string, payload: WebhookPayload, tag?: string): Promise<SenderLogEntry[]>;
  /** Creates a product in the stand-in (seen at once by the API) and queues its product_added webhook; resolves once sent or skipped. */
  createProduct(product: { id: number; name: string; productTypeId: number; productTypeName?: string }): Promise<void>;
  /** Every send attempt and skip, in order. */
  readonly log: ReadonlyArray<SenderLogEntry>;
  /** Waits for the queued sends. */
  idle(): Promise<void>;
  /** Stops the timers (reactivations, cleanup). */
  close(): void;
}

export function createDojoWebhookSender(peer: DojoPeer, options: DojoWebhookSenderOptions = {}): DojoWebhookSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const reactivationDelayMs = options.reactivationDelayMs ?? 60_000;
  const permanentAfterMs = options.permanentAfterMs ?? 24 * 3600_000;
  const activeTmpResetMs = options.activeTmpResetMs ?? 24 * 3600_000;
  const inactiveTmpReviveMs = options.inactiveTmpReviveMs ?? 5 * 60_000;
  const siteUrl = options.siteUrl ?? "http://localhost:8080";
  const now = options.now ?? Date.now;
  const log: SenderLogEntry[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let queue: Promise<void> = Promise.resolve();

  const iso = (ms: number) => new Date(ms).toISOString().replace(/Z$/, "000Z");
  const ms = (text: string | null) => (text === null ? null : Date.parse(text));

  function later(delayMs: number, work: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, delayMs);
    timers.add(timer);
  }

  /** `_webhook_reactivation`: only an endpoint still inactive_tmp becomes active_tmp. */
  function reactivate(id: number): void {
    const endpoint = peer.webhookEndpointRow(id);
    if (endpoint?.status === "inactive_tmp") endpoint.status = "active_tmp";
  }

  if (options.cleanupIntervalMs != null) {
    const interval = setInterval(() => {
      for (const endpoint of peer.webhookEndpointRows()) {
        const lastError = ms(endpoint.lastError);
        if (lastError === null) continue;
        if (endpoint.status === "active_tmp" && now() - lastError > activeTmpResetMs) {
          Object.assign(endpoint, { status: "active", firstError: null, lastError: null, note: "Reactivation from active_tmp" });
        } else if (endpoint.status === "inactive_tmp" && now() - lastError > inactiveTmpReviveMs) {
          reactivate(endpoint.id);
        }
      }
    }, options.cleanupIntervalMs);
    timers.add(interval);
  }

  async function send(event: string, payload: WebhookPayload, tag?: string): Promise<void> {
    // `Notification_Webhooks.objects.filter(owner=None)`: system notifications go to system endpoints.
    for (const { id } of peer.webhookEndpointRows().filter((endpoint) => endpoint.owner === null)) {
      const endpoint = peer.webhookEndpointRow(id);
      if (!endpoint) continue;
      if (endpoint.status !== "active" && endpoint.status !== "active_tmp") {
        log.push({ event, endpointId: id, outcome: "skipped", detail: endpoint.status, at: now(), tag });
        continue;
      }
      const answer = await post(endpoint, event, payload);
      let error: "temporary" | "permanent" | null = null;
      if ("status" in answer) {
        if (answer.status >= 200 && answer.status < 300) {
          log.push({ event, endpointId: id, outcome: "sent", detail: String(answer.status), at: now(), tag });
          continue;
        }
        error = (answer.status >= 500 && answer.status < 600) || answer.status === 429 ? "temporary" : "permanent";
        endpoint.note = `Response status code: ${answer.status}`;
      } else {
        error = answer.timedOut ? "temporary" : "permanent";
        endpoint.note = answer.timedOut ? `Requests exception: ${answer.message}` : `Exception: ${answer.message}`.slice(0, 1000);
      }
      const at = now();
      if (error === "temporary") {
        const firstError = ms(endpoint.firstError);
        if (firstError !== null && at - firstError > permanentAfterMs) {
          endpoint.status = "inactive_permanent";
        } else {
          if (endpoint.status === "active") endpoint.firstError = iso(at);
          endpoint.status = "inactive_tmp";
          later(reactivationDelayMs, () => reactivate(id));
        }
      } else {
        endpoint.status = "inactive_permanent";
        endpoint.firstError = iso(at);
      }
      endpoint.lastError = iso(at);
      // Django's save() of a row deleted meanwhile would insert it again. One worker sends here, so a row is
      // saved before the next send reads it, and the bridge deletes only rows already inactive_permanent.
      log.push({ event, endpointId: id, outcome: error, detail: "status" in answer ? String(answer.status) : answer.message, at, tag });
    }
  }

  /** `requests.request("POST", url, headers=…, json=…, timeout=…)`. */
  function post(
    endpoint: DojoPeerWebhookRow,
    event: string,
    payload: WebhookPayload,
  ): Promise<{ status: number } | { timedOut: boolean; message: string }> {
    const headers: Record<string, string> = {
      "User-Agent": `DefectDojo-${peer.version}`,
      "X-DefectDojo-Event": event,
      "X-DefectDojo-Instance": siteUrl,
      Accept: "application/json",
      "Content-Type": "application/json",
    };
    if (endpoint.headerName !== null) headers[endpoint.headerName] = endpoint.headerValue ?? "";
    const bytes = "rawBody" in payload ? Buffer.from(payload.rawBody) : Buffer.from(JSON.stringify(payload.body));
    return new Promise((resolve) => {
      let settled = false;
      const done = (value: { status: number } | { timedOut: boolean; message: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      };
      const req = request(endpoint.url, { method: "POST", headers: { ...headers, "Content-Length": bytes.length }, agent: false }, (res) => {
        res.resume();
        res.on("end", () => done({ status: res.statusCode ?? 0 }));
        res.on("error", (error) => done({ timedOut: false, message: error.message }));
      });
      const timer = setTimeout(() => {
        done({ timedOut: true, message: `Read timed out. (read timeout=${timeoutMs / 1000})` });
        req.destroy();
      }, timeoutMs);
      req.on("error", (error) => done({ timedOut: false, message: error.message }));
      req.end(bytes);
    });
  }

  /** Sends one after another, as one Celery worker would; resolves with this send's log entries. */
  function enqueue(event: string, payload: WebhookPayload, tag?: string): Promise<SenderLogEntry[]> {
    const sent = queue.then(async () => {
      const from = log.length;
      await send(event, payload, tag);
      return log.slice(from);
    });
    queue = sent.then(
      () => undefined,
      () => undefined,
    );
    return sent;
  }

  return {
    createProduct({ id, name, productTypeId, productTypeName }) {
      peer.addProduct({ id, name, productTypeId });
      // dojo/notifications/templates/notifications/webhooks/product_added.tpl (base.tpl + product.tpl).
      const typeName = productTypeName ?? `type ${productTypeId}`;
      const body = {
        description: `Product ${name} has been created successfully.`,
        title: name,
        user: null,
        url_ui: `${siteUrl}/product/${id}`,
        url_api: `${siteUrl}/api/v2/products/${id}/`,
        product_type: {
          name: typeName,
          id: productTypeId,
          url_ui: `${siteUrl}/product/type/${productTypeId}`,
          url_api: `${siteUrl}/api/v2/product_types/${productTypeId}/`,
        },
        product: { name, id, url_ui: `${siteUrl}/product/${id}`, url_api: `${siteUrl}/api/v2/products/${id}/` },
      };
      return enqueue("product_added", { body }, name).then(() => undefined);
    },
    send: enqueue,
    log,
    idle: () => queue,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
