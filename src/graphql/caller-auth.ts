import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";
import { DefectDojoUnavailableError, fetchCaller, NotAuthenticatedError } from "../defectdojo/user-profile";
import { Caller } from "./context";

/**
 * How long a token → caller answer is trusted. Short, so a token revoked or a superuser demoted in
 * DefectDojo loses access within a minute, yet a burst of requests costs one lookup.
 */
export const CALLER_CACHE_TTL_MS = 60_000;
/** Distinct tokens remembered at once; the oldest entry goes first. Bounds memory under token spraying. */
export const CALLER_CACHE_MAX_ENTRIES = 1_000;
/** DRF keys are 40 hex characters; anything much longer is not a DefectDojo key and is not forwarded. */
const MAX_TOKEN_LENGTH = 256;
/** `Token <key>` as DRF's TokenAuthentication reads it: keyword case-insensitive, one printable-ASCII key. */
const TOKEN_HEADER = /^token +([\x21-\x7e]+) *$/i;

export type Authenticate = (authorizationHeader: string | undefined) => Promise<Caller>;

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
}

/** `Token <key>` errors: HTTP 401 through Apollo's `extensions.http`. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

function defectDojoUnavailable(reason: string): GraphQLError {
  return new GraphQLError(`the caller cannot be identified, try again later (${reason})`, {
    extensions: { code: "DEFECTDOJO_UNAVAILABLE", http: { status: 503 } },
  });
}

/**
 * Resolves `Authorization: Token <key>` to the DefectDojo user behind it, with a small cache in
 * front of DefectDojo's user-profile endpoint. The cache is keyed by the SHA-256 of the key, so
 * the bridge never holds a caller's key after the lookup. Failures are not cached: a wrong token
 * costs a lookup each time, and a token fixed in DefectDojo works at once.
 */
export function createCallerAuth(options: CallerAuthOptions): CallerAuth {
  const ttlMs = options.ttlMs ?? CALLER_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? CALLER_CACHE_MAX_ENTRIES;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { caller: Caller; expiresAt: number }>();
  // Concurrent requests with one uncached token share one lookup.
  const inFlight = new Map<string, Promise<Caller>>();

  const lookup = async (dojoUrl: string, token: string, key: string): Promise<Caller> => {
    try {
      const caller = await fetchCaller(dojoUrl, token, options.fetchImpl);
      cache.delete(key);
      cache.set(key, { caller, expiresAt: now() + ttlMs });
      // A Map iterates in insertion order, so the first key is the oldest entry.
      while (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      return caller;
    } catch (error) {
      if (error instanceof NotAuthenticatedError) throw unauthenticated(error.message);
      if (error instanceof DefectDojoUnavailableError) throw defectDojoUnavailable(error.message);
      throw error;
    }
  };

  const authenticate: Authenticate = async (authorizationHeader) => {
    const dojoUrl = options.dojoUrl;
    if (!dojoUrl) {
      throw unauthenticated("DOJO_URL is not configured: the bridge cannot ask DefectDojo who an API token belongs to");
    }
    if (!authorizationHeader) throw unauthenticated("send your DefectDojo API key as `Authorization: Token <key>`");
    const match = TOKEN_HEADER.exec(authorizationHeader);
    if (!match || match[1].length > MAX_TOKEN_LENGTH) {
      throw unauthenticated("the Authorization header must be `Token <DefectDojo API key>`");
    }
    const token = match[1];
    const key = createHash("sha256").update(token, "utf8").digest("hex");

    const hit = cache.get(key);
    if (hit && hit.expiresAt > now()) return hit.caller;
    if (hit) cache.delete(key);

    let pending = inFlight.get(key);
    if (!pending) {
      pending = lookup(dojoUrl, token, key).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };

  return {
    authenticate,
    cached: () => [...cache].map(([keyHash, entry]) => ({ keyHash, ...entry })),
  };
}
