import { z } from "zod";
import { retryDelayMs } from "../delivery/backoff";
import { parseRetryAfter } from "../channels/delivery-error";
import { redactSecrets } from "../logging/redact";

/** One DefectDojo call; its list endpoints are database queries, so a slow instance is given time. */
export const DOJO_TIMEOUT_MS = 10_000;
/** Rows asked for per list page: DefectDojo's LimitOffsetPagination has no maximum, and large pages keep requests few. */
export const DOJO_PAGE_SIZE = 250;
/** Retries of one call on 5xx, 429 and network errors, before the caller is told DefectDojo is unavailable. */
export const DOJO_RETRIES = 2;
const DOJO_RETRY_BASE_MS = 500;
/** A Retry-After longer than this is not waited out inside one call: the caller retries later instead. */
const MAX_RETRY_AFTER_MS = 10_000;
/**
 * Pages one listing may take (250,000 rows at DOJO_PAGE_SIZE): far above any real list the bridge
 * reads, and a stop for a server whose `next` never runs out.
 */
const MAX_PAGES = 1_000;
/** What a DefectDojo API key can be sent as: one printable ASCII word (DefectDojo's are 40 hex digits). */
const USABLE_KEY = /^[\x21-\x7e]+$/;

/** `rejected`: DefectDojo refused a write (HTTP 400, its validation); the message names the fields it objects to. */
export type DojoApiErrorKind = "unauthorized" | "forbidden" | "not_found" | "unavailable" | "bad_response" | "rejected";

/** A DefectDojo API call that did not give what was asked for. Only `unavailable` may pass by waiting. */
export class DojoApiError extends Error {
  readonly retryable: boolean;
  /** For `rejected`: the fields DefectDojo objects to (DRF's error keys), e.g. `["url"]`. */
  readonly fields: readonly string[];
  constructor(
    readonly kind: DojoApiErrorKind,
    message: string,
    options?: { cause?: unknown; fields?: readonly string[] },
  ) {
    super(message, options);
    this.name = "DojoApiError";
    this.retryable = kind === "unavailable";
    this.fields = options?.fields ?? [];
  }
}

/** Query parameters of one call (DefectDojo's filters, e.g. `{ product_id: 4 }`). */
export type Query = Record<string, string | number | boolean>;

export interface DojoClient {
  /**
   * GET one resource (`path` below /api/v2/, e.g. `products/4/`), validated with `schema`.
   * @throws DojoApiError
   */
  get<T>(path: string, query: Query, schema: z.ZodType<T>): Promise<T>;
  /**
   * GET every row of a list endpoint, DOJO_PAGE_SIZE rows a request until `next` is null, each row
   * validated with `item`.
   * @throws DojoApiError
   */
  list<T>(path: string, query: Query, item: z.ZodType<T>): Promise<T[]>;
  /**
   * GET one page of a list endpoint (`query` holds `limit`, `offset` and DefectDojo's `o=` ordering),
   * each row validated with `item`.
   * @throws DojoApiError
   */
  page<T>(path: string, query: Query, item: z.ZodType<T>): Promise<Page<T>>;
  /**
   * PATCH one object (`path` e.g. `system_settings/1/`) with `body`, the answer validated with
   * `schema`. Retried like a GET: sending the same fields twice makes the same change.
   * @throws DojoApiError
   */
  patch<T>(path: string, body: Record<string, unknown>, schema: z.ZodType<T>): Promise<T>;
  /**
   * POST a new object to a list endpoint (`path` e.g. `notification_webhooks/`), the answer validated
   * with `schema`. One attempt only: a create whose answer was lost may have been made, and a retry
   * could make it twice.
   * @throws DojoApiError
   */
  post<T>(path: string, body: Record<string, unknown>, schema: z.ZodType<T>): Promise<T>;
  /**
   * DELETE one object (`path` e.g. `notification_webhooks/4/`). Retried like a GET: an object
   * already gone answers 404 (`not_found`), which the caller may take as done. Optional only for
   * test doubles of readers, which never delete.
   * @throws DojoApiError
   */
  delete?(path: string): Promise<void>;
}

