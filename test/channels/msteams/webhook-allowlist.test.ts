import { LookupAddress } from "node:dns";
import {
  allowlistPermits,
  assertSafeDestination,
  DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST,
  DESTINATION_LOOKUP_TIMEOUT_MS,
  DestinationLookupError,
  isPublicAddress,
  LookupAll,
  NON_PUBLIC_ADDRESS_RANGES,
  parseWebhookAllowlist,
  UnsafeDestinationError,
} from "../../../src/channels/msteams/webhook-allowlist";

const WORKFLOWS_URL =
  "https://prod-27.westeurope.logic.azure.com:443/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIGNATURE";

const defaults = parseWebhookAllowlist(DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST);

/** A resolver answering from a table, as `dns.promises.lookup(host, { all: true })` would; records what it was asked. */
function fakeDns(table: Record<string, string[]>): LookupAll & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (hostname: string): Promise<LookupAddress[]> => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

describe("the default personal webhook allowlist", () => {
  it.each([
    WORKFLOWS_URL,
    "https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x",
    "https://westus.logic.azure.com/workflows/abc",
    "https://default0123456789abcdef0123456789ab.cd.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/f00/triggers/manual/paths/invoke?api-version=1&sig=x",
    "https://api.powerplatform.com/powerautomate/x",
    "https://api.powerautomate.com/webhook/x",
    "https://emea.api.powerautomate.com/x",
    "https://flow.microsoft.com/x",
    "https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d",
    "https://outlook.office.com/webhook/a@b/IncomingWebhook/c/d",
  ])("accepts %s", (url) => {
    expect(allowlistPermits(defaults, url)).toBe(true);
  });

  it.each([
    ["a prefix in the query string", "https://evil.com/?x=https://prod-1.westeurope.logic.azure.com/workflows/"],
    ["a look-alike host", "https://prod-1.westeurope.logic.azure.com.evil.com/workflows/"],
    ["user info before the real host", "https://prod-1.westeurope.logic.azure.com@evil.com/workflows/"],
    ["user info on an allowed host", "https://user:pw@prod-1.westeurope.logic.azure.com/workflows/"],
    ["plain http", "http://prod-1.westeurope.logic.azure.com/workflows/"],
    ["another port", "https://prod-1.westeurope.logic.azure.com:8443/workflows/"],
    ["another path", "https://prod-1.westeurope.logic.azure.com/admin/"],
    ["a path that only starts alike", "https://outlook.office.com/webhookevil/x"],
    ["dot segments out of the prefix", "https://prod-1.westeurope.logic.azure.com/workflows/%2e%2e/admin"],
    ["a wildcard standing for two labels", "https://a.b.c.logic.azure.com/workflows/"],
    ["a wildcard standing for no label", "https://logic.azure.com/workflows/"],
    ["a loopback address", "https://127.0.0.1/workflows/"],
    ["the metadata service", "http://169.254.169.254/latest/meta-data/"],
    ["not a URL", "prod-1.westeurope.logic.azure.com/workflows/"],
    ["another scheme", "ftp://prod-1.westeurope.logic.azure.com/workflows/"],
  ])("refuses %s", (_, url) => {
    expect(allowlistPermits(defaults, url)).toBe(false);
  });

  it("is https only", () => {
    expect(defaults.entries.length).toBeGreaterThan(5);
    expect(defaults.entries.every((entry) => entry.protocol === "https:")).toBe(true);
  });
});

