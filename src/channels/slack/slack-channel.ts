import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from "@slack/web-api";
import { LRUCache } from "lru-cache";
import { DeliveryError, deliveryErrorForStatus, parseRetryAfter } from "../delivery-error";
import { redactSecrets } from "../../logging/redact";
import { NotificationChannel, OutgoingMessage } from "../channel";
import { Channel } from "../../vocabulary/channel";
import { describeEvent } from "../message-content";
import { renderSlackMessage } from "./slack-message";

/** Well below the delivery worker's 30 s lease, so an attempt ends before its row could be claimed again. */
export const SLACK_TIMEOUT_MS = 10_000;
/**
 * How long a Slack user id found by e-mail is reused. users.lookupByEmail is Tier 3 (50+/min), so a
 * burst of DMs must not look every user up again; an hour still follows a changed Slack e-mail soon.
 */
export const SLACK_USER_CACHE_TTL_MS = 60 * 60_000;
/** Slack user ids kept at once: far more than the people one DefectDojo notifies, yet bounded. */
export const SLACK_USER_CACHE_MAX = 10_000;

// Slack's transient errors (chat.postMessage docs); everything else is a configuration problem.
const RETRYABLE_ERRORS = new Set([
  "ratelimited",
  "rate_limited",
  "service_unavailable",
  "internal_error",
  "fatal_error",
  "request_timeout",
]);
const AUTH_ERRORS = new Set(["invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope"]);

export interface SlackChannelOptions {
  /** Base URL of the Web API (SLACK_API_URL); Slack's own when undefined. */
  slackApiUrl?: string;
  dojoUrl: string | null;
  timeoutMs?: number;
  /** Slack user ids kept at once (SLACK_USER_CACHE_MAX when undefined). */
  userCacheMax?: number;
}

/**
 * Slack through chat.postMessage: the target is a channel name or id, the token and bot name come
 * from the settings. The Web API client makes a single attempt (its retries and its wait on 429
 * are off): the delivery worker owns retries.
 */
export function createSlackChannel(options: SlackChannelOptions): NotificationChannel {
  let cached: { token: string; client: WebClient } | undefined;
  // E-mail (lower case) → Slack user id, for the current token only. Concurrent lookups of one
  // address share one request; a failed lookup is not kept, so the next message asks again.
  const users = new LRUCache<string, string, { client: WebClient; email: string; token: string }>({
    max: options.userCacheMax ?? SLACK_USER_CACHE_MAX,
    ttl: SLACK_USER_CACHE_TTL_MS,
    fetchMethod: (_key, _stale, { context }) => lookUpSlackUser(context.client, context.email, context.token),
  });
  const clientFor = (token: string): WebClient => {
    if (cached?.token !== token) {
      const client = new WebClient(token, {
        slackApiUrl: options.slackApiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: options.timeoutMs ?? SLACK_TIMEOUT_MS,
        // The worker logs every failed attempt; the client's own warnings would repeat them.
        logLevel: LogLevel.ERROR,
      });
      cached = { token, client };
      // Another token may be another workspace: its user ids mean nothing here.
      users.clear();
    }
    return cached.client;
  };

  /** The Slack user id for an e-mail address (users.lookupByEmail, scope users:read.email). */
  const slackUserId = async (token: string, email: string): Promise<string> => {
    const client = clientFor(token);
    return (await users.fetch(email.toLowerCase(), { context: { client, email, token } })) as string;
  };

  return {
    id: Channel.SLACK,
    async send({ event, target, settings, recipient, linkOnly, template }: OutgoingMessage): Promise<void> {
      const token = settings.slackToken;
      if (!token) throw new DeliveryError("not_configured", "no Slack token is set", false);
      if (!target.trim()) {
        throw new DeliveryError("not_configured", recipient ? "this user has no Slack e-mail address" : "no Slack channel is set", false);
      }
      const message = renderSlackMessage(describeEvent(event, options.dojoUrl, { linkOnly, template }));
      // A personal message goes to the user's id: Slack delivers it as a DM from the bot.
      const channel = recipient ? await slackUserId(token, target.trim()) : target.trim();
      try {
        await clientFor(token).chat.postMessage({
          channel,
          username: settings.slackUsername || undefined,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (error) {
        throw slackDeliveryError(error, token);
      }
    },
  };
}

/** Classifies what the Web API client threw; the message never holds the token. */
async function lookUpSlackUser(client: WebClient, email: string, token: string): Promise<string> {
  let id: string | undefined;
  try {
    id = (await client.users.lookupByEmail({ email })).user?.id;
  } catch (error) {
    if (error instanceof WebAPIPlatformError && error.data.error === "users_not_found") {
      throw new DeliveryError("client_error", `no Slack account has the e-mail address ${email} (users_not_found)`, false);
    }
    throw slackDeliveryError(error, token);
  }
  if (!id) throw new DeliveryError("client_error", `Slack returned no user for ${email}`, false);
  return id;
}

function slackDeliveryError(error: unknown, token: string): DeliveryError {
  const redact = (text: string) => redactSecrets(text, [token]);
  if (error instanceof WebAPIRateLimitedError) {
    return new DeliveryError("rate_limited", `Slack rate limit, retry after ${error.retryAfter} s`, true, error.retryAfter * 1000);
  }
  if (error instanceof WebAPIPlatformError) {
    const code = redact(String(error.data.error));
    const message = `Slack refused the message: ${code}`;
    if (RETRYABLE_ERRORS.has(code)) {
      const retryAfter = error.data.response_metadata?.retryAfter;
      const kind = code === "ratelimited" || code === "rate_limited" ? "rate_limited" : "server_error";
      return new DeliveryError(kind, message, true, retryAfter === undefined ? undefined : retryAfter * 1000);
    }
    return new DeliveryError(AUTH_ERRORS.has(code) ? "auth_error" : "client_error", message, false);
  }
  if (error instanceof WebAPIHTTPError) {
    return deliveryErrorForStatus(error.statusCode, "from Slack", parseRetryAfter(error.headers["retry-after"]));
  }
  if (error instanceof WebAPIRequestError) {
    const original = error.original;
    // The client wraps what fetch throws in an Error unless it already is one (a DOMException from another realm is not).
    if (original.name === "TimeoutError" || original.message.startsWith("TimeoutError")) {
      return new DeliveryError("timeout", "Slack did not answer in time", true);
    }
    const cause = (original.cause as NodeJS.ErrnoException | undefined)?.code;
    return new DeliveryError("network_error", redact(`Slack unreachable: ${original.message}${cause ? ` (${cause})` : ""}`), true);
  }
  // The client also throws plain errors, e.g. for a 429 without a usable Retry-After.
  return new DeliveryError("network_error", redact(`Slack call failed: ${error instanceof Error ? error.message : String(error)}`), true);
}
