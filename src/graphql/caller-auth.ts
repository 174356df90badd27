import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";
import { LRUCache } from "lru-cache";
import { DefectDojoUnavailableError, fetchCaller, NotAuthenticatedError } from "../defectdojo/user-profile";
import { Caller } from "./context";

/**
 * How long a token → caller answer is trusted. Short, so a token revoked or a superuser demoted in
 * DefectDojo loses access within a minute, yet a burst of requests costs one lookup.
 */
export const CALLER_CACHE_TTL_MS = 60_000;
/** Distinct tokens remembered at once; the oldest entry goes first. Bounds memory under token spraying. */
export const CALLER_CACHE_MAX_ENTRIES = 1_000;
/**
 * How long a key DefectDojo refused stays refused without asking again: a caller retrying a wrong
 * key (or spraying one) costs DefectDojo one lookup per this long, and a key created in DefectDojo
 * works within it.
 */
export const FAILED_LOOKUP_TTL_MS = 10_000;
/**
 * Lookups of unknown keys one client address may cause: a burst of this many, then one per
 * LOOKUP_REFILL_MS. A lookup that finds a user is given back, so callers with good keys are never
 * held up, however many share an address (a proxy); only refused and failed lookups count.
 */
export const LOOKUP_BURST = 10;
export const LOOKUP_REFILL_MS = 6_000;
/** Client addresses tracked at once (in memory, per replica); the least recently seen goes first. */
export const MAX_TRACKED_CLIENTS = 10_000;
/** DRF keys are 40 hex characters; anything much longer is not a DefectDojo key and is not forwarded. */
const MAX_TOKEN_LENGTH = 256;
/** `Token <key>` as DRF's TokenAuthentication reads it: keyword case-insensitive, one printable-ASCII key. */
const TOKEN_HEADER = /^token +([\x21-\x7e]+) *$/i;

/** `clientAddress`: the TCP peer (no proxy header is trusted), for the per-address limit on lookups. */
export type Authenticate = (authorizationHeader: string | undefined, clientAddress?: string) => Promise<Caller>;

export interface CallerAuthOptions {
  /** DefectDojo's base URL (DOJO_URL); null refuses every request, saying why. */
  dojoUrl: string | null;
  fetchImpl?: typeof fetch;
  ttlMs?: number;
  maxEntries?: number;
  /** Injectable clock for the TTL. */
  now?: () => number;
}

export interface CachedCaller {
  /** SHA-256 (hex) of the API key: the only trace of the key the bridge keeps. */
  keyHash: string;
  caller: Caller;
  expiresAt: number;
}

export interface CallerAuth {
  authenticate: Authenticate;
  /** The cache as it is now, oldest first (for tests and diagnostics). */
  cached(): CachedCaller[];
  /**
   * Why a request with this Authorization header is refused before anything else, without asking
   * DefectDojo (no DOJO_URL, no header, not `Token <key>`), or null: checked before a body is read.
   */
  refusedAtOnce(authorizationHeader: string | undefined): GraphQLError | null;
}

/** `Token <key>` errors: HTTP 401 through Apollo's `extensions.http`. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

function tooManyLookups(retryAfterMs: number): GraphQLError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GraphQLError(`too many unknown API keys from this address, try again in ${seconds} s`, {
    extensions: { code: "RATE_LIMITED", http: { status: 429, headers: new Map([["retry-after", String(seconds)]]) } },
  });
}

function defectDojoUnavailable(reason: string): GraphQLError {
  return new GraphQLError(`the caller cannot be identified, try again later (${reason})`, {
    extensions: { code: "DEFECTDOJO_UNAVAILABLE", http: { status: 503 } },
  });
}

/**
 * Resolves `Authorization: Token <key>` to the DefectDojo user behind it, with a small cache in
 * front of DefectDojo's user-profile endpoint. The cache is keyed by the SHA-256 of the key, so
 * the bridge never holds a caller's key after the lookup. An unauthenticated caller must not make
 * the bridge hammer DefectDojo: a refused key stays refused for FAILED_LOOKUP_TTL_MS, and each
 * client address may cause only so many lookups that find nobody (LOOKUP_BURST, then one per
 * LOOKUP_REFILL_MS), in memory and bounded in size.
 */
