import { join } from "node:path";
import { parseWebhookPayload } from "../../../src/events/webhook-payload";
import { IMPORT_SETTLE_MS } from "../../../src/ingest/poll/resources/findings";
import { DojoPeer, startDojoPeer } from "../../peers/dojo-peer";
import { webhookFixture } from "../../support/fixtures";
import { tempDir } from "../../support/temp-dir";
import { DAY_MS, PollBench, startPollBench, summary, testClock } from "./poll-harness";

const day = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

/** An instance with some history: nothing of it may be notified on a first start. */
function seedHistory(peer: DojoPeer) {
  peer.addUser({ id: 1, username: "admin", isSuperuser: true });
  peer.addProductType({ id: 4, name: "notif prod type" });
  peer.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
  peer.addEngagement({ id: 7, productId: 4, name: "notif eng" });
  peer.addTest({ id: 90, engagementId: 7, title: "notif test", testTypeName: "Acunetix Scan" });
  for (let id = 200; id < 232; id++) peer.addFinding({ id, testId: 90, title: `old finding ${id}`, severity: "Critical" });
  peer.addTestImport({ id: 30, testId: 90, actions: [{ findingId: 200, action: "N" }] });
}

describe("the DefectDojo poller", () => {
  let peer: DojoPeer;
  let dir: ReturnType<typeof tempDir>;
  let bench: PollBench | undefined;
  const path = () => join(dir.path, "relay.sqlite");

  beforeEach(async () => {
    peer = await startDojoPeer();
    dir = tempDir();
    seedHistory(peer);
  });
  afterEach(async () => {
    await bench?.close();
    bench = undefined;
    await peer.close();
    dir.cleanup();
  });

  it("starts from now on a first start: history is not notified", async () => {
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    await bench.poller.runOnce();
    expect(await bench.events()).toEqual([]);
    expect(bench.poller.status().status).toBe("ok");
    const cursors = Object.fromEntries((await bench.cursors()).map((row) => [row.resource, row.cursor]));
    expect(cursors).toMatchObject({ product_types: "id 4", products: "id 4", tests: "id 90", findings: "id 231", test_imports: "id 30" });
    expect(peer.ignoredParams).toEqual([]);
  });

  it("finds each new object once, with DefectDojo's event names and texts", async () => {
    const clock = testClock();
    bench = await startPollBench(peer, path(), { now: clock.now });
    await bench.poller.runOnce();

    peer.addProductType({ id: 5, name: "payments" });
    peer.addProduct({ id: 8, name: "checkout", productTypeId: 5 });
    peer.addEngagement({ id: 11, productId: 8, name: "CI/CD" });
    peer.addTest({ id: 95, engagementId: 11, title: "nightly", testTypeName: "ZAP Scan" });
    peer.addFinding({ id: 300, testId: 95, title: "SQL injection", severity: "Critical" });
    peer.addFinding({ id: 301, testId: 95, title: "Missing header", severity: "Low" });
    peer.addFinding({ id: 302, testId: 95, title: "Reflected XSS", severity: "High", duplicate: true });
    peer.addTestImport({
      id: 31,
      testId: 95,
      actions: [
        { findingId: 300, action: "N" },
        { findingId: 301, action: "N" },
        { findingId: 302, action: "N" },
        { findingId: 210, action: "C" },
      ],
    });
    // Added by hand through the API: no import claims it.
    peer.addFinding({ id: 303, testId: 95, title: "Hard-coded secret", severity: "High", reporter: 1 });
    clock.advance(60_000);
    await bench.poller.runOnce();
    await bench.poller.runOnce();

    const events = await bench.events();
    expect(summary(events)).toEqual([
      "product_type_added: payments",
      "product_added: checkout",
      'engagement_added: Engagement created for "checkout": CI/CD',
      "test_added: Test created for checkout: CI/CD: nightly (ZAP Scan)",
      "scan_added: Created/Updated 4 findings for checkout: CI/CD: nightly (ZAP Scan)",
    ]);
    expect(events.every((event) => event.source === "poll")).toBe(true);
    const scan = events[4].data;
    expect(scan.findings!.new.map((finding) => [finding.id, finding.severity])).toEqual([[300, "Critical"], [301, "Low"]]);
    expect(scan.findings!.newDuplicateIds).toEqual([302]);
    expect(scan.findings!.mitigated.map((finding) => finding.id)).toEqual([210]);
    expect(scan.product).toEqual({ id: 8, name: "checkout", urlUi: "http://dojo.example/product/8" });
    expect(scan.urlUi).toBe("http://dojo.example/test/95");
    expect(events[1].data.description).toBe("Product checkout has been created successfully.");

    // The hand-made finding waits for an import that could claim it, then is notified alone.
    clock.advance(IMPORT_SETTLE_MS);
    await bench.poller.runOnce();
    await bench.poller.runOnce();
    const later = (await bench.events()).slice(5);
    expect(summary(later)).toEqual(["finding_added: Addition of Hard-coded secret"]);
    // DefectDojo 3.2.0 dojo/user/models.py generate_full_name: f"{first} {last} ({username})".strip().
    expect(later[0].data.description).toBe('Finding "Hard-coded secret" was added by (admin)');
    expect(later[0].data.urlUi).toBe("http://dojo.example/finding/303");
    expect(peer.ignoredParams).toEqual([]);
  });

  it("does not announce an import's findings one by one, even when the import is recorded a run later", async () => {
    const clock = testClock();
    bench = await startPollBench(peer, path(), { now: clock.now });
    await bench.poller.runOnce();
    // Mid-import: the findings exist, the import history does not yet.
    peer.addFinding({ id: 400, testId: 90, title: "Critical from a scan", severity: "Critical" });
    await bench.poller.runOnce();
    peer.addTestImport({ id: 32, testId: 90, type: "reimport", actions: [{ findingId: 400, action: "N" }, { findingId: 201, action: "U" }] });
    clock.advance(IMPORT_SETTLE_MS + 1);
    await bench.poller.runOnce();
    expect(summary(await bench.events())).toEqual(["scan_added: Created/Updated 1 findings for notif prod: notif eng: notif test (Acunetix Scan)"]);
  });

  it("waits one run for an import whose history rows are not written yet", async () => {
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    peer.addTestImport({ id: 33, testId: 90, actions: [] });
    await bench.poller.runOnce();
    expect(await bench.events()).toEqual([]);
    await bench.poller.runOnce();
    expect(summary(await bench.events())).toEqual(["scan_added_empty: Created/Updated 0 findings for notif prod: notif eng: notif test (Acunetix Scan)"]);
  });

  it("resumes after a restart where it left off: nothing missed, nothing twice", async () => {
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    peer.addProduct({ id: 8, name: "before the crash", productTypeId: 4 });
    peer.addTestImport({ id: 31, testId: 90, actions: [{ findingId: 201, action: "R" }] });
    // The run dies at the imports: what came before is stored with its cursor, the imports are not.
    peer.failApiWith(500, "test_imports");
    await bench.poller.runOnce();
    expect(summary(await bench.events())).toEqual(["product_added: before the crash"]);
    await bench.close();

    peer.failApiWith(null);
    peer.addProduct({ id: 9, name: "while it was down", productTypeId: 4 });
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    await bench.poller.runOnce();
    expect(summary(await bench.events())).toEqual([
      "product_added: before the crash",
      "product_added: while it was down",
      "scan_added: Created/Updated 1 findings for notif prod: notif eng: notif test (Acunetix Scan)",
    ]);
  });

  it("stores one event whichever way it came first: webhook then poll", async () => {
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    peer.addProductType({ id: 5, name: "from both" });
    const webhook = { ...webhookFixture("product_type_added"), title: "from both", product_type: { id: 5, name: "from both", url_ui: "http://localhost:8080/product/type/5", url_api: "http://localhost:8080/api/v2/product_types/5/" } };
    expect((await bench.intake.accept(parseWebhookPayload("product_type_added", "http://localhost:8080", webhook), Buffer.from(JSON.stringify(webhook)))).stored).toBe(true);
    await bench.poller.runOnce();
    const events = await bench.events();
    expect(events.map((event) => [event.name, event.source])).toEqual([["product_type_added", "webhook"]]);
  });

  it("stores one event whichever way it came first: poll then webhook, for imports, SLA notices and closures too", async () => {
    const clock = testClock();
    bench = await startPollBench(peer, path(), { now: clock.now });
    await bench.poller.runOnce();
    peer.addFinding({ id: 232, testId: 90, title: "New Finding", severity: "Critical" });
    peer.addFinding({ id: 233, testId: 90, title: "Mitigated Finding", severity: "Medium" });
    peer.addFinding({ id: 234, testId: 90, title: "Reactivated Finding", severity: "Low" });
    peer.addTestImport({
      id: 31,
      testId: 90,
      actions: [
        { findingId: 232, action: "N" },
        { findingId: 234, action: "R" },
        { findingId: 233, action: "C" },
        { findingId: 235, action: "U" },
      ],
    });
    peer.updateEngagement(7, { status: "Completed" });
    await bench.poller.runOnce();
    expect((await bench.events()).map((event) => event.name)).toEqual(["engagement_closed", "scan_added"]);

    // DefectDojo's own webhooks for the same import (the reference body) and closure arrive late.
    for (const name of ["scan_added", "engagement_closed"]) {
      const body = webhookFixture(name);
      const result = await bench.intake.accept(parseWebhookPayload(name, "http://localhost:8080", body), Buffer.from(JSON.stringify(body)));
      expect(result.stored).toBe(false);
    }
    expect(await bench.events()).toHaveLength(2);
  });

  // DefectDojo 3.2.0 and 2.58.2-changelog dojo/engagement/signals.py engagement_pre_save: a status change to
  // Completed or Cancelled is engagement_closed, one to In Progress (not from Not Started) engagement_reopened.
  it("notices an engagement's closure once, its reopening, and its next closure", async () => {
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    peer.updateEngagement(7, { status: "Completed" });
    await bench.poller.runOnce();
    peer.updateEngagement(7, { name: "notif eng" }); // edited while closed: no news
    await bench.poller.runOnce();
    peer.updateEngagement(7, { status: "In Progress" });
    await bench.poller.runOnce();
    peer.updateEngagement(7, { status: "Cancelled", updated: new Date(Date.now() + 2 * 60 * 60 * 1000).toISOString() });
    await bench.poller.runOnce();
    const events = await bench.events();
    expect(summary(events)).toEqual([
      "engagement_closed: Closure of notif eng",
      "engagement_reopened: Reopening of notif eng",
      "engagement_closed: Closure of notif eng",
    ]);
    expect(events[0].data.urlUi).toBe("http://dojo.example/engagement/7/finding/all");
    expect(events[1].data.description).toBe('The engagement "notif eng" was reopened');
    expect(events[1].data.urlUi).toBe("http://dojo.example/engagement/7");
  });

  // Engagement.name and Test.title are nullable (DefectDojo 3.2 dojo/engagement/models.py, dojo/test/models.py).
  it("labels a nameless engagement and an untitled test as the webhook receiver does", async () => {
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    peer.addEngagement({ id: 12, productId: 4, name: null });
    peer.addTest({ id: 91, engagementId: 12, title: null, testTypeName: "Acunetix Scan" });
    await bench.poller.runOnce();
    peer.updateEngagement(12, { status: "Completed" });
    await bench.poller.runOnce();
    const events = await bench.events();
    expect(summary(events)).toEqual([
      'engagement_added: Engagement created for "notif prod": Engagement 12',
      "test_added: Test created for notif prod: Engagement 12: Acunetix Scan",
      "engagement_closed: Closure of Engagement 12",
    ]);
    expect(events[1].data.engagement?.name).toBe("Engagement 12");
    expect(events[1].data.test?.name).toBe("Acunetix Scan");
  });

  it("survives a DefectDojo that answers 500, and catches up when it recovers", async () => {
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    peer.addProduct({ id: 8, name: "during the outage", productTypeId: 4 });
    peer.failApiWith(500);
    await bench.poller.runOnce();
    expect(await bench.events()).toEqual([]);
    expect(bench.poller.status().status).toBe("failing");
    const failed = (await bench.cursors()).find((row) => row.resource === "products")!;
    expect(failed.lastError).toMatch(/HTTP 500/);
    expect(failed.cursor).toBe("id 4");

    peer.failApiWith(null);
    await bench.poller.runOnce();
    expect(summary(await bench.events())).toEqual(["product_added: during the outage"]);
    expect(bench.poller.status().status).toBe("ok");
    expect((await bench.cursors()).every((row) => row.lastError === null)).toBe(true);
  });

  it("says clearly when DefectDojo refuses the key (401), and stops asking until the next run", async () => {
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    peer.removeToken(peer.serviceToken);
    const before = peer.apiRequests.length;
    await bench.poller.runOnce();
    expect(peer.apiRequests.length - before).toBe(1);
    const health = bench.poller.status();
    expect(health.status).toBe("unauthorized");
    expect(Object.values(health.errors)[0]).toMatch(/refused DOJO_API_KEY \(401\)/);
    expect(JSON.stringify(health)).not.toContain(peer.serviceToken);
  });

  // DefectDojo 3.2.0 and 2.58.2-changelog dojo/notifications/helper.py sla_compute_and_notify: with
  // enable_notify_sla_active, a notice a day per finding, each with that day's count.
  it("notifies each day's SLA notice once, a new day count being a new notice", async () => {
    peer.setSystemSettings({ enable_notify_sla_active: true });
    const clock = testClock(Date.parse(`${day(Date.now())}T08:00:00Z`));
    const today = clock.now();
    peer.addFinding({ id: 500, testId: 90, title: "due in 4 days", severity: "High", slaExpirationDate: day(today + 4 * DAY_MS) });
    peer.addFinding({ id: 501, testId: 90, title: "due in 2 days", severity: "Critical", slaExpirationDate: day(today + 2 * DAY_MS) });
    peer.addFinding({ id: 502, testId: 90, title: "closed", severity: "Critical", slaExpirationDate: day(today + 4 * DAY_MS), active: false });
    peer.addFinding({ id: 503, testId: 90, title: "info", severity: "Info", slaExpirationDate: day(today + 4 * DAY_MS) });
    bench = await startPollBench(peer, path(), { now: clock.now });
    await bench.poller.runOnce();

    const titles: string[] = [];
    for (let dayNumber = 1; dayNumber <= 4; dayNumber++) {
      clock.advance(DAY_MS);
      await bench.poller.runOnce();
      await bench.poller.runOnce(); // twice a day changes nothing
      const found = (await bench.events()).slice(titles.length);
      titles.push(...found.map((event) => `day ${dayNumber}: ${event.title}`));
    }
    expect(titles).toEqual([
      // One notice per finding and day, then one combined notice per product and kind.
      "day 1: Finding 501 - SLA pre-breach warning - 1 day(s) left",
      "day 1: Finding 500 - SLA pre-breach warning - 3 day(s) left",
      "day 1: SLA alert (prebreach): Product Type 'notif prod type', Product 'notif prod'",
      "day 2: Finding 501 - SLA is breaching today",
      "day 2: SLA alert (breaching): Product Type 'notif prod type', Product 'notif prod'",
      "day 2: Finding 500 - SLA pre-breach warning - 2 day(s) left",
      "day 2: SLA alert (prebreach): Product Type 'notif prod type', Product 'notif prod'",
      "day 3: Finding 501 - SLA breached by 1 day! Overdue notice",
      "day 3: SLA alert (breached): Product Type 'notif prod type', Product 'notif prod'",
      "day 3: Finding 500 - SLA pre-breach warning - 1 day(s) left",
      "day 3: SLA alert (prebreach): Product Type 'notif prod type', Product 'notif prod'",
      "day 4: Finding 501 - SLA breached by 2 days! Overdue notice",
      "day 4: SLA alert (breached): Product Type 'notif prod type', Product 'notif prod'",
      "day 4: Finding 500 - SLA is breaching today",
      "day 4: SLA alert (breaching): Product Type 'notif prod type', Product 'notif prod'",
    ]);
    expect(peer.ignoredParams).toEqual([]);
  });

  it("warns of risk acceptances about to expire, and says when they have", async () => {
    const clock = testClock();
    bench = await startPollBench(peer, path(), { now: clock.now });
    await bench.poller.runOnce();
    const at = (ms: number) => new Date(clock.now() + ms).toISOString();
    peer.addRiskAcceptance({ id: 3, engagementId: 7, acceptedFindings: [201], expirationDate: at(12 * DAY_MS) });
    await bench.poller.runOnce();
    expect(await bench.events()).toEqual([]);

    clock.advance(3 * DAY_MS); // now 9 days before expiry: inside DefectDojo's 10-day notice
    await bench.poller.runOnce();
    await bench.poller.runOnce();
    clock.advance(10 * DAY_MS);
    await bench.poller.runOnce();
    await bench.poller.runOnce();
    const events = await bench.events();
    expect(summary(events)).toEqual([
      `risk_acceptance_expiration: Risk acceptance with 1 accepted findings will expire on ${expiryLabel(clock.now() - 13 * DAY_MS + 12 * DAY_MS)} for notif prod: notif eng`,
      "risk_acceptance_expiration: Risk acceptance with 1 accepted findings has expired for notif prod: notif eng",
    ]);
    expect(events[1].data.urlUi).toBe("http://dojo.example/engagement/7/risk_acceptance/3");
  });

  it("backfills from POLL_BACKFILL_SINCE on a first start", async () => {
    const since = Date.now() - 60 * 60 * 1000;
    peer.addProduct({ id: 6, name: "old", productTypeId: 4, created: new Date(since - DAY_MS).toISOString() });
    peer.addProduct({ id: 7, name: "recent", productTypeId: 4, created: new Date(since + 60_000).toISOString() });
    bench = await startPollBench(peer, path(), { backfillSince: since });
    await bench.poller.runOnce();
    expect(summary(await bench.events()).filter((line) => line.startsWith("product_added"))).toEqual(["product_added: recent"]);
  });

  it("costs one small request per resource when nothing changed, whatever the instance's size", async () => {
    peer.seedFindings(20_000, { firstId: 10_000, testId: 90 });
    bench = await startPollBench(peer, path());
    await bench.poller.runOnce();
    const before = peer.apiRequests.length;
    await bench.poller.runOnce();
    const idle = peer.apiRequests.slice(before);
    expect(idle.map((request) => request.path)).toEqual([
      "/api/v2/product_types/",
      "/api/v2/products/",
      "/api/v2/engagements/",
      "/api/v2/tests/",
      "/api/v2/test_imports/",
      "/api/v2/findings/",
      // risk_acceptance_notify_before_expiration, once per run.
      "/api/v2/system_settings/",
      "/api/v2/risk_acceptance/",
    ]);
    const findingRows = idle.filter((request) => request.path === "/api/v2/findings/").reduce((sum, request) => sum + Number(request.query.limit), 0);
    expect(findingRows).toBeLessThanOrEqual(100);
  });
});

describe("the DefectDojo poller against 3.x", () => {
  it("writes 3.x's words and links (assets, organizations)", async () => {
    const peer = await startDojoPeer({ model: "LEGACY" });
    const dir = tempDir();
    const bench = await startPollBench(peer, join(dir.path, "relay.sqlite"));
    try {
      await bench.poller.runOnce();
      peer.addProductType({ id: 5, name: "payments" });
      peer.addProduct({ id: 8, name: "checkout", productTypeId: 5 });
      await bench.poller.runOnce();
      const [productType, product] = (await bench.events()).map((event) => event.data);
      expect(productType.description).toBe("Organization payments has been created successfully.");
      expect(productType.urlUi).toBe("http://dojo.example/organization/5");
      expect(product.description).toBe("Asset checkout has been created successfully.");
      expect(product.urlUi).toBe("http://dojo.example/asset/8");
    } finally {
      await bench.close();
      await peer.close();
      dir.cleanup();
    }
  });
});

function expiryLabel(epochMs: number): string {
  const date = new Date(epochMs);
  return `${date.toLocaleString("en-US", { month: "short", timeZone: "UTC" })} ${String(date.getUTCDate()).padStart(2, "0")}, ${date.getUTCFullYear()}`;
}
