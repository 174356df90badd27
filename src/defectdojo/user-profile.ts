import { z } from "zod";
import { dojoUserRow } from "./user-row";

/**
 * How long one user-profile lookup may take. Every GraphQL request whose token is not cached waits
 * for it, so it is short; DefectDojo answers this endpoint from one indexed query.
 */
export const USER_PROFILE_TIMEOUT_MS = 5_000;

/** A DefectDojo user as the bridge knows them: who is calling the API, who gets a notification. */
export interface Caller {
  id: number;
  username: string;
  email: string;
  isSuperuser: boolean;
}

/** The token is not accepted by DefectDojo, or belongs to an inactive user. */
export class NotAuthenticatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotAuthenticatedError";
  }
}

/** DefectDojo could not say who the token belongs to: unreachable, timed out, 5xx or a foreign answer. */
export class DefectDojoUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DefectDojoUnavailableError";
  }
}

/**
 * The part of `GET /api/v2/user_profile/` the bridge relies on. Unknown keys are dropped: 3.2 answers
 * `user` and `user_contact_info` only, 2.58 adds `global_role`, `product_member`, … (its `user` has
 * no `is_staff`).
 */
const UserProfileResponse = z.object({
  user: dojoUserRow,
});

/**
 * Asks DefectDojo who `apiToken` belongs to. Called for every GraphQL request whose token is not
 * in the caller cache (see caller-auth.ts). Never logs or echoes the token.
 *
 * @throws NotAuthenticatedError for 401/403 or an inactive user
 * @throws DefectDojoUnavailableError for anything else that is not a valid profile
 */
export async function fetchCaller(dojoUrl: string, apiToken: string, fetchImpl: typeof fetch = fetch): Promise<Caller> {
  // DOJO_URL may carry DefectDojo's url_prefix as a path, so append rather than resolve.
  const url = `${dojoUrl.replace(/\/+$/, "")}/api/v2/user_profile/`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { Authorization: `Token ${apiToken}`, Accept: "application/json" },
      signal: AbortSignal.timeout(USER_PROFILE_TIMEOUT_MS),
    });
  } catch (error) {
    // AbortSignal.timeout rejects with a DOMException named TimeoutError (not always instanceof Error).
    const timedOut = (error as { name?: unknown } | null)?.name === "TimeoutError";
    const reason = timedOut ? `no answer within ${USER_PROFILE_TIMEOUT_MS} ms` : "connection failed";
    throw new DefectDojoUnavailableError(`DefectDojo user profile lookup failed: ${reason}`, { cause: error });
  }

  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new NotAuthenticatedError("DefectDojo does not accept this API token");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new DefectDojoUnavailableError(`DefectDojo user profile lookup failed: HTTP ${response.status}`);
  }

  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new DefectDojoUnavailableError("DefectDojo user profile lookup returned no JSON (is DOJO_URL right?)", { cause: error });
  }
  const parsed = UserProfileResponse.safeParse(body);
  if (!parsed.success) {
    throw new DefectDojoUnavailableError("DefectDojo user profile lookup returned an unexpected shape (is DOJO_URL right?)");
  }
  const { user } = parsed.data;
  // DRF already refuses tokens of inactive users; checked again so a proxy or a custom backend cannot slip one through.
  if (!user.is_active) throw new NotAuthenticatedError("the DefectDojo user of this API token is inactive");
  return { id: user.id, username: user.username, email: user.email, isSuperuser: user.is_superuser };
}