describe("parseWebhookAllowlist", () => {
  it("reads comma-separated prefixes, skipping blanks, with default ports and case folded away", () => {
    const allowlist = parseWebhookAllowlist(" HTTPS://*.Example.com:443/hooks/ ,\n http://127.0.0.1:8123 ,, http://[::1]:9000/x ,");
    expect(allowlist.entries.map(({ protocol, host, port, pathPrefix, literalHost }) => ({ protocol, host, port, pathPrefix, literalHost }))).toEqual([
      { protocol: "https:", host: "*.example.com", port: "", pathPrefix: "/hooks/", literalHost: false },
      { protocol: "http:", host: "127.0.0.1", port: "8123", pathPrefix: "/", literalHost: true },
      { protocol: "http:", host: "[::1]", port: "9000", pathPrefix: "/x", literalHost: true },
    ]);
    expect(allowlistPermits(allowlist, "https://a.example.com/hooks/1")).toBe(true);
    expect(allowlistPermits(allowlist, "http://127.0.0.1:8123/anything")).toBe(true);
    expect(allowlistPermits(allowlist, "http://127.0.0.1:8124/anything")).toBe(false);
    expect(allowlistPermits(allowlist, "http://[::1]:9000/x/y")).toBe(true);
    expect(allowlistPermits(allowlist, "http://[::1]:9000/xy")).toBe(false);
  });

  it("allows nothing when empty", () => {
    expect(parseWebhookAllowlist("").entries).toEqual([]);
    expect(allowlistPermits(parseWebhookAllowlist(" , "), WORKFLOWS_URL)).toBe(false);
  });

  it.each([
    ["ftp://*.example.com/", /only http:\/\/ and https:\/\//],
    ["*.example.com/hooks", /URL prefix/],
    ["https:///hooks", /host/],
    ["https://user@hooks.example.com/", /user names/],
    ["https://hooks.example.com/x?sig=1", /without \? or #/],
    ["https://prod-*.example.com/", /whole host label/],
    ["https://*.com/", /at least two named labels/],
    ["https://*.*/", /at least two named labels/],
    ["https://*.1.2.3/", /IPv4/],
    ["https://hooks.example.com:0/", /port/],
    ["https://hooks.example.com:70000/", /port/],
    ["https://hooks..example.com/", /host label/],
    ["https://hooks.example.com/a/../b", /normal form/],
    ["https://[::1::2]/", /IP address/],
  ])("refuses %s with a message naming it", (entry, reason) => {
    expect(() => parseWebhookAllowlist(`https://ok.example.com/,${entry}`)).toThrow(reason);
    expect(() => parseWebhookAllowlist(entry)).toThrow(`"${entry}"`);
  });
});

describe("isPublicAddress", () => {
  it.each([
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1",
    "ff02::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1",
    "2001:db8::1", "not an address",
  ])("refuses %s", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["13.107.6.152", "8.8.8.8", "172.32.0.1", "2603:1030:20e:3::23c", "::ffff:13.107.6.152", "64:ff9b::d6b:698"])(
    "accepts %s",
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it("lists each range once, with a name", () => {
    const keys = NON_PUBLIC_ADDRESS_RANGES.map((range) => `${range.network}/${range.prefix}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"]));
    expect(NON_PUBLIC_ADDRESS_RANGES.every((range) => range.name !== "")).toBe(true);
  });
});

describe("assertSafeDestination", () => {
  it("accepts an allowed URL whose host resolves to public addresses only, and returns them to connect to", async () => {
    const dns = fakeDns({ "prod-27.westeurope.logic.azure.com": ["20.61.1.1", "2603:1020:203::1"] });
    await expect(assertSafeDestination(defaults, WORKFLOWS_URL, dns)).resolves.toEqual(["20.61.1.1", "2603:1020:203::1"]);
    expect(dns.asked).toEqual(["prod-27.westeurope.logic.azure.com"]);
  });

  it.each([
    ["loopback", ["127.0.0.1"]],
    ["a private address among public ones", ["20.61.1.1", "10.0.0.5"]],
    ["the metadata service", ["169.254.169.254"]],
    ["IPv6 loopback", ["::1"]],
    ["IPv4-mapped loopback", ["::ffff:127.0.0.1"]],
    ["IPv4-mapped private, in hex", ["::ffff:c0a8:101"]],
    ["unique-local IPv6", ["fd00::1"]],
    ["CGNAT", ["100.100.100.100"]],
  ])("refuses a wildcard host resolving to %s", async (_, addresses) => {
    const dns = fakeDns({ "prod-27.westeurope.logic.azure.com": addresses });
    const check = assertSafeDestination(defaults, WORKFLOWS_URL, dns);
    await expect(check).rejects.toThrow(UnsafeDestinationError);
    await expect(check).rejects.toThrow(/not a public address/);
    await expect(check).rejects.not.toThrow(/SIGNATURE/);
  });

  it("refuses a URL off the allowlist without resolving it", async () => {
    const dns = fakeDns({ "evil.com": ["20.61.1.1"] });
    await expect(assertSafeDestination(defaults, "https://evil.com/workflows/", dns)).rejects.toThrow(UnsafeDestinationError);
    await expect(
      assertSafeDestination(defaults, "https://prod-1.westeurope.logic.azure.com@evil.com/workflows/", dns),
    ).rejects.toThrow(/not on PERSONAL_WEBHOOK_ALLOWLIST/);
    expect(dns.asked).toEqual([]);
  });

  it("accepts loopback when the allowlist names the host literally, and only then", async () => {
    const dns = fakeDns({ "hooks.test": ["127.0.0.1"], "hooks.test.example": ["127.0.0.1"] });
    const local = parseWebhookAllowlist("http://127.0.0.1:8123/,http://hooks.test/,https://*.test.example/");
    await expect(assertSafeDestination(local, "http://127.0.0.1:8123/hook?sig=1", dns)).resolves.toBeUndefined();
    await expect(assertSafeDestination(local, "http://hooks.test/hook", dns)).resolves.toBeUndefined();
    await expect(assertSafeDestination(local, "https://hooks.test.example/", dns)).rejects.toThrow(/hooks.test.example resolves to 127.0.0.1/);
    await expect(assertSafeDestination(local, "http://127.0.0.1:9999/hook", dns)).rejects.toThrow(UnsafeDestinationError);
  });

  it("gives up on a lookup that does not answer in time", async () => {
    jest.useFakeTimers();
    try {
      const check = assertSafeDestination(defaults, WORKFLOWS_URL, () => new Promise<LookupAddress[]>(() => undefined));
      const settled = expect(check).rejects.toThrow(new DestinationLookupError(`prod-27.westeurope.logic.azure.com did not resolve within ${DESTINATION_LOOKUP_TIMEOUT_MS} ms`));
      await jest.advanceTimersByTimeAsync(DESTINATION_LOOKUP_TIMEOUT_MS);
      await settled;
    } finally {
      jest.useRealTimers();
    }
  });

  it("says when the host cannot be resolved", async () => {
    const check = assertSafeDestination(defaults, WORKFLOWS_URL, fakeDns({}));
    await expect(check).rejects.toThrow(DestinationLookupError);
    await expect(check).rejects.toThrow(/ENOTFOUND/);
    await expect(assertSafeDestination(defaults, WORKFLOWS_URL, fakeDns({ "prod-27.westeurope.logic.azure.com": [] }))).rejects.toThrow(
      /resolves to no address/,
    );
  });
});