type Method = "GET" | "PATCH" | "POST" | "DELETE";

/** One page of DefectDojo's LimitOffsetPagination. */
export interface Page<T> {
  count: number;
  /** Absolute URL of the next page, or null on the last one. */
  next: string | null;
  results: T[];
}

export interface DojoClientOptions {
  /** DOJO_URL: DefectDojo's address, with its url_prefix path if it has one. */
  baseUrl: string;
  /** The bridge's service key (DOJO_API_KEY); never logged or put in an error. */
  apiKey: string;
  fetch?: typeof fetch;
  /** Per attempt. */
  timeoutMs?: number;
  retries?: number;
  retryBaseMs?: number;
}

const pageOf = <T>(item: z.ZodType<T>): z.ZodType<Page<T>> =>
  z.object({ count: z.number().int().nonnegative(), next: z.string().nullable(), results: z.array(item) });

/**
 * REST API v2 with the service key: timeouts, bounded retries with backoff on network errors, 5xx
 * and 429 (not for POST), responses validated where they enter. Redirects are not followed: the key
 * (and a write's body) goes only to DOJO_URL.
 */
export function createDojoClient(options: DojoClientOptions): DojoClient {
  const fetchFn = options.fetch ?? fetch;
  const retries = options.retries ?? DOJO_RETRIES;
  const retryBaseMs = options.retryBaseMs ?? DOJO_RETRY_BASE_MS;
  const timeoutMs = options.timeoutMs ?? DOJO_TIMEOUT_MS;
  // DOJO_URL may carry DefectDojo's url_prefix as a path, so append rather than resolve from the root.
  const apiRoot = `${options.baseUrl.replace(/\/+$/, "")}/api/v2/`;
  // Whatever a caught error says (undici quotes a malformed header value whole) goes out without the key.
  const safe = (text: string) => redactSecrets(text, [options.apiKey]);

  async function request(method: Method, path: string, query: Query, body?: Record<string, unknown>): Promise<unknown> {
    const url = new URL(path.replace(/^\/+/, ""), apiRoot);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
    const where = `${method} ${url.pathname}`;
    const attempts = method === "POST" ? 0 : retries;
    if (!USABLE_KEY.test(options.apiKey)) {
      throw new DojoApiError("unauthorized", `${where}: DOJO_API_KEY is empty or has spaces or control characters`);
    }
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      let waitMs: number | undefined;
      try {
        const response = await fetchFn(url, {
          method,
          headers: {
            Authorization: `Token ${options.apiKey}`,
            Accept: "application/json",
            ...(body && { "Content-Type": "application/json" }),
          },
          body: body && JSON.stringify(body),
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (response.ok && method === "DELETE") {
          await response.body?.cancel().catch(() => undefined);
          return null;
        }
        if (response.ok) {
          // Read inside the try: a connection lost or timed out mid-body is worth a retry; bad JSON is not.
          const text = await response.text();
          try {
            return JSON.parse(text);
          } catch {
            throw new DojoApiError("bad_response", `${where}: the answer is not JSON (is DOJO_URL right?)`);
          }
        }
        // DRF's validation errors: the field names say what to fix; their texts are not passed on.
        if (response.status === 400 && method !== "GET") {
          const fields = await errorFields(response);
          const over = fields.length > 0 ? fields.join(", ") : "(no field named)";
          throw new DojoApiError("rejected", `${where}: DefectDojo refused the change (HTTP 400) over ${over}`, { fields });
        }
        // Free the connection: nothing in an error body is needed.
        await response.body?.cancel().catch(() => undefined);
        throwUnlessRetryable(where, response);
        failure = `HTTP ${response.status}`;
        waitMs = parseRetryAfter(response.headers.get("retry-after"));
      } catch (error) {
        if (error instanceof DojoApiError) throw error;
        const timedOut = (error as { name?: string } | null)?.name === "TimeoutError";
        failure = timedOut ? `gave no answer within ${timeoutMs} ms` : `unreachable (${safe((error as Error).message)})`;
      }
      if (attempt >= attempts || (waitMs !== undefined && waitMs > MAX_RETRY_AFTER_MS)) {
        throw new DojoApiError("unavailable", `${where}: DefectDojo ${failure}`);
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs ?? retryDelayMs(attempt + 1, retryBaseMs, MAX_RETRY_AFTER_MS)));
    }
  }

  function validated<T>(path: string, schema: z.ZodType<T>, body: unknown, method: Method = "GET"): T {
    const result = schema.safeParse(body);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue.path.join(".") || "(body)";
      throw new DojoApiError("bad_response", safe(`${method} /api/v2/${path}: unexpected answer at ${where}: ${issue.message}`));
    }
    return result.data;
  }

  return {
    get: async (path, query, schema) => validated(path, schema, await request("GET", path, query)),
    page: async (path, query, item) => validated(path, pageOf(item), await request("GET", path, query)),
    patch: async (path, body, schema) => validated(path, schema, await request("PATCH", path, {}, body), "PATCH"),
    post: async (path, body, schema) => validated(path, schema, await request("POST", path, {}, body), "POST"),
    delete: async (path) => {
      await request("DELETE", path, {});
    },
    async list(path, query, item) {
      const rows: Array<z.infer<typeof item>> = [];
      // Offsets rather than the `next` links themselves: those carry DefectDojo's SITE_URL, which may
      // not be how the bridge reaches it. Stepping by the rows received also copes with a server
      // (or proxy) that caps the page size below DOJO_PAGE_SIZE.
      for (let offset = 0, pages = 0; ; pages++) {
        if (pages >= MAX_PAGES) throw new DojoApiError("bad_response", `GET /api/v2/${path}: more than ${MAX_PAGES} pages`);
        const page = validated(path, pageOf(item), await request("GET", path, { ...query, limit: DOJO_PAGE_SIZE, offset }));
        rows.push(...page.results);
        if (page.next === null) return rows;
        if (page.results.length === 0) throw new DojoApiError("bad_response", `GET /api/v2/${path}: an empty page that has a next one`);
        offset += page.results.length;
      }
    },
  };
}

