import { promises as dns, LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";

/**
 * Where users' own Teams webhook URLs may point by default: Microsoft's Workflows (Logic Apps,
 * Power Automate, Power Platform) trigger hosts and the legacy Office 365 connector hosts, https
 * only. Workflows trigger URLs `prod-NN.<region>.logic.azure.com/workflows/…` and Power Automate
 * direct URLs `…/powerautomate/automations/direct/workflows/…` (served from
 * `<environment>.<nn>.environment.api.powerplatform.com`): Microsoft's "Create incoming webhooks with
 * Workflows for Microsoft Teams" (https://support.microsoft.com/en-us/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498),
 * both forms in Apprise's apprise/plugins/workflows.py (github.com/caronc/apprise). The
 * `api.powerautomate.com`, `api.powerplatform.com` and `flow.microsoft.com` hosts: argo's
 * docs/services/teams-workflows.md (github.com/argoproj/notifications-engine). The retiring connector
 * hosts `*.webhook.office.com` and `outlook.office.com/webhook`: "Retirement of Office 365 connectors
 * within Microsoft Teams" (https://devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-microsoft-teams/).
 */
export const DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST = [
  "https://*.logic.azure.com/workflows/",
  // The usual form: prod-NN.<region>.logic.azure.com.
  "https://*.*.logic.azure.com/workflows/",
  "https://*.powerautomate.com/",
  "https://*.api.powerautomate.com/",
  "https://*.powerplatform.com/",
  "https://*.*.environment.api.powerplatform.com/powerautomate/",
  "https://flow.microsoft.com/",
  // Legacy connectors: being switched off by Microsoft, accepted so existing URLs keep working while they do.
  "https://*.webhook.office.com/",
  "https://outlook.office.com/webhook/",
].join(",");

/** How long the send-time DNS check waits; a webhook post that cannot even resolve its host is failing anyway. */
export const DESTINATION_LOOKUP_TIMEOUT_MS = 5_000;

/** One range of addresses a user's webhook URL must not reach (unless the allowlist names the host). */
export interface AddressRange {
  readonly network: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
  readonly name: string;
}

/**
 * Addresses that are not publicly routable, from the IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890 and its updates), plus multicast (RFC 5771, RFC 4291) and the reserved
 * 240.0.0.0/4. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are checked against the IPv4 ranges by
 * `net.BlockList` itself; NAT64 addresses (64:ff9b::/96) by the IPv4 address they embed.
 */
export const NON_PUBLIC_ADDRESS_RANGES: readonly AddressRange[] = [
  { network: "0.0.0.0", prefix: 8, family: "ipv4", name: "this network" },
  { network: "10.0.0.0", prefix: 8, family: "ipv4", name: "private" },
  { network: "100.64.0.0", prefix: 10, family: "ipv4", name: "shared address space (CGNAT)" },
  { network: "127.0.0.0", prefix: 8, family: "ipv4", name: "loopback" },
  { network: "169.254.0.0", prefix: 16, family: "ipv4", name: "link-local (cloud metadata services)" },
  { network: "172.16.0.0", prefix: 12, family: "ipv4", name: "private" },
  { network: "192.0.0.0", prefix: 24, family: "ipv4", name: "IETF protocol assignments" },
  { network: "192.0.2.0", prefix: 24, family: "ipv4", name: "documentation" },
  { network: "192.88.99.0", prefix: 24, family: "ipv4", name: "6to4 relay anycast" },
  { network: "192.168.0.0", prefix: 16, family: "ipv4", name: "private" },
  { network: "198.18.0.0", prefix: 15, family: "ipv4", name: "benchmarking" },
  { network: "198.51.100.0", prefix: 24, family: "ipv4", name: "documentation" },
  { network: "203.0.113.0", prefix: 24, family: "ipv4", name: "documentation" },
  { network: "224.0.0.0", prefix: 4, family: "ipv4", name: "multicast" },
  { network: "240.0.0.0", prefix: 4, family: "ipv4", name: "reserved and broadcast" },
  { network: "::", prefix: 96, family: "ipv6", name: "unspecified, loopback and IPv4-compatible" },
  { network: "64:ff9b:1::", prefix: 48, family: "ipv6", name: "local-use NAT64" },
  { network: "100::", prefix: 64, family: "ipv6", name: "discard-only" },
  { network: "2001::", prefix: 23, family: "ipv6", name: "IETF protocol assignments (Teredo, benchmarking, ORCHID)" },
  { network: "2001:db8::", prefix: 32, family: "ipv6", name: "documentation" },
  { network: "2002::", prefix: 16, family: "ipv6", name: "6to4" },
  { network: "3fff::", prefix: 20, family: "ipv6", name: "documentation" },
  { network: "5f00::", prefix: 16, family: "ipv6", name: "segment routing (SRv6) SIDs" },
  { network: "fc00::", prefix: 7, family: "ipv6", name: "unique-local" },
  { network: "fe80::", prefix: 10, family: "ipv6", name: "link-local" },
  { network: "fec0::", prefix: 10, family: "ipv6", name: "site-local (deprecated)" },
  { network: "ff00::", prefix: 8, family: "ipv6", name: "multicast" },
];

/** RFC 6052's well-known NAT64 prefix: the last 32 bits are the IPv4 address actually reached. */
const NAT64_PREFIX = { network: "64:ff9b::", prefix: 96 };

const NON_PUBLIC = new BlockList();
for (const range of NON_PUBLIC_ADDRESS_RANGES) NON_PUBLIC.addSubnet(range.network, range.prefix, range.family);
const NAT64 = new BlockList();
NAT64.addSubnet(NAT64_PREFIX.network, NAT64_PREFIX.prefix, "ipv6");

/** One URL prefix of PERSONAL_WEBHOOK_ALLOWLIST, parsed. */
export interface WebhookAllowlistEntry {
  /** The entry as written, for messages. */
  readonly text: string;
  readonly protocol: "http:" | "https:";
  /** The host, lowercase: DNS labels (`*` matching exactly one label), or one IP literal (IPv6 in brackets). */
  readonly host: string;
  /** "" for the scheme's default port, as `URL.port` gives it. */
  readonly port: string;
  /** A path prefix, matched on whole segments (see `allowlistPermits`). */
  readonly pathPrefix: string;
  /**
   * The host is written out, without a wildcard: the administrator named it, so it may resolve to
   * private or loopback addresses (a local relay, a test server). A wildcard host only ever
   * resolves to public addresses.
   */
  readonly literalHost: boolean;
}

export interface WebhookAllowlist {
  readonly entries: readonly WebhookAllowlistEntry[];
}

/** A destination refused by the send-time check: not on the allowlist, or resolving to a non-public address. */
export class UnsafeDestinationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafeDestinationError";
  }
}

