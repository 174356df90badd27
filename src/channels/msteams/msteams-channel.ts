import { DeliveryError, deliveryErrorForStatus, parseRetryAfter } from "../delivery-error";
import { redactSecrets } from "../../logging/redact";
import { NotificationChannel, OutgoingMessage } from "../channel";
import { Channel } from "../../vocabulary/channel";
import { describeEvent } from "../message-content";
import { renderTeamsMessage } from "./adaptive-card";
import { PinnedFetch, pinnedFetch } from "./pinned-fetch";
import {
  allowlistPermits,
  assertPublicDestination,
  assertSafeDestination,
  DestinationLookupError,
  WebhookAllowlist,
} from "./webhook-allowlist";

/** Well below the delivery worker's 30 s lease, so an attempt ends before its row could be claimed again. */
export const TEAMS_TIMEOUT_MS = 10_000;
/**
 * A user's own webhook gets less: it may be slow on purpose, and each of its sends holds one of the
 * worker's slots (at most PERSONAL_MAX_IN_FLIGHT_PER_TARGET of them) for as long as it takes.
 */
export const PERSONAL_TEAMS_TIMEOUT_MS = 5_000;
/**
 * How much of an answer is read: enough for a legacy connector's throttling notice. A body is never
 * quoted in an error (it may carry what an internal service answered), only looked at.
 */
export const TEAMS_ANSWER_MAX_BYTES = 4096;

export interface MsteamsChannelOptions {
  dojoUrl: string | null;
  /** Where users' own webhook URLs may point; checked again, after DNS resolution, before each send. */
  personalAllowlist: WebhookAllowlist;
  /**
   * SYSTEM_WEBHOOK_ALLOWLIST: the superusers' URLs (settings, rules) whose host may be private,
   * named literally; any other must resolve to public addresses, checked before each send.
   */
  systemAllowlist: WebhookAllowlist;
  timeoutMs?: number;
  personalTimeoutMs?: number;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/**
 * Microsoft Teams through a Workflows ("When a Teams webhook request is received") or legacy
 * connector URL, taken from the settings: the delivery target is only a label, because the URL
 * itself is the credential and never appears in an error.
 */
export function createMsteamsChannel(options: MsteamsChannelOptions): NotificationChannel {
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? TEAMS_TIMEOUT_MS;
  const personalTimeoutMs = options.personalTimeoutMs ?? PERSONAL_TEAMS_TIMEOUT_MS;

  return {
    id: Channel.MSTEAMS,
    async send({ event, settings, recipient, linkOnly, template }: OutgoingMessage): Promise<void> {
      const url = webhookUrl(recipient ? recipient.msteamsUrl : settings.msteamsUrl, recipient !== undefined);
      const pinned = recipient ? await guardPersonalUrl(options.personalAllowlist, url) : await guardSystemUrl(options.systemAllowlist, url);
      // The `sig` query parameter alone is the credential of a Workflows URL.
      const secrets = [settings.msteamsUrl, url.href, url.searchParams.get("sig")];
      const body = renderTeamsMessage(describeEvent(event, options.dojoUrl, { linkOnly, template }));
      let response: Response;
      let answer: string;
      try {
        response = await (pinned ? pinned.fetch : fetchFn)(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
          // A webhook that redirects is misconfigured; following it would post the card somewhere unchecked.
          redirect: "manual",
          signal: AbortSignal.timeout(recipient ? personalTimeoutMs : timeoutMs),
        });
        answer = await readBounded(response, TEAMS_ANSWER_MAX_BYTES);
        await pinned?.close();
      } catch (error) {
        // AbortSignal.timeout's DOMException; not checked with instanceof, which fails across realms.
        if ((error as { name?: unknown } | null)?.name === "TimeoutError") {
          throw new DeliveryError("timeout", "Microsoft Teams did not answer in time", true);
        }
        const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
        await pinned?.close();
        const detail = error instanceof Error ? error.message : String(error);
        throw new DeliveryError("network_error", redactSecrets(`Microsoft Teams unreachable: ${detail}${cause ? ` (${cause})` : ""}`, secrets), true);
      }
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      if (!response.ok) throw deliveryErrorForStatus(response.status, "from Microsoft Teams", retryAfterMs);
      // Legacy connectors answer throttling with a 200 whose body reports the 429 ("Connectors do not throw 429s").
      if (response.status === 200 && /\b429\b|throttl/i.test(answer)) {
        throw new DeliveryError("rate_limited", "Microsoft Teams throttled the connector", true, retryAfterMs);
      }
    },
  };
}

/**
 * A user's URL makes the bridge send requests where the user says: only to an allowed prefix, and
 * only to public addresses unless the allowlist names the host (SSRF).
 */
async function guardPersonalUrl(allowlist: WebhookAllowlist, url: URL): Promise<PinnedFetch | undefined> {
  if (!allowlistPermits(allowlist, url.href)) {
    throw new DeliveryError("client_error", "the personal Teams URL is not on PERSONAL_WEBHOOK_ALLOWLIST", false);
  }
  try {
    const addresses = await assertSafeDestination(allowlist, url.href);
    return addresses && pinnedFetch(addresses);
  } catch (error) {
    const reason = error instanceof Error ? redactSecrets(error.message, [url.href, url.searchParams.get("sig")]) : "refused";
    // A name that does not resolve now may resolve later; an address that is not public will not become one.
    if (error instanceof DestinationLookupError) {
      throw new DeliveryError("network_error", `the personal Teams URL's host could not be resolved: ${reason}`, true);
    }
    throw new DeliveryError("client_error", `the personal Teams URL was refused: ${reason}`, false);
  }
}

/**
 * A superuser's URL (system settings, a routing rule): only to public addresses, unless
 * SYSTEM_WEBHOOK_ALLOWLIST names the host (SSRF).
 */
async function guardSystemUrl(exempt: WebhookAllowlist, url: URL): Promise<PinnedFetch | undefined> {
  try {
    const addresses = await assertPublicDestination(exempt, url.href);
    return addresses && pinnedFetch(addresses);
  } catch (error) {
    const reason = error instanceof Error ? redactSecrets(error.message, [url.href, url.searchParams.get("sig")]) : "refused";
    if (error instanceof DestinationLookupError) {
      throw new DeliveryError("network_error", `the Teams URL's host could not be resolved: ${reason}`, true);
    }
    throw new DeliveryError("client_error", `the Teams URL was refused: ${reason} (SYSTEM_WEBHOOK_ALLOWLIST may name a private host)`, false);
  }
}

/** The answer's text, up to `maxBytes`; the rest is not read (a webhook may answer with anything, slowly). */
async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8");
}

function webhookUrl(url: string | null, personal: boolean): URL {
  if (!url) {
    throw new DeliveryError("not_configured", personal ? "this user has no personal Teams webhook URL" : "no Microsoft Teams webhook URL is set", false);
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed;
  } catch {
    // refused below, without quoting the URL
  }
  throw new DeliveryError("not_configured", "the Microsoft Teams webhook URL is not an http(s) URL", false);
}
