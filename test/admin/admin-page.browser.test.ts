import { accessSync, constants, mkdirSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { Browser, BrowserContext, chromium, Page } from "playwright-core";
import { buildAdminUi } from "../../scripts/build-admin-ui";
import { SLACK_PEER_TOKEN } from "../peers/slack-peer";
import { webhookFixture } from "../support/fixtures";
import { rawRequest } from "../support/http-client";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay, SUPERUSER_TOKEN, USER_TOKEN, WEBHOOK_SECRET } from "../support/relay-harness";

const ROOT = resolve(__dirname, "..", "..");
/** Not committed (.gitignore): a look at every page after each run. */
const SCREENSHOTS = join(ROOT, "artifacts", "screenshots");

/** Debian's Chromium, where `command -v chromium` finds it (`.ci/run` installs it); null elsewhere. */
function findChromium(): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, "chromium"), constants.X_OK);
      return join(dir, "chromium");
    } catch {
      // not in this directory
    }
  }
  return null;
}

const CHROMIUM = findChromium();
/** Like the PostgreSQL tests: without Chromium these report themselves skipped. */
const describeBrowser = CHROMIUM ? describe : describe.skip;

const SYSTEM_PAGES = [
  { route: "#/system/settings", title: "System Settings" },
  { route: "#/system/notifications", title: "System Notifications" },
  { route: "#/system/rules", title: "Routing rules" },
  { route: "#/system/connect", title: "Connect DefectDojo" },
  { route: "#/system/kept-aside", title: "Kept aside" },
];

/**
 * The page as a person uses it, in Chromium, against a real bridge and the peers. The bundle is
 * built here from src/admin-ui with the build's own function, so a bare `npx jest test/admin`
 * tests the current sources (and `npm test`, which has just built it, gets the same files again).
 */