/** The host of an allowed URL could not be resolved (or not in time): worth trying again later. */
export class DestinationLookupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DestinationLookupError";
  }
}

/** A DNS label (letters, digits, hyphens; underscores as some hosts use them), at most 63 characters. */
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;
/** What a wildcard may stand for in a URL's (already parsed and lowercased) host. */
const WILDCARD_LABEL = /^[a-z0-9_-]{1,63}$/;
const ENTRY = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)([?#].*)?$/i;
const AUTHORITY = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i;
const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

/**
 * Parses PERSONAL_WEBHOOK_ALLOWLIST: comma-separated URL prefixes such as
 * `https://*.logic.azure.com/workflows/` or `http://127.0.0.1:8123/`, where `*` stands for exactly
 * one host label. Blank items (a trailing comma, line breaks) are skipped; an empty text allows
 * nothing, which turns personal Teams URLs off.
 *
 * @throws Error naming the first bad entry and what is wrong with it
 */
export function parseWebhookAllowlist(text: string): WebhookAllowlist {
  const entries = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map(parseEntry);
  return { entries };
}

function parseEntry(text: string): WebhookAllowlistEntry {
  const bad = (reason: string) => new Error(`"${text}" is not a valid allowlist entry: ${reason}`);
  const match = ENTRY.exec(text);
  if (!match) throw bad("write a URL prefix such as https://*.logic.azure.com/workflows/");
  const [, scheme, authority, path, rest] = match;
  const protocol = `${scheme.toLowerCase()}:`;
  if (protocol !== "http:" && protocol !== "https:") throw bad("only http:// and https:// are allowed");
  if (rest !== undefined) throw bad("a prefix is scheme, host, optional port and path, without ? or #");
  if (authority.includes("@")) throw bad("user names and passwords are not allowed");
  const parts = AUTHORITY.exec(authority);
  if (!parts) throw bad("the host is missing or malformed");
  const [, rawHost, rawPort] = parts;

  let port = "";
  if (rawPort !== undefined) {
    const number = Number(rawPort);
    if (number < 1 || number > 65535) throw bad("the port must be from 1 to 65535");
    port = String(number) === DEFAULT_PORTS[protocol] ? "" : String(number);
  }

  const host = rawHost.toLowerCase();
  const literalHost = !host.includes("*");
  if (host.startsWith("[") || isIP(host) !== 0) {
    // An IP literal: compared in URL's canonical form (`[::1]`, `127.0.0.1`).
    const canonical = canonicalHost(host);
    if (canonical === null) throw bad("the IP address is malformed");
    return { text, protocol, host: canonical, port, pathPrefix: normalPath(path, bad), literalHost: true };
  }
  const labels = host.split(".");
  for (const label of labels) {
    if (label === "*") continue;
    if (label.includes("*")) throw bad("`*` must stand for a whole host label, as in https://*.example.com/");
    if (!DNS_LABEL.test(label)) throw bad(`"${label}" is not a valid host label`);
  }
  const lastWildcard = labels.lastIndexOf("*");
  // "*.com" or "*.*" would let users aim at any host of a TLD: a wildcard needs a named domain after it.
  if (lastWildcard !== -1 && labels.length - lastWildcard - 1 < 2) {
    throw bad("a wildcard must be followed by at least two named labels (https://*.example.com/)");
  }
  if (/^\d+$/.test(labels[labels.length - 1])) throw bad("a host ending in a number must be a whole IPv4 address, without wildcards");
  if (literalHost && canonicalHost(host) !== host) throw bad("the host is not in its canonical form");
  return { text, protocol, host, port, pathPrefix: normalPath(path, bad), literalHost };
}

/** The host as `new URL` would print it, or null when it is no valid host. */
function canonicalHost(host: string): string | null {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
}

/** "" becomes "/"; anything `new URL` would rewrite (dot segments, spaces, backslashes) is refused. */
function normalPath(path: string, bad: (reason: string) => Error): string {
  const prefix = path === "" ? "/" : path;
  const normal = new URL(`http://host.invalid${prefix}`).pathname;
  if (normal !== prefix) throw bad(`the path must be in URL normal form (${normal})`);
  return prefix;
}

/**
 * Whether `url` falls under one of the allowlist's prefixes. Compared on the parsed URL, part by
 * part — scheme, host label by label, port, path — so a prefix in a query string, a look-alike
 * host (`….logic.azure.com.evil.com`) or user info (`https://….logic.azure.com@evil.com/`) does
 * not pass. URLs with user info are refused outright: no webhook URL carries any.
 */
export function allowlistPermits(allowlist: WebhookAllowlist, url: string): boolean {
  return matchingEntries(allowlist, url).length > 0;
}

function matchingEntries(allowlist: WebhookAllowlist, url: string): WebhookAllowlistEntry[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  if (parsed.username !== "" || parsed.password !== "") return [];
  return allowlist.entries.filter((entry) => entryPermits(entry, parsed));
}

function entryPermits(entry: WebhookAllowlistEntry, url: URL): boolean {
  return (
    url.protocol === entry.protocol &&
    url.port === entry.port &&
    hostMatches(entry, url.hostname) &&
    pathMatches(entry.pathPrefix, url.pathname)
  );
}

function hostMatches(entry: WebhookAllowlistEntry, hostname: string): boolean {
  if (entry.literalHost) return hostname === entry.host;
  const wanted = entry.host.split(".");
  const labels = hostname.split(".");
  return (
    labels.length === wanted.length &&
    wanted.every((label, i) => (label === "*" ? WILDCARD_LABEL.test(labels[i]) : label === labels[i]))
  );
}

/** On whole segments: `/workflows` permits `/workflows` and `/workflows/…`, not `/workflowsevil`. */
function pathMatches(prefix: string, pathname: string): boolean {
  if (prefix.endsWith("/")) return pathname.startsWith(prefix);
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** Whether a resolved address is publicly routable (not in NON_PUBLIC_ADDRESS_RANGES). */
export function isPublicAddress(address: string): boolean {
  // A zone id (fe80::1%eth0) says which interface, not which address.
  const bare = address.split("%")[0];
  const family = isIP(bare);
  if (family === 0) return false;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (NON_PUBLIC.check(bare, type)) return false;
  if (type === "ipv6" && NAT64.check(bare, "ipv6")) return isPublicAddress(embeddedIpv4(bare));
  return true;
}

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function embeddedIpv4(ipv6: string): string {
  // URL prints IPv6 compressed, in hex, always ending in two hextets (or "::", which NAT64 excludes).
  const hextets = new URL(`http://[${ipv6}]/`).hostname.slice(1, -1).split(":");
  const value = (parseInt(hextets.at(-2) || "0", 16) << 16) | parseInt(hextets.at(-1) || "0", 16);
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}

/** `dns.promises.lookup` with `{ all: true }`, or a stand-in for tests. */
export type LookupAll = (hostname: string, options: { all: true }) => Promise<LookupAddress[]>;

/**
 * The send-time check of a user's webhook URL, called before every attempt: the URL must still be
 * on the allowlist, and every address its host resolves to must be public — unless an allowlist
 * entry that permits the URL names that host literally (`http://127.0.0.1:8123/`), which is an
 * administrator's decision. Resolving every address closes the trick of a wildcard host whose DNS
 * the user controls pointing at 169.254.169.254 or 10.0.0.1.
 *
 * Returns the checked addresses, so the caller connects to exactly those (no second DNS answer, no
 * rebinding), or undefined when the host is trusted by name and resolves as usual.
 *
 * @throws UnsafeDestinationError when the URL is refused; the message names the host, never the URL
 * @throws DestinationLookupError when the host cannot be resolved
 */
export async function assertSafeDestination(
  allowlist: WebhookAllowlist,
  url: string,
  lookup: LookupAll = dns.lookup,
): Promise<string[] | undefined> {
  const entries = matchingEntries(allowlist, url);
  if (entries.length === 0) throw new UnsafeDestinationError("the URL is not on PERSONAL_WEBHOOK_ALLOWLIST");
  if (entries.some((entry) => entry.literalHost)) return undefined;
  return publicAddresses(url, lookup);
}

/**
 * The send-time check of a superuser's webhook URL (system settings, routing rules): any host, but
 * only public addresses, unless an entry of SYSTEM_WEBHOOK_ALLOWLIST that permits the URL names its
 * host literally (an on-premises relay, a test server on 127.0.0.1). A DefectDojo superuser is not
 * thereby trusted with the bridge's network.
 *
 * Returns the checked addresses to connect to (pinned), or undefined for an exempt host.
 *
 * @throws UnsafeDestinationError when the host is or resolves to an address that is not public
 * @throws DestinationLookupError when the host cannot be resolved
 */
export async function assertPublicDestination(
  exempt: WebhookAllowlist,
  url: string,
  lookup: LookupAll = dns.lookup,
): Promise<string[] | undefined> {
  if (isExempt(exempt, url)) return undefined;
  return publicAddresses(url, lookup);
}

/**
 * The set-time check of a superuser's webhook URL: an IP literal that is not public is refused at
 * once, unless SYSTEM_WEBHOOK_ALLOWLIST names it; a host name is not resolved here (what it resolves
 * to is checked at every send). Returns why the URL is refused, or null.
 */
export function nonPublicLiteralReason(exempt: WebhookAllowlist, url: string): string | null {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return null; // the http(s) check names it
  }
  const bareHost = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  if (isIP(bareHost) === 0 || isPublicAddress(bareHost) || isExempt(exempt, url)) return null;
  return `points at ${hostname}, which is not a public address; an administrator may allow it by naming it in SYSTEM_WEBHOOK_ALLOWLIST`;
}

function isExempt(exempt: WebhookAllowlist, url: string): boolean {
  return matchingEntries(exempt, url).some((entry) => entry.literalHost);
}

/** Every address `url`'s host is or resolves to, all public; else the first that is not is named. */
async function publicAddresses(url: string, lookup: LookupAll): Promise<string[]> {
  const hostname = new URL(url).hostname;
  const bareHost = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  const addresses = isIP(bareHost) !== 0 ? [bareHost] : (await resolveAll(lookup, bareHost)).map((found) => found.address);
  if (addresses.length === 0) throw new DestinationLookupError(`${hostname} resolves to no address`);
  const refused = addresses.find((address) => !isPublicAddress(address));
  if (refused !== undefined) {
    throw new UnsafeDestinationError(`${hostname} resolves to ${refused}, which is not a public address`);
  }
  return addresses;
}

async function resolveAll(lookup: LookupAll, hostname: string): Promise<LookupAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DestinationLookupError(`${hostname} did not resolve within ${DESTINATION_LOOKUP_TIMEOUT_MS} ms`)),
      DESTINATION_LOOKUP_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([lookup(hostname, { all: true }), timeout]);
  } catch (error) {
    if (error instanceof DestinationLookupError) throw error;
    const code = (error as NodeJS.ErrnoException | null)?.code;
    throw new DestinationLookupError(`${hostname} could not be resolved${code ? ` (${code})` : ""}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
