/**
 * What a system setting may hold. One set of rules for every way a value gets in: a superuser's own
 * input (GraphQL) and the import from DefectDojo, so what the bridge would refuse from one it
 * refuses from the other.
 */

/**
 * A Slack channel name (lowercase letters, digits, `-`, `_`; at most 80 characters, Slack's limit;
 * an optional leading `#`) or a channel id such as `C0123ABCD` (C public, G private, D direct).
 * Empty means "no system channel".
 */
export const SLACK_CHANNEL = /^(?:#?[a-z0-9_-]{1,80}|[CGD][A-Z0-9]{6,20})?$/;
/** DefectDojo's slack_username field and our column are 100 characters. */
export const SLACK_USERNAME_MAX_LENGTH = 100;
/** Slack tokens are about 60 characters; a generous cap keeps junk out of the database. */
export const SLACK_TOKEN_MAX_LENGTH = 512;
/** Teams Workflows URLs run to ~400 characters; browsers and proxies handle up to about 8 KB. */
export const MSTEAMS_URL_MAX_LENGTH = 4096;

/** An http(s) URL with a host. Also what a routing rule's Teams URL must be. */
export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\/\S+$/i.test(value)) return false;
  try {
    return new URL(value).hostname !== "";
  } catch {
    return false;
  }
}