describe("the admin page", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeAll(async () => {
    await buildAdminUi(ROOT);
    peers = await startPeers();
    relay = await startTestRelay(peers, { env: { POLL_CRON: "off" } });
  });
  afterAll(async () => {
    await relay?.close();
    await peers?.close();
  });

  it("is served by the bridge at /admin with its script and stylesheet", async () => {
    const page = await rawRequest(`${relay.relay.url}/admin`, { method: "GET" });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.body).toContain('<script src="/admin/app.js" defer></script>');
    const script = await rawRequest(`${relay.relay.url}/admin/app.js`, { method: "GET" });
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    const style = await rawRequest(`${relay.relay.url}/admin/style.css`, { method: "GET" });
    expect(style.status).toBe(200);
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  describeBrowser("in Chromium", () => {
    let browser: Browser;
    const shots: string[] = [];

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROMIUM!,
        headless: true,
        args: ["--no-sandbox", "--disable-background-networking"],
      });
    });
    afterAll(async () => {
      await browser?.close();
      if (shots.length > 0) process.stdout.write(`admin page: ${shots.length} screenshots in ${SCREENSHOTS}\n`);
    });

    /**
     * A fresh tab with its own sessionStorage, failing the test on any console error, script error,
     * CSP refusal or failed request (a missing favicon included), and waiting for the page's icon.
     */
    async function openPage(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const problems: string[] = [];
      // GraphQL errors arrive as HTTP 4xx, which Chromium logs too; the page shows those itself.
      const isGraphql = (url: string) => new URL(url).pathname === "/graphql";
      page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() !== "error") return;
        const source = message.location().url;
        if (/^Failed to load resource/.test(message.text()) && source && isGraphql(source)) return;
        problems.push(`console: ${message.text()} (${source})`);
      });
      page.on("response", (response) => {
        if (response.status() >= 400 && !isGraphql(response.url())) problems.push(`${response.status()} ${response.url()}`);
      });
      page.on("requestfailed", (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
      const icon = page.waitForResponse((response) => new URL(response.url()).pathname === "/admin/favicon.svg");
      await page.goto(`${relay.relay.url}/admin`);
      expect((await icon).status()).toBe(200);
      return { context, page, problems };
    }

    async function screenshot(page: Page, name: string): Promise<void> {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      shots.push(path);
    }

    async function signIn(page: Page, token: string): Promise<void> {
      await page.getByLabel("DefectDojo API key").fill(token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("button", { name: "Sign out" }).waitFor();
    }

    /** Opens a page by its navigation link and waits for its heading. */
    async function go(page: Page, title: string): Promise<void> {
      await page.getByRole("navigation").getByRole("link", { name: title, exact: true }).click();
      await page.getByRole("heading", { level: 1, name: title }).waitFor();
    }

    const focused = (page: Page) =>
      page.evaluate("(() => { const e = document.activeElement; return { tag: e.tagName, id: e.id, text: e.textContent, outline: getComputedStyle(e).outlineStyle }; })()") as Promise<{
        tag: string;
        id: string;
        text: string;
        outline: string;
      }>;

    /**
     * DefectDojo sends user_mentioned and review_requested only to their recipients' own webhook
     * endpoints (3.2 and 2.58.2-changelog dojo/notifications/helper.py, `filter(owner=user)`): their rows
     * show why, and no checkbox that could never fire.
     */
    async function expectPersonalOnlyNotes(page: Page, table: string): Promise<void> {
      const matrix = page.getByRole("table", { name: table });
      for (const label of ["User mentioned", "Review requested"]) {
        const row = matrix.getByRole("row").filter({ has: page.getByRole("rowheader", { name: label, exact: true }) });
        await row.getByRole("cell").filter({ hasText: "DefectDojo sends this event only to the users it names" }).waitFor();
        expect(await row.getByRole("checkbox").count()).toBe(0);
      }
      // The other events keep their three checkboxes.
      const scan = matrix.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Scan added", exact: true }) });
      expect(await scan.getByRole("checkbox").count()).toBe(3);
    }

    it("lets a superuser turn on Slack, send a test that arrives, see it SENT among the deliveries and retry a FAILED one", async () => {
      const { context, page, problems } = await openPage();
      await screenshot(page, "01-sign-in");
      await signIn(page, SUPERUSER_TOKEN);
      await page.getByRole("heading", { level: 1, name: "System Settings" }).waitFor();
      for (const { title } of SYSTEM_PAGES) await page.getByRole("link", { name: title, exact: true }).waitFor();

      const slack = page.getByRole("group", { name: "Slack" });
      await slack.getByLabel("Enable Slack notifications").check();
      await slack.getByText("not set", { exact: true }).waitFor();
      // Nothing stored yet: the button offers to set one, not to replace one.
      expect(await slack.getByRole("button", { name: "Replace" }).count()).toBe(0);
      await slack.getByRole("button", { name: "Set", exact: true }).click();
      await slack.getByLabel("Slack token").fill(SLACK_PEER_TOKEN);
      await slack.getByLabel("Slack Channel").fill("#security");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "System settings saved." }).waitFor();
      // Stored, shown only as "set", and gone from the page.
      await slack.getByText("set", { exact: true }).waitFor();
      await slack.getByRole("button", { name: "Replace" }).waitFor();
      expect(await slack.getByLabel("Slack token").count()).toBe(0);
      expect(await page.content()).not.toContain(SLACK_PEER_TOKEN);

      await slack.getByRole("button", { name: "Send test" }).click();
      await slack.getByRole("status").filter({ hasText: "SENT" }).waitFor();
      expect(await slack.getByRole("status").textContent()).toBe("Slack test to #security: SENT after 1 attempt");
      await screenshot(page, "02-system-settings");

      const [message] = peers.slack.callsOf("chat.postMessage");
      expect(message).toMatchObject({ token: SLACK_PEER_TOKEN, args: { channel: "#security" } });

      // Slack refusing for good: FAILED at once, the error shown; retried below from the Deliveries page.
      peers.slack.failNext([{ body: { ok: false, error: "channel_not_found" } }]);
      await slack.getByRole("button", { name: "Send test" }).click();
      await slack.getByRole("status").filter({ hasText: "FAILED" }).waitFor();
      expect(await slack.getByRole("status").textContent()).toMatch(/^Slack test to #security: FAILED after 1 attempt: .*channel_not_found/);

      await go(page, "Deliveries");
      const rows = page.getByRole("table", { name: "Deliveries, newest first" }).getByRole("row");
      await rows.nth(2).waitFor();
      const cells = (index: number) => rows.nth(index).getByRole("cell").allTextContents();
      const row = (status: string, lastError: unknown, action: unknown) =>
        [expect.any(String), expect.stringContaining("test_notification"), "Slack", "#security", status, "1", lastError, action];
      expect(await cells(1)).toEqual(row("FAILED", expect.stringContaining("channel_not_found"), expect.stringMatching(/^Retry/)));
      expect(await cells(2)).toEqual(row("SENT", "", ""));
      await screenshot(page, "03-deliveries");

      await page.getByLabel("Status").selectOption("FAILED");
      await page.getByText("1 shown.").waitFor();
      await page.getByRole("button", { name: /^Retry/ }).click();
      await page.getByRole("status").filter({ hasText: "is queued again" }).waitFor();
      await eventually(() => (peers.slack.callsOf("chat.postMessage").length === 3 ? true : undefined));
      await eventually(async () => {
        const failed = await relay.graphql<{ deliveries: { edges: unknown[] } }>("{ deliveries(status: FAILED) { edges { cursor } } }");
        return failed.data?.deliveries.edges.length === 0 ? true : undefined;
      });
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.getByText("No deliveries with status FAILED.").waitFor();

      await go(page, "System Notifications");
      await page.getByRole("table", { name: "System notifications by event and channel" }).waitFor();
      for (const label of ["Product type added", "Scan added", "JIRA problems", "SLA breach", "SLA breach (combined)", "Risk Acceptance Expiration"]) {
        await page.getByRole("rowheader", { name: label, exact: true }).waitFor();
      }
      await expectPersonalOnlyNotes(page, "System notifications by event and channel");
      // Off by default, as in DefectDojo.
      await page.getByLabel("Scan added empty: Slack").check();
      await page.getByLabel("Product added: Mail").uncheck();
      // Both rows go in one setSystemNotifications mutation.
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "Saved 2 events." }).waitFor();
      const stored = await relay.graphql<{ systemNotifications: Array<{ event: string; channels: string[] }> }>(
        "{ systemNotifications { event channels } }",
      );
      expect(stored.data?.systemNotifications.find((row) => row.event === "SCAN_ADDED_EMPTY")?.channels).toEqual(["SLACK"]);
      expect(stored.data?.systemNotifications.find((row) => row.event === "PRODUCT_ADDED")?.channels).toEqual(["SLACK", "MSTEAMS"]);
      await screenshot(page, "04-system-notifications");

      await go(page, "Routing rules");
      await page.getByRole("button", { name: "New rule" }).click();
      await page.getByLabel("Name", { exact: true }).fill("Critical findings to #sec-high");
      await page.getByLabel("Scan added", { exact: true }).check();
      await page.getByLabel("Minimum severity").selectOption("CRITICAL");
      await page.getByLabel("Target 1: Slack channel").fill("#sec-high");
      await page.getByRole("button", { name: "Create rule" }).click();
      await page.getByRole("heading", { level: 2, name: /Critical findings to #sec-high/ }).waitFor();
      await screenshot(page, "05-routing-rules");

      await go(page, "Connect DefectDojo");
      await page.getByText("reachable", { exact: true }).waitFor();
      await page.getByRole("button", { name: "Import settings from DefectDojo" }).click();
      await page.getByRole("status").filter({ hasText: "Import done" }).waitFor();
      await page.getByRole("heading", { level: 3, name: /^Imported/ }).waitFor();
      await page.getByRole("button", { name: "Register webhook" }).click();
      await page.getByRole("status").filter({ hasText: "DefectDojo webhook" }).waitFor();
      // The connection is asked again after registering: DefectDojo now has the endpoint.
      await page.getByText("Active (active)").waitFor();
      await screenshot(page, "06-connect");

      await go(page, "Profile");
      await page.getByLabel("Slack Email Address").waitFor();
      await screenshot(page, "07-profile");
      await go(page, "Personal Notifications");
      await page.getByRole("table", { name: "Your notifications by event and channel" }).waitFor();
      await expectPersonalOnlyNotes(page, "Your notifications by event and channel");
      await page.getByLabel("Scan added: Mail").check();
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "Saved 1 event." }).waitFor();
      const mine = await relay.graphql<{ me: { notifications: Array<{ event: string; channels: string[] }> } }>(
        "{ me { notifications { event channels } } }",
      );
      expect(mine.data?.me.notifications.find((row) => row.event === "SCAN_ADDED")?.channels).toEqual(["MAIL"]);
      await screenshot(page, "08-personal-notifications");

      await page.setViewportSize({ width: 390, height: 844 });
      await go(page, "System Settings");
      await screenshot(page, "09-system-settings-phone");
      await go(page, "Deliveries");
      await page.getByRole("row").filter({ hasText: "test_notification" }).first().waitFor();
      await screenshot(page, "10-deliveries-phone");
      // A phone scrolls the wide table, never the page.
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);

      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);

    it("lets a superuser create, reorder, preview and delete routing rules", async () => {
      const { context, page, problems } = await openPage();
      await signIn(page, SUPERUSER_TOKEN);
      await go(page, "Routing rules");
      const create = async (name: string, slackChannel: string) => {
        await page.getByRole("button", { name: "New rule" }).click();
        await page.getByLabel("Name", { exact: true }).fill(name);
        await page.getByLabel("Product added", { exact: true }).check();
        await page.getByLabel("Target 1: Slack channel").fill(slackChannel);
        await page.getByRole("button", { name: "Create rule" }).click();
        await page.getByRole("heading", { level: 2, name: new RegExp(`^${name}`) }).waitFor();
      };
      await create("Products to #products", "#products");
      await create("Products to #audit", "#audit");
      const order = async () =>
        (await relay.graphql<{ routingRules: Array<{ name: string }> }>("{ routingRules { name } }")).data!.routingRules
          .map((rule) => rule.name)
          .filter((name) => name.startsWith("Products"));
      expect(await order()).toEqual(["Products to #products", "Products to #audit"]);

      await page.getByRole("button", { name: "Move up Products to #audit", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "Moved “Products to #audit” up." }).waitFor();
      expect(await order()).toEqual(["Products to #audit", "Products to #products"]);

      // The first matching rule wins (neither continues), so the preview follows the new order.
      await page.getByLabel("Event name").fill("product_added");
      await page.getByLabel("Payload").fill(JSON.stringify(webhookFixture("product_added")));
      await page.getByRole("button", { name: "Preview", exact: true }).click();
      const preview = page.getByRole("table", { name: "Where the event would go" });
      await preview.waitFor();
      expect(await preview.getByRole("row").allTextContents()).toEqual(["ChannelTargetRuleDigest window", "Slack#auditProducts to #auditat once"]);
      await screenshot(page, "14-routing-rules-preview");

      await page.getByRole("button", { name: "Delete Products to #audit", exact: true }).click();
      await page.getByRole("button", { name: "Really delete “Products to #audit”" }).click();
      await page.getByRole("status").filter({ hasText: "Deleted “Products to #audit”." }).waitFor();
      expect(await order()).toEqual(["Products to #products"]);
      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);

    it("shows a superuser the webhook requests kept aside, their text shown as text and never run", async () => {
      const { context, page, problems } = await openPage();
      const hostile = `<img src=x onerror="window.__ran=1"><script>window.__ran=2</script>`;
      const response = await rawRequest(`${relay.relay.url}/webhooks/defectdojo`, {
        headers: { "Content-Type": "application/json", "X-DefectDojo-Event": "product_added", Authorization: WEBHOOK_SECRET },
        body: `{"title": "${hostile}"`,
      });
      expect(response.status).toBe(202);
      await signIn(page, SUPERUSER_TOKEN);
      await go(page, "Kept aside");
      const item = page.locator("li[data-reason=INVALID_JSON]").first();
      await item.getByText("the body is not valid JSON").waitFor();
      await item.locator("summary", { hasText: "Body" }).click();
      await item.getByText(hostile, { exact: false }).waitFor();
      await item.locator("summary", { hasText: "Headers" }).click();
      await item.getByText("Authorization: [redacted]").waitFor();
      expect(await page.evaluate("window.__ran")).toBeUndefined();
      expect(await page.locator("li[data-reason] img, li[data-reason] script").count()).toBe(0);
      expect(await page.content()).not.toContain(WEBHOOK_SECRET);
      await screenshot(page, "15-kept-aside");
      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);

    it("shows a plain user only their own pages, and nothing of the system pages even by address", async () => {
      const { context, page, problems } = await openPage();
      const operations: string[] = [];
      page.on("request", (request) => {
        if (request.url().endsWith("/graphql")) operations.push(request.postData() ?? "");
      });
      await signIn(page, USER_TOKEN);
      await page.getByRole("heading", { level: 1, name: "Profile" }).waitFor();
      const nav = page.getByRole("navigation");
      expect(await nav.getByRole("link").allTextContents()).toEqual(["Profile", "Personal Notifications", "Deliveries"]);
      expect(await nav.getByText("System").count()).toBe(0);
      await screenshot(page, "11-user-profile");

      for (const { route, title } of SYSTEM_PAGES) {
        await page.goto(`${relay.relay.url}/admin${route}`);
        await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
        const text = await page.locator("body").innerText();
        expect(text).not.toContain(title);
        for (const label of ["Slack token", "Msteams url", "Routing", "Register webhook", "Import settings"]) expect(text).not.toContain(label);
      }
      await screenshot(page, "12-user-system-page-not-found");
      // Not even asked for: the page never sent a system operation.
      expect(operations.join("\n")).not.toMatch(/systemSettings|systemNotifications|routingRules|defectDojoConnection|keptAsideRequests/);

      await go(page, "Deliveries");
      await page.getByText("No deliveries.").waitFor();
      await screenshot(page, "13-user-deliveries");
      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);

    it("can be signed into with the keyboard alone, shows where the focus is, and forgets the key on sign-out", async () => {
      const { context, page, problems } = await openPage();
      // The sign-in page puts the focus in the key's field once it has rendered.
      await page.waitForFunction("document.activeElement && document.activeElement.id === 'api-key'");
      await page.keyboard.type(SUPERUSER_TOKEN);
      await page.keyboard.press("Tab");
      expect(await focused(page)).toMatchObject({ tag: "BUTTON", text: "Sign in", outline: "solid" });
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: "System Settings" }).waitFor();
      // The new page's heading takes the focus, as a page load would put the reader at its top.
      await page.waitForFunction("document.activeElement && document.activeElement.tagName === 'H1'");
      expect(await focused(page)).toMatchObject({ tag: "H1", text: "System Settings" });
      await page.getByLabel("Enable Slack notifications").waitFor();
      await page.keyboard.press("Tab");
      expect(await focused(page)).toMatchObject({ tag: "INPUT", id: "enable-slack", outline: "solid" });

      // A reload keeps the tab signed in; signing out forgets the key.
      await page.reload();
      await page.getByRole("heading", { level: 1, name: "System Settings" }).waitFor();
      expect(await page.evaluate("sessionStorage.length")).toBe(1);
      expect(await page.evaluate("localStorage.length")).toBe(0);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("DefectDojo API key").waitFor();
      expect(await page.evaluate("sessionStorage.length")).toBe(0);
      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);

    // DefectDojo HEAD and 2.58.2-changelog dojo/notifications/helper.py: a refused connection turns the endpoint
    // inactive_permanent; the bridge re-creates it and tells what DefectDojo skipped meanwhile.
    it("tells on the Connect page when DefectDojo skipped its webhook, and when the bridge turned it back on", async () => {
      const ours =
        peers.dojo.webhookEndpoints().find((endpoint) => endpoint.owner === null && endpoint.name === "Dojo Relay")?.id ??
        peers.dojo.addWebhookEndpoint({ name: "Dojo Relay", url: `${relay.relay.url}/webhooks/defectdojo`, headerName: "Authorization", headerValue: WEBHOOK_SECRET });
      peers.dojo.setWebhookStatus(ours, "inactive_permanent", "Exception: Connection refused");
      // The bridge looks every 10 s (DOJO_WEBHOOK_CHECK_MS).
      await eventually(async () => {
        const result = await relay.graphql<{ defectDojoConnection: { lastHealedAt: string | null } }>("{ defectDojoConnection { lastHealedAt } }");
        return result.data?.defectDojoConnection.lastHealedAt ?? undefined;
      }, 25_000);
      const { context, page, problems } = await openPage();
      await signIn(page, SUPERUSER_TOKEN);
      await go(page, "Connect DefectDojo");
      await page.getByText(/^DefectDojo skipped its webhook from \S+ to \S+; events of these kinds may be missing: jira_update/).waitFor();
      await page.getByText("Last turned back on").waitFor();
      await page.getByText("Active (active)").waitFor();
      await screenshot(page, "11-connect-healed");
      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);

    it("shows a refused key's error next to the form and stays signed out", async () => {
      const { context, page, problems } = await openPage();
      await page.getByLabel("DefectDojo API key").fill("not-a-key");
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toContain("UNAUTHENTICATED");
      expect(await alert.textContent()).not.toContain("not-a-key");
      expect(await page.evaluate("sessionStorage.length")).toBe(0);
      await eventually(async () => ((await page.getByLabel("DefectDojo API key").inputValue()) === "" ? true : undefined));
      expect(problems).toEqual([]);
      await context.close();
    });
  });
});