/** The fields a DRF 400 body names (`{"name": ["…"], "message": "…"}`): `["name"]`; DefectDojo's `message` is not one. */
async function errorFields(response: Response): Promise<string[]> {
  const text = await response.text().catch(() => "");
  try {
    return Object.keys(JSON.parse(text) as object)
      .filter((key) => key !== "message" && /^[a-z_]{1,64}$/.test(key))
      .slice(0, 10);
  } catch {
    return [];
  }
}

/** Throws the error a non-2xx answer means, unless it is one worth retrying (5xx, 429). */
function throwUnlessRetryable(where: string, response: Response): void {
  const status = response.status;
  if (status === 401) throw new DojoApiError("unauthorized", `${where}: DefectDojo refused DOJO_API_KEY (401)`);
  if (status === 403) throw new DojoApiError("forbidden", `${where}: DOJO_API_KEY may not read this (403); use a superuser's key`);
  if (status === 404) throw new DojoApiError("not_found", `${where}: not found`);
  if (status >= 300 && status < 400) {
    // Following it would send the key to wherever the redirect points; DOJO_URL should name DefectDojo itself.
    const location = response.headers.get("location");
    const to = location ? ` to ${location.replace(/[?#].*$/, "")}` : "";
    throw new DojoApiError("bad_response", `${where}: redirected (HTTP ${status})${to}; set DOJO_URL to DefectDojo's own address`);
  }
  if (status !== 429 && status < 500) throw new DojoApiError("bad_response", `${where}: HTTP ${status}`);
}