export function createCallerAuth(options: CallerAuthOptions): CallerAuth {
  const ttlMs = options.ttlMs ?? CALLER_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? CALLER_CACHE_MAX_ENTRIES;
  const now = options.now ?? Date.now;
  // Bounded and least-recently-used first (lru-cache); each entry's own expiry is checked on reading,
  // so an answer is never used at or past it, whatever the library's timer resolution.
  const lru = <V extends object>(max: number, ttl?: number) => new LRUCache<string, V>({ max, ttl, perf: { now }, ttlResolution: 0 });
  const cache = lru<{ caller: Caller; expiresAt: number }>(maxEntries, ttlMs);
  const refused = lru<{ until: number }>(maxEntries, FAILED_LOOKUP_TTL_MS);
  // Per client address: lookups left and when that was counted (a token bucket).
  const budgets = lru<{ tokens: number; at: number }>(MAX_TRACKED_CLIENTS);
  // Concurrent requests with one uncached token share one lookup.
  const inFlight = new Map<string, Promise<Caller>>();

  const lookup = async (dojoUrl: string, token: string, key: string): Promise<Caller> => {
    try {
      const caller = await fetchCaller(dojoUrl, token, options.fetchImpl);
      cache.set(key, { caller, expiresAt: now() + ttlMs });
      return caller;
    } catch (error) {
      if (error instanceof NotAuthenticatedError) {
        refused.set(key, { until: now() + FAILED_LOOKUP_TTL_MS });
        throw unauthenticated(error.message);
      }
      if (error instanceof DefectDojoUnavailableError) throw defectDojoUnavailable(error.message);
      throw error;
    }
  };

  const tokenOf = (authorizationHeader: string | undefined): string | GraphQLError => {
    if (!options.dojoUrl) {
      return unauthenticated("DOJO_URL is not configured: the bridge cannot ask DefectDojo who an API token belongs to");
    }
    if (!authorizationHeader) return unauthenticated("send your DefectDojo API key as `Authorization: Token <key>`");
    const match = TOKEN_HEADER.exec(authorizationHeader);
    if (!match || match[1].length > MAX_TOKEN_LENGTH) {
      return unauthenticated("the Authorization header must be `Token <DefectDojo API key>`");
    }
    return match[1];
  };

  /** Takes one lookup from the address's budget; the returned function gives it back. */
  const takeLookup = (address: string): (() => void) => {
    const time = now();
    const budget = budgets.get(address) ?? { tokens: LOOKUP_BURST, at: time };
    budget.tokens = Math.min(LOOKUP_BURST, budget.tokens + (time - budget.at) / LOOKUP_REFILL_MS);
    budget.at = time;
    budgets.set(address, budget); // the least recently seen address goes first
    if (budget.tokens < 1) throw tooManyLookups((1 - budget.tokens) * LOOKUP_REFILL_MS);
    budget.tokens -= 1;
    return () => {
      budget.tokens = Math.min(LOOKUP_BURST, budget.tokens + 1);
    };
  };

  const authenticate: Authenticate = async (authorizationHeader, clientAddress = "unknown") => {
    const token = tokenOf(authorizationHeader);
    if (token instanceof GraphQLError) throw token;
    const key = createHash("sha256").update(token, "utf8").digest("hex");

    const hit = cache.get(key);
    if (hit && hit.expiresAt > now()) return hit.caller;
    if (hit) cache.delete(key);
    const refusal = refused.get(key);
    if (refusal && refusal.until > now()) throw unauthenticated("DefectDojo does not accept this API token");
    if (refusal) refused.delete(key);

    let pending = inFlight.get(key);
    if (!pending) {
      const giveBack = takeLookup(clientAddress);
      pending = lookup(options.dojoUrl!, token, key).finally(() => inFlight.delete(key));
      pending.then(giveBack, () => undefined);
      inFlight.set(key, pending);
    }
    return pending;
  };

  return {
    authenticate,
    // rkeys(): least recently used first; peek() leaves the order as it is.
    cached: () => [...cache.rkeys()].map((keyHash) => ({ keyHash, ...cache.peek(keyHash)! })),
    refusedAtOnce: (authorizationHeader) => {
      const token = tokenOf(authorizationHeader);
      return token instanceof GraphQLError ? token : null;
    },
  };
}
