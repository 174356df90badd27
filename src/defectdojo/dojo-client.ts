import { z } from "zod";
import { retryDelayMs } from "../delivery/backoff";
import { parseRetryAfter } from "../delivery/delivery-error";

/** One DefectDojo call; its list endpoints are database queries, so a slow instance is given time. */
export const DOJO_TIMEOUT_MS = 10_000;
/** Rows asked for per list page: DefectDojo has no maximum, and large pages keep requests few. */
export const DOJO_PAGE_SIZE = 250;
/** Retries of one call on 5xx, 429 and network errors, before the caller is told DefectDojo is unavailable. */
export const DOJO_RETRIES = 2;
const DOJO_RETRY_BASE_MS = 500;
/** A Retry-After longer than this is not waited out inside one call: the caller retries later instead. */
const MAX_RETRY_AFTER_MS = 10_000;

export type DojoApiErrorKind = "unauthorized" | "forbidden" | "not_found" | "unavailable" | "bad_response";

/** A DefectDojo API call that did not give what was asked for. Only `unavailable` may pass by waiting. */
export class DojoApiError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly kind: DojoApiErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "DojoApiError";
    this.retryable = kind === "unavailable";
  }
}

export type Query = Record<string, string | number | boolean>;

export interface DojoClient {
  /** GET one resource, validated with `schema`. */
  get<T>(path: string, query: Query, schema: z.ZodType<T>): Promise<T>;
  /** GET every row of a list endpoint, page by page (limit/offset), each validated with `item`. */
  list<T>(path: string, query: Query, item: z.ZodType<T>): Promise<T[]>;
}

export interface DojoClientOptions {
  baseUrl: string;
  /** The bridge's service key (DOJO_API_KEY); never logged or put in an error. */
  apiKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  retries?: number;
  retryBaseMs?: number;
}

const pageOf = <T>(item: z.ZodType<T>) => z.object({ count: z.number().int().nonnegative(), results: z.array(item) });

/** REST API v2 with the service key: timeouts, bounded retries with backoff, responses validated where they enter. */
export function createDojoClient(options: DojoClientOptions): DojoClient {
  const fetchFn = options.fetch ?? fetch;
  const retries = options.retries ?? DOJO_RETRIES;
  const retryBaseMs = options.retryBaseMs ?? DOJO_RETRY_BASE_MS;

  async function request(path: string, query: Query): Promise<unknown> {
    const url = new URL(`/api/v2/${path.replace(/^\/+/, "")}`, options.baseUrl);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
    const where = `GET ${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      let waitMs: number | undefined;
      try {
        const response = await fetchFn(url, {
          headers: { Authorization: `Token ${options.apiKey}`, Accept: "application/json" },
          signal: AbortSignal.timeout(options.timeoutMs ?? DOJO_TIMEOUT_MS),
        });
        if (response.ok) {
          try {
            return await response.json();
          } catch {
            throw new DojoApiError("bad_response", `${where}: the answer is not JSON`);
          }
        }
        if (response.status === 401) throw new DojoApiError("unauthorized", `${where}: DefectDojo refused DOJO_API_KEY (401)`);
        if (response.status === 403) throw new DojoApiError("forbidden", `${where}: DOJO_API_KEY may not read this (403); use a superuser's key`);
        if (response.status === 404) throw new DojoApiError("not_found", `${where}: not found`);
        if (response.status !== 429 && response.status < 500) throw new DojoApiError("bad_response", `${where}: HTTP ${response.status}`);
        failure = `HTTP ${response.status}`;
        waitMs = parseRetryAfter(response.headers.get("retry-after"));
      } catch (error) {
        if (error instanceof DojoApiError) throw error;
        failure = (error as { name?: string }).name === "TimeoutError" ? "timed out" : `unreachable (${(error as Error).message})`;
      }
      if (attempt >= retries || (waitMs !== undefined && waitMs > MAX_RETRY_AFTER_MS)) {
        throw new DojoApiError("unavailable", `${where}: DefectDojo ${failure}`);
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs ?? retryDelayMs(attempt + 1, retryBaseMs, MAX_RETRY_AFTER_MS)));
    }
  }

  function validated<T>(path: string, schema: z.ZodType<T>, body: unknown): T {
    const result = schema.safeParse(body);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new DojoApiError("bad_response", `GET /api/v2/${path}: unexpected answer at ${issue.path.join(".") || "(body)"}: ${issue.message}`);
    }
    return result.data;
  }

  return {
    get: async (path, query, schema) => validated(path, schema, await request(path, query)),
    async list(path, query, item) {
      const rows: Array<z.infer<typeof item>> = [];
      // Offsets, not the `next` links: those carry DefectDojo's SITE_URL, which may not be how the bridge reaches it.
      for (let offset = 0; ; ) {
        const page = validated(path, pageOf(item), await request(path, { ...query, limit: DOJO_PAGE_SIZE, offset }));
        rows.push(...page.results);
        offset += page.results.length;
        if (page.results.length === 0 || offset >= page.count) return rows;
      }
    },
  };
}
