import { join } from "node:path";
import { parseWebhookPayload } from "../../../src/events/webhook-payload";
import { userLabel } from "../../../src/ingest/poll/dojo-events";
import { PollCursorEntity } from "../../../src/storage/entities/poll-cursor.entity";
import { DojoPeer, startDojoPeer } from "../../peers/dojo-peer";
import { webhookFixture } from "../../support/fixtures";
import { tempDir } from "../../support/temp-dir";
import { DAY_MS, PollBench, startPollBench, summary, testClock } from "./poll-harness";

/*
 * The poller sends what DefectDojo itself would have sent, no more: each test names the DefectDojo
 * source (and ref: HEAD = 3.2.0, 2.58.2-changelog = 2.58.x) whose behaviour it pins.
 */

const day = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

function seedInstance(peer: DojoPeer) {
  peer.addUser({ id: 1, username: "admin", isSuperuser: true });
  peer.addProductType({ id: 4, name: "notif prod type" });
  peer.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
  peer.addEngagement({ id: 7, productId: 4, name: "notif eng", status: "In Progress" });
  peer.addTest({ id: 90, engagementId: 7, title: "notif test", testTypeName: "Acunetix Scan" });
}

describe("events as DefectDojo sends them", () => {
  let peer: DojoPeer;
  let dir: ReturnType<typeof tempDir>;
  let bench: PollBench | undefined;
  const path = () => join(dir.path, "relay.sqlite");
  const restart = async (options: Parameters<typeof startPollBench>[2] = {}) => {
    await bench?.close();
    bench = await startPollBench(peer, path(), options);
    return bench;
  };

  beforeEach(async () => {
    peer = await startDojoPeer();
    dir = tempDir();
    seedInstance(peer);
  });
  afterEach(async () => {
    await bench?.close();
    bench = undefined;
    await peer.close();
    dir.cleanup();
  });

  describe("engagement_closed and engagement_reopened (dojo/engagement/signals.py engagement_pre_save, 3.2.0 and 2.58.2-changelog)", () => {
    it("takes what is closed at first start as known: a re-import into it moves `updated` and announces nothing", async () => {
      peer.addEngagement({ id: 9, productId: 4, name: "done before", status: "Completed" });
      peer.addEngagement({ id: 10, productId: 4, name: "dropped before", status: "Cancelled" });
      const polled = await restart();
      await polled.poller.runOnce();
      // Every import and re-import saves its engagement (dojo/importers/default_importer.py).
      peer.updateEngagement(9, {});
      peer.updateEngagement(10, {});
      await polled.poller.runOnce();
      expect(await polled.events()).toEqual([]);
    });

    it("announces a change to Completed or Cancelled, even Completed to Cancelled, and In Progress after a closure as a reopening", async () => {
      peer.addEngagement({ id: 9, productId: 4, name: "done before", status: "Completed" });
      const polled = await restart();
      await polled.poller.runOnce();
      peer.updateEngagement(9, { status: "Cancelled" });
      await polled.poller.runOnce();
      peer.updateEngagement(9, { status: "In Progress" });
      await polled.poller.runOnce();
      peer.updateEngagement(7, { status: "Completed" });
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual([
        "engagement_closed: Closure of done before",
        "engagement_reopened: Reopening of done before",
        "engagement_closed: Closure of notif eng",
      ]);
    });

    it("reopens from On Hold too, but not from Not Started (`old.status != \"Not Started\"`)", async () => {
      peer.addEngagement({ id: 11, productId: 4, name: "held", status: "On Hold" });
      peer.addEngagement({ id: 12, productId: 4, name: "planned" }); // the model's default: Not Started
      const polled = await restart();
      await polled.poller.runOnce();
      peer.updateEngagement(11, { status: "In Progress" });
      peer.updateEngagement(12, { status: "In Progress" });
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual(["engagement_reopened: Reopening of held"]);
    });

    it("reopens from a null status too (Engagement.status is null=True; `None != \"Not Started\"`)", async () => {
      peer.addEngagement({ id: 11, productId: 4, name: "statusless", status: null });
      const polled = await restart();
      await polled.poller.runOnce();
      peer.updateEngagement(11, { status: "In Progress" });
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual(["engagement_reopened: Reopening of statusless"]);
    });

    it("announces no closure for an engagement created closed (pre_save has no old row)", async () => {
      const polled = await restart();
      await polled.poller.runOnce();
      peer.addEngagement({ id: 13, productId: 4, name: "born closed", status: "Completed" });
      await polled.poller.runOnce();
      peer.updateEngagement(13, {});
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual(['engagement_added: Engagement created for "notif prod": born closed']);
    });

    it("remembers statuses across a restart: neither repeats a closure nor misses a reopening", async () => {
      let polled = await restart();
      await polled.poller.runOnce();
      peer.updateEngagement(7, { status: "Completed" });
      await polled.poller.runOnce();
      polled = await restart();
      peer.updateEngagement(7, {}); // a re-import while closed
      await polled.poller.runOnce();
      polled = await restart();
      peer.updateEngagement(7, { status: "In Progress" });
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual([
        "engagement_closed: Closure of notif eng",
        "engagement_reopened: Reopening of notif eng",
      ]);
      const cursor = (await polled.cursors()).find((row) => row.resource === "engagements")!;
      expect(cursor.state).toMatchObject({ statuses: {} });
    });

    it("learns the statuses once, announcing nothing, when its cursor is from before they were remembered", async () => {
      peer.addEngagement({ id: 9, productId: 4, name: "done long ago", status: "Completed" });
      const polled = await restart();
      await polled.poller.runOnce();
      // The earlier cursor kept only the closures it had announced (at most 2000).
      const row = (await polled.cursors()).find((cursor) => cursor.resource === "engagements")!;
      const { statuses: _statuses, ...earlier } = row.state as Record<string, unknown>;
      await polled.db.write((manager) => manager.update(PollCursorEntity, { resource: "engagements" }, { state: { ...earlier, closed: [] } }));
      peer.updateEngagement(9, {}); // a re-import
      await polled.poller.runOnce();
      peer.updateEngagement(9, { status: "In Progress" });
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual(["engagement_reopened: Reopening of done long ago"]);
    });

    it("stores a reopening once, whether the poll or DefectDojo's webhook comes first", async () => {
      const polled = await restart();
      await polled.poller.runOnce();
      peer.updateEngagement(7, { status: "Completed" });
      await polled.poller.runOnce();
      peer.updateEngagement(7, { status: "In Progress" });
      await polled.poller.runOnce();
      // The webhook DefectDojo sends for it: the `other` template's fields.
      const body = { description: 'The engagement "notif eng" was reopened', title: "Reopening of notif eng", user: null, url_ui: "http://localhost:8080/engagement/7" };
      const result = await polled.intake.accept(parseWebhookPayload("engagement_reopened", "http://localhost:8080", body), Buffer.from(JSON.stringify(body)));
      expect(result.stored).toBe(false);
      expect((await polled.events()).map((event) => event.name)).toEqual(["engagement_closed", "engagement_reopened"]);
    });
  });

  describe("rows without a sort key (created/updated null=True: dojo/base_models/base.py, dojo/test/models.py, 3.2.0 and 2.58.2-changelog)", () => {
    it("skips an engagement whose `updated` is null (PostgreSQL sorts it first, descending) and finds the changes behind it", async () => {
      peer.addEngagement({ id: 8, productId: 4, name: "legacy row", created: null, updated: null });
      const polled = await restart();
      await polled.poller.runOnce();
      peer.addEngagement({ id: 14, productId: 4, name: "after" });
      peer.updateEngagement(7, { status: "Completed" });
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual([
        'engagement_added: Engagement created for "notif prod": after',
        "engagement_closed: Closure of notif eng",
      ]);
    });

    it("skips a test whose `created` is null, neither taking it for the newest at first start nor stopping at it", async () => {
      peer.addTest({ id: 99, engagementId: 7, title: "legacy test", created: null, updated: null });
      const polled = await restart();
      await polled.poller.runOnce();
      expect((await polled.cursors()).find((row) => row.resource === "tests")!.cursor).toBe("id 90");
      peer.addTest({ id: 95, engagementId: 7, title: "nightly", testTypeName: "ZAP Scan" });
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual(["test_added: Test created for notif prod: notif eng: nightly (ZAP Scan)"]);
    });
  });

  describe("SLA notices (dojo/notifications/helper.py sla_compute_and_notify, 3.2.0 and 2.58.2-changelog)", () => {
    /** Findings whose deadlines lie `offsets` days from tomorrow, the day the test polls. */
    async function slaRun(offsets: number[], prepare: () => void = () => undefined) {
      const clock = testClock(Date.parse(`${day(Date.now())}T08:00:00Z`));
      const pollDay = clock.now() + DAY_MS;
      offsets.forEach((offset, index) => {
        peer.addFinding({ id: 600 + index, testId: 90, title: `due ${offset}`, severity: "High", slaExpirationDate: day(pollDay + offset * DAY_MS) });
      });
      prepare();
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      clock.advance(DAY_MS);
      await polled.poller.runOnce();
      return (await polled.events()).filter((event) => event.name === "sla_breach").map((event) => event.title);
    }

    // dojo/system_settings/models.py (3.2.0), dojo/models.py (2.58.2-changelog): both switches default to False.
    it("announces nothing with DefectDojo's defaults (enable_notify_sla_active and _verified off)", async () => {
      const titles = await slaRun([-1, 0, 1]);
      expect(titles).toEqual([]);
      expect(peer.apiRequests.some((request) => request.query.sla_expiration_date !== undefined)).toBe(false);
    });

    it("announces nothing while enable_finding_sla is off", async () => {
      const titles = await slaRun([-1, 0, 1], () => peer.setSystemSettings({ enable_notify_sla_active: true, enable_finding_sla: false }));
      expect(titles).toEqual([]);
    });

    it("notifies 3 days ahead (SLA_NOTIFY_PRE_BREACH), on the day, and 7 days after (SLA_NOTIFY_POST_BREACH), every day", async () => {
      const titles = await slaRun([-9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4], () => peer.setSystemSettings({ enable_notify_sla_active: true }));
      expect(titles).toEqual([
        "Finding 602 - SLA breached by 7 days! Overdue notice",
        "Finding 603 - SLA breached by 6 days! Overdue notice",
        "Finding 604 - SLA breached by 5 days! Overdue notice",
        "Finding 605 - SLA breached by 4 days! Overdue notice",
        "Finding 606 - SLA breached by 3 days! Overdue notice",
        "Finding 607 - SLA breached by 2 days! Overdue notice",
        "Finding 608 - SLA breached by 1 day! Overdue notice",
        "Finding 609 - SLA is breaching today",
        "Finding 610 - SLA pre-breach warning - 1 day(s) left",
        "Finding 611 - SLA pre-breach warning - 2 day(s) left",
        "Finding 612 - SLA pre-breach warning - 3 day(s) left",
      ]);
    });

    it("backs off to breaches of 1, 2 and 4 days with enable_notify_sla_exponential_backoff (`abs_sla_age & (abs_sla_age - 1) == 0`)", async () => {
      const titles = await slaRun([-7, -6, -5, -4, -3, -2, -1, 0], () =>
        peer.setSystemSettings({ enable_notify_sla_active: true, enable_notify_sla_exponential_backoff: true }),
      );
      expect(titles).toEqual([
        "Finding 603 - SLA breached by 4 days! Overdue notice",
        "Finding 605 - SLA breached by 2 days! Overdue notice",
        "Finding 606 - SLA breached by 1 day! Overdue notice",
        "Finding 607 - SLA is breaching today",
      ]);
    });

    it("takes only active, verified, unmitigated originals with enable_notify_sla_active_verified, and never Info", async () => {
      const titles = await slaRun([0], () => {
        peer.setSystemSettings({ enable_notify_sla_active_verified: true });
        const due = day(Date.parse(`${day(Date.now())}T08:00:00Z`) + DAY_MS);
        peer.addFinding({ id: 700, testId: 90, severity: "Critical", verified: true, slaExpirationDate: due });
        peer.addFinding({ id: 701, testId: 90, severity: "Critical", verified: true, duplicate: true, slaExpirationDate: due });
        peer.addFinding({ id: 702, testId: 90, severity: "Critical", verified: true, isMitigated: true, slaExpirationDate: due });
        peer.addFinding({ id: 703, testId: 90, severity: "Info", verified: true, slaExpirationDate: due });
      });
      expect(titles).toEqual(["Finding 700 - SLA is breaching today"]);
    });

    it("takes only findings linked to JIRA with enable_notify_sla_jira_only", async () => {
      const titles = await slaRun([0], () => {
        peer.setSystemSettings({ enable_notify_sla_active: true, enable_notify_sla_jira_only: true });
        const due = day(Date.parse(`${day(Date.now())}T08:00:00Z`) + DAY_MS);
        peer.addFinding({ id: 700, testId: 90, severity: "Critical", jiraIssue: true, slaExpirationDate: due });
      });
      expect(titles).toEqual(["Finding 700 - SLA is breaching today"]);
    });

    it("skips products with disable_sla_breach_notifications and severities their SLA configuration does not enforce", async () => {
      const titles = await slaRun([0], () => {
        peer.setSystemSettings({ enable_notify_sla_active: true });
        const due = day(Date.parse(`${day(Date.now())}T08:00:00Z`) + DAY_MS);
        peer.addSlaConfiguration({ id: 2, name: "critical only", enforceHigh: false });
        peer.addProduct({ id: 5, name: "quiet", productTypeId: 4, disableSlaBreachNotifications: true });
        peer.addProduct({ id: 6, name: "lenient", productTypeId: 4, slaConfigurationId: 2 });
        peer.addEngagement({ id: 15, productId: 5 });
        peer.addEngagement({ id: 16, productId: 6 });
        peer.addTest({ id: 91, engagementId: 15 });
        peer.addTest({ id: 92, engagementId: 16 });
        peer.addFinding({ id: 700, testId: 91, severity: "Critical", slaExpirationDate: due });
        peer.addFinding({ id: 701, testId: 92, severity: "High", slaExpirationDate: due });
        peer.addFinding({ id: 702, testId: 92, severity: "Critical", slaExpirationDate: due });
      });
      // 600 is High in the default configuration, which enforces it.
      expect(titles).toEqual(["Finding 600 - SLA is breaching today", "Finding 702 - SLA is breaching today"]);
    });

    it("sends sla_breach_combined per product and kind besides the per-finding notices", async () => {
      peer.setSystemSettings({ enable_notify_sla_active: true });
      const clock = testClock(Date.parse(`${day(Date.now())}T08:00:00Z`));
      const due = (offset: number) => day(clock.now() + DAY_MS + offset * DAY_MS);
      peer.addProduct({ id: 5, name: "other prod", productTypeId: 4 });
      peer.addEngagement({ id: 15, productId: 5 });
      peer.addTest({ id: 91, engagementId: 15 });
      peer.addFinding({ id: 700, testId: 90, severity: "High", slaExpirationDate: due(-1) });
      peer.addFinding({ id: 701, testId: 90, severity: "High", slaExpirationDate: due(-2) });
      peer.addFinding({ id: 702, testId: 91, severity: "High", slaExpirationDate: due(-1) });
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      clock.advance(DAY_MS);
      await polled.poller.runOnce();
      const events = await polled.events();
      expect(summary(events)).toEqual([
        "sla_breach: Finding 701 - SLA breached by 2 days! Overdue notice",
        "sla_breach: Finding 700 - SLA breached by 1 day! Overdue notice",
        "sla_breach_combined: SLA alert (breached): Product Type 'notif prod type', Product 'notif prod'",
        "sla_breach: Finding 702 - SLA breached by 1 day! Overdue notice",
        "sla_breach_combined: SLA alert (breached): Product Type 'notif prod type', Product 'other prod'",
      ]);
      expect(events[2].data.product).toEqual({ id: 4, name: "notif prod", urlUi: "http://dojo.example/product/4" });
    });

    it("words sla_breach_combined as 3.2.0 does (dojo/organization/labels.py, dojo/asset/labels.py)", async () => {
      await peer.close();
      peer = await startDojoPeer({ model: "LEGACY" });
      seedInstance(peer);
      peer.setSystemSettings({ enable_notify_sla_active: true });
      const clock = testClock(Date.parse(`${day(Date.now())}T08:00:00Z`));
      peer.addFinding({ id: 700, testId: 90, severity: "High", slaExpirationDate: day(clock.now() + DAY_MS) });
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      clock.advance(DAY_MS);
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual([
        "sla_breach: Finding 700 - SLA is breaching today",
        "sla_breach_combined: SLA alert (breaching): Organization 'notif prod type', Asset 'notif prod'",
      ]);
    });

    it("stores one notice whether the poll or the webhook comes first; the next day's count is a new event either way", async () => {
      peer.setSystemSettings({ enable_notify_sla_active: true });
      // The poll runs on today's date, as the webhooks' arrival does.
      const clock = testClock(Date.parse(`${day(Date.now())}T08:00:00Z`) - DAY_MS);
      peer.addFinding({ id: 232, testId: 90, severity: "High", slaExpirationDate: day(Date.now() - 2 * DAY_MS) });
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      clock.advance(DAY_MS);
      await polled.poller.runOnce();
      const webhook = (days: number) => {
        const body = { ...webhookFixture("sla_breach"), title: `Finding 232 - SLA breached by ${days} days! Overdue notice` };
        return polled.intake.accept(parseWebhookPayload("sla_breach", "http://localhost:8080", body), Buffer.from(JSON.stringify(body)));
      };
      expect((await webhook(2)).stored).toBe(false); // the poll found "by 2 days" already
      expect((await webhook(2)).stored).toBe(false); // and the same notice twice is still one
      expect((await webhook(3)).stored).toBe(true); // tomorrow's notice (here early) is another
      expect(summary(await polled.events()).filter((line) => line.startsWith("sla_breach:"))).toEqual([
        "sla_breach: Finding 232 - SLA breached by 2 days! Overdue notice",
        "sla_breach: Finding 232 - SLA breached by 3 days! Overdue notice",
      ]);
    });

    it("stores one notice when the webhook came first", async () => {
      peer.setSystemSettings({ enable_notify_sla_active: true });
      const clock = testClock(Date.parse(`${day(Date.now())}T08:00:00Z`) - DAY_MS);
      peer.addFinding({ id: 232, testId: 90, severity: "High", slaExpirationDate: day(Date.now() - 2 * DAY_MS) });
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      const body = webhookFixture("sla_breach"); // "Finding 232 - SLA breached by 2 days! Overdue notice"
      expect((await polled.intake.accept(parseWebhookPayload("sla_breach", "http://localhost:8080", body), Buffer.from(JSON.stringify(body)))).stored).toBe(true);
      clock.advance(DAY_MS);
      await polled.poller.runOnce();
      expect((await polled.events()).filter((event) => event.name === "sla_breach").map((event) => event.source)).toEqual(["webhook"]);
    });
  });

  describe("risk acceptance warnings (dojo/risk_acceptance/helper.py expiration_handler; risk_acceptance_notify_before_expiration in dojo/system_settings/models.py 3.2.0, dojo/models.py 2.58.2-changelog)", () => {
    it("warns as many days ahead as System Settings say", async () => {
      peer.setSystemSettings({ risk_acceptance_notify_before_expiration: 3 });
      const clock = testClock();
      peer.addFinding({ id: 232, testId: 90 });
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      peer.addRiskAcceptance({ id: 3, engagementId: 7, acceptedFindings: [232], expirationDate: new Date(clock.now() + 5 * DAY_MS).toISOString() });
      await polled.poller.runOnce();
      expect(await polled.events()).toEqual([]); // 5 days ahead: the default 10 would warn, 3 does not
      clock.advance(2 * DAY_MS + 60_000);
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual([expect.stringMatching(/^risk_acceptance_expiration: Risk acceptance with 1 accepted findings will expire on /)]);
    });

    it("sends no warning when the setting is empty (null), but still says when it has expired", async () => {
      peer.setSystemSettings({ risk_acceptance_notify_before_expiration: null });
      const clock = testClock();
      peer.addFinding({ id: 232, testId: 90 });
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      peer.addRiskAcceptance({ id: 3, engagementId: 7, acceptedFindings: [232], expirationDate: new Date(clock.now() + 2 * DAY_MS).toISOString() });
      await polled.poller.runOnce();
      clock.advance(DAY_MS);
      await polled.poller.runOnce();
      expect(await polled.events()).toEqual([]);
      clock.advance(2 * DAY_MS);
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual([
        "risk_acceptance_expiration: Risk acceptance with 1 accepted findings has expired for notif prod: notif eng",
      ]);
    });
  });

  describe("where test_added and finding_added come from", () => {
    // dojo/importers/default_importer.py process_scan (3.2.0 and 2.58.2-changelog): an import into a new
    // test sends test_added, then scan_added; its findings are not announced one by one. finding_added
    // comes only from POST findings/ (dojo/finding/api/serializer.py 3.2.0, dojo/api_v2/serializers.py
    // 2.58.2-changelog) and the UI (dojo/test/ui/views.py, dojo/test/views.py).
    it("sends test_added and scan_added for an import into a new test, and finding_added only for a finding no import made", async () => {
      const clock = testClock();
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      peer.addTest({ id: 95, engagementId: 7, title: "nightly" });
      peer.addFinding({ id: 300, testId: 95, title: "from the scan", severity: "Critical" });
      peer.addTestImport({ id: 31, testId: 95, actions: [{ findingId: 300, action: "N" }] });
      peer.addFinding({ id: 301, testId: 90, title: "by hand", severity: "Critical" });
      await polled.poller.runOnce();
      clock.advance(10 * 60 * 1000);
      await polled.poller.runOnce();
      expect(summary(await polled.events())).toEqual([
        "test_added: Test created for notif prod: notif eng: nightly (ZAP Scan)",
        "scan_added: Created/Updated 1 findings for notif prod: notif eng: nightly (ZAP Scan)",
        "finding_added: Addition of by hand",
      ]);
    });
  });

  describe("finding_count of scan_added (dojo/importers/base_importer.py notify_scan_added)", () => {
    async function importWithDuplicate(model: "RBAC" | "LEGACY", onlyDuplicates: boolean) {
      await peer.close();
      peer = await startDojoPeer({ model });
      seedInstance(peer);
      const polled = await restart();
      await polled.poller.runOnce();
      if (!onlyDuplicates) peer.addFinding({ id: 300, testId: 90, title: "new one" });
      peer.addFinding({ id: 301, testId: 90, title: "seen before", duplicate: true });
      const actions = [...(onlyDuplicates ? [] : [{ findingId: 300, action: "N" as const }]), { findingId: 301, action: "N" as const }];
      peer.addTestImport({ id: 31, testId: 90, type: "reimport", actions });
      await polled.poller.runOnce();
      return summary(await polled.events()).filter((line) => line.startsWith("scan_added"));
    }

    it("3.2.0 leaves the duplicates out of the count", async () => {
      expect(await importWithDuplicate("LEGACY", false)).toEqual(["scan_added: Created/Updated 1 findings for notif prod: notif eng: notif test (Acunetix Scan)"]);
    });

    it("3.2.0 makes an import of duplicates only scan_added_empty", async () => {
      expect(await importWithDuplicate("LEGACY", true)).toEqual(["scan_added_empty: Created/Updated 0 findings for notif prod: notif eng: notif test (Acunetix Scan)"]);
    });

    it("2.58.2-changelog counts them", async () => {
      expect(await importWithDuplicate("RBAC", false)).toEqual(["scan_added: Created/Updated 2 findings for notif prod: notif eng: notif test (Acunetix Scan)"]);
    });
  });

  describe("a user's label (dojo/user/models.py 3.2.0, dojo/models.py 2.58.2-changelog: generate_full_name)", () => {
    it.each([
      [{ username: "ann", first_name: "Ann", last_name: "Smith" }, "Ann Smith (ann)"],
      [{ username: "ann", first_name: "", last_name: "" }, "(ann)"],
      [{ username: "ann", first_name: "", last_name: "Smith" }, "Smith (ann)"],
      [{ username: "ann", first_name: "Ann", last_name: "" }, "Ann  (ann)"],
    ])("%j is %s", (user, label) => {
      expect(userLabel(user)).toBe(label);
    });

    it("writes the reporter of a finding added by hand so", async () => {
      peer.addUser({ id: 2, username: "ann", firstName: "Ann", lastName: "Smith" });
      const clock = testClock();
      const polled = await restart({ now: clock.now });
      await polled.poller.runOnce();
      peer.addFinding({ id: 303, testId: 90, title: "Hard-coded secret", severity: "High", reporter: 2 });
      await polled.poller.runOnce();
      clock.advance(10 * 60 * 1000);
      await polled.poller.runOnce();
      expect((await polled.events()).map((event) => event.data.description)).toEqual(['Finding "Hard-coded secret" was added by Ann Smith (ann)']);
    });
  });
});
