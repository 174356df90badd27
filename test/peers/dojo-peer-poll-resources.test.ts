import { DojoPeer, startDojoPeer } from "./dojo-peer";

// The peer's own behaviour, over real HTTP, for the endpoints a DefectDojo poller reads. Every
// expectation restates DefectDojo's source (the FilterSet named in the peer), not the peer's code.

const DAY_MS = 24 * 60 * 60 * 1000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
const YESTERDAY = day(-1);
const TOMORROW = day(1);
const at = (minute: number) => `2024-02-01T10:${String(minute).padStart(2, "0")}:00.000000Z`;

let peer: DojoPeer;

async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${peer.url}/api/v2/${path}`, { headers: { Authorization: `Token ${peer.serviceToken}` } });
  return { status: response.status, body: await response.json() };
}
const ids = async (path: string) => {
  const { status, body } = await get(path);
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
  return (body.results as Array<{ id: number }>).map((row) => row.id);
};
const choiceError = (param: string, value: string) => ({
  [param]: [`Select a valid choice. ${value} is not one of the available choices.`],
  message: `{'${param}': [ErrorDetail(string='Select a valid choice. ${value} is not one of the available choices.', code='invalid_choice')]}`,
});

/**
 * Types 4 and 5; products 4 (type 4) and 9 (type 5); engagement 7 on product 4 and 8 on product 9;
 * test 90 on engagement 7 and 91 on engagement 8; findings 201-207, one per status, created a minute apart.
 */
function seed() {
  peer.addProductType({ id: 4, name: "notif prod type", created: at(0) });
  peer.addProductType({ id: 5, name: "another type", created: at(0) });
  peer.addProduct({ id: 4, name: "notif prod", productTypeId: 4, created: at(1) });
  peer.addProduct({ id: 9, name: "elsewhere", productTypeId: 5, created: at(2) });
  peer.addEngagement({ id: 7, productId: 4, name: "notif eng", created: at(3), updated: at(30) });
  peer.addEngagement({ id: 8, productId: 9, status: "Completed", created: at(4), updated: at(20), targetStart: "2024-03-01" });
  peer.addTest({ id: 90, engagementId: 7, title: "notif test", testTypeName: "Acunetix Scan", created: at(6) });
  peer.addTest({ id: 91, engagementId: 8, created: at(5) });
  peer.addFinding({ id: 201, testId: 90, title: "SQL injection", severity: "Critical", slaExpirationDate: YESTERDAY, created: at(10) });
  peer.addFinding({ id: 202, testId: 90, severity: "High", verified: true, slaExpirationDate: TOMORROW, created: at(11) });
  peer.addFinding({ id: 203, testId: 90, severity: "Medium", active: false, falseP: true, slaExpirationDate: YESTERDAY, created: at(12) });
  peer.addFinding({ id: 204, testId: 91, severity: "Low", active: false, isMitigated: true, created: at(13) });
  peer.addFinding({ id: 205, testId: 91, severity: "Info", active: false, duplicate: true, created: at(14) });
  peer.addFinding({ id: 206, testId: 91, severity: "High", active: false, outOfScope: true, created: at(15) });
  peer.addFinding({ id: 207, testId: 90, severity: "High", active: false, riskAccepted: true, slaExpirationDate: YESTERDAY, created: at(16) });
}

beforeEach(async () => {
  peer = await startDojoPeer({ model: "LEGACY" });
  seed();
});
afterEach(() => peer.close());

describe("pagination", () => {
  it("pages as DRF's LimitOffsetPagination does: count, absolute next and previous, 25 by default", async () => {
    peer.seedFindings(60, { firstId: 1000, testId: 90 });
    const first = await get("findings/?o=-id");
    expect(first.body).toMatchObject({ count: 67, next: `${peer.url}/api/v2/findings/?o=-id&limit=25&offset=25`, previous: null });
    expect(first.body.results.map((f: { id: number }) => f.id)).toEqual(Array.from({ length: 25 }, (_, i) => 1059 - i));

    const second = await get("findings/?o=-id&limit=25&offset=25");
    expect(second.body).toMatchObject({ next: `${peer.url}/api/v2/findings/?o=-id&limit=25&offset=50`, previous: `${peer.url}/api/v2/findings/?o=-id&limit=25` });
    const last = await get("findings/?o=-id&limit=25&offset=50");
    expect(last.body).toMatchObject({ count: 67, next: null, previous: `${peer.url}/api/v2/findings/?o=-id&limit=25&offset=25` });
    expect(last.body.results).toHaveLength(17);
    expect(await ids("findings/?o=-id&limit=3&offset=64")).toEqual([203, 202, 201]);
  });

  it("answers o=-id over 100,000 findings with the newest page", async () => {
    peer.seedFindings(100_000, { firstId: 10_000, testId: 90, severity: "Low" });
    const { body } = await get("findings/?o=-id&limit=25");
    expect(body.count).toBe(100_007);
    expect(body.results).toHaveLength(25);
    expect(body.results[0]).toMatchObject({ id: 109_999, title: "finding 109999", severity: "Low", numerical_severity: "S3", test: 90 });
    expect(body.results[24].id).toBe(109_975);
  });
});

describe("orderings", () => {
  it("orders findings by ApiFindingFilter's choices, ascending or descending, several at once", async () => {
    peer.updateFinding(203, { verified: true, updated: at(40) });
    peer.updateFinding(201, { title: "renamed", updated: at(41) });
    expect(await ids("findings/?o=-last_status_update")).toEqual([203, 207, 206, 205, 204, 202, 201]);
    expect(await ids("findings/?o=numerical_severity,-id")).toEqual([201, 207, 206, 202, 203, 204, 205]);
    expect(await ids("findings/?o=severity,id")).toEqual([201, 202, 206, 207, 205, 204, 203]);
    expect(await ids("findings/?o=-sla_expiration_date,id")).toEqual([204, 205, 206, 202, 201, 203, 207]);
    expect(await ids("findings/?o=test__engagement__product__name,id")).toEqual([204, 205, 206, 201, 202, 203, 207]);
    expect(await ids("findings/")).toEqual([201, 202, 203, 204, 205, 206, 207]);
  });

  it("answers an o= choice the FilterSet lacks with django-filter's 400 (findings have no o=updated)", async () => {
    expect(await get("findings/?o=-updated")).toEqual({ status: 400, body: choiceError("o", "-updated") });
    expect(await get("findings/?o=-id,%20title")).toEqual({ status: 400, body: choiceError("o", " title") });
    expect((await get("findings/?o=under_review")).status).toBe(501);
  });

  it("orders engagements, tests, products and test imports as their FilterSets allow, and only so", async () => {
    expect(await ids("engagements/?o=-updated")).toEqual([7, 8]);
    expect(await ids("engagements/?o=-created")).toEqual([8, 7]);
    expect(await get("engagements/?o=-id")).toEqual({ status: 400, body: choiceError("o", "-id") });

    expect(await ids("tests/?o=-created")).toEqual([90, 91]);
    // A foreign key sorts by the related Meta.ordering: Engagement's is -target_start.
    expect(await ids("tests/?o=engagement")).toEqual([91, 90]);
    expect(await get("tests/?o=-id")).toEqual({ status: 400, body: choiceError("o", "-id") });

    expect(await ids("products/")).toEqual([9, 4]);
    expect(await ids("products/?o=-id")).toEqual([9, 4]);
    expect(await ids("products/?o=id")).toEqual([4, 9]);
    expect(await ids("products/?o=prod_type__name")).toEqual([9, 4]);

    peer.addTestImport({ id: 31, testId: 90, created: at(50), actions: [] });
    peer.addTestImport({ id: 32, testId: 90, created: at(45), actions: [] });
    expect(await ids("test_imports/")).toEqual([32, 31]);
    expect(await ids("test_imports/?o=created")).toEqual([32, 31]);
    expect(await ids("test_imports/?o=id")).toEqual([31, 32]);
  });

  it("has no o= on product types: it is ignored, and the order stays by name", async () => {
    expect(await ids("product_types/?o=-id")).toEqual([5, 4]);
    expect(peer.ignoredParams).toEqual([{ path: "/api/v2/product_types/", param: "o" }]);
  });

  it("orders risk acceptances by name, created or updated, never by id", async () => {
    peer.addRiskAcceptance({ id: 3, engagementId: 7, name: "b", expirationDate: null, created: at(1), updated: at(9) });
    peer.addRiskAcceptance({ id: 4, engagementId: 7, name: "a", expirationDate: null, created: at(2), updated: at(8) });
    expect(await ids("risk_acceptance/?o=-updated")).toEqual([3, 4]);
    expect(await ids("risk_acceptance/?o=name")).toEqual([4, 3]);
    expect(await get("risk_acceptance/?o=-id")).toEqual({ status: 400, body: choiceError("o", "-id") });
  });
});

describe("filters", () => {
  it("filters findings by id and foreign-key lists, refusing what Django cannot read", async () => {
    expect(await ids("findings/?id=207,201,999")).toEqual([201, 207]);
    expect(await ids("findings/?test=91")).toEqual([204, 205, 206]);
    expect(await ids("findings/?test__engagement=7")).toEqual([201, 202, 203, 207]);
    expect(await ids("findings/?test__engagement__product=4,9&o=-id&limit=2")).toEqual([207, 206]);
    expect(await ids("findings/?test__engagement__product__prod_type=5")).toEqual([204, 205, 206]);
    expect(await get("findings/?id=201,x")).toEqual({
      status: 400,
      body: { id: ["Enter a number."], message: "{'id': [ErrorDetail(string='Enter a number.', code='invalid')]}" },
    });
    // `test` is a ModelChoiceFilter: an unknown test is a 400, not an empty page.
    expect(await get("findings/?test=999")).toEqual({
      status: 400,
      body: {
        test: ["Select a valid choice. That choice is not one of the available choices."],
        message: "{'test': [ErrorDetail(string='Select a valid choice. That choice is not one of the available choices.', code='invalid_choice')]}",
      },
    });
  });

  it("filters findings by severity lists and status booleans as Django's NullBooleanSelect reads them", async () => {
    expect(await ids("findings/?severity=Critical,Low")).toEqual([201, 204]);
    expect(await ids("findings/?severity=critical")).toEqual([]);
    expect(await ids("findings/?numerical_severity=S1")).toEqual([202, 206, 207]);
    expect(await ids("findings/?active=true")).toEqual([201, 202]);
    expect(await ids("findings/?active=False&verified=false")).toEqual([203, 204, 205, 206, 207]);
    expect(await ids("findings/?verified=true")).toEqual([202]);
    expect(await ids("findings/?false_p=true")).toEqual([203]);
    expect(await ids("findings/?is_mitigated=true")).toEqual([204]);
    expect(await ids("findings/?duplicate=true")).toEqual([205]);
    expect(await ids("findings/?out_of_scope=true")).toEqual([206]);
    expect(await ids("findings/?risk_accepted=true")).toEqual([207]);
    // `1` is no value for NullBooleanSelect: the filter is skipped, yet it is a real filter.
    expect(await ids("findings/?active=1")).toEqual([201, 202, 203, 204, 205, 206, 207]);
    expect(peer.ignoredParams).toEqual([]);
  });

  it("filters findings by exact dates and timestamps, SLA state and DateRangeFilter codes", async () => {
    peer.updateFinding(202, { verified: false, updated: "2024-05-06T07:08:09.123456Z" });
    expect(await ids(`findings/?sla_expiration_date=${YESTERDAY}`)).toEqual([201, 203, 207]);
    expect(await ids("findings/?last_status_update=2024-05-06T07:08:09.123456Z")).toEqual([202]);
    expect(await ids("findings/?last_status_update=2024-05-06T07:08:09.123Z")).toEqual([]);
    expect(await ids("findings/?updated=2024-05-06T09:08:09.123456%2B02:00")).toEqual([202]);
    expect(await ids("findings/?outside_of_sla=1")).toEqual([201]);
    expect(await ids("findings/?outside_of_sla=0")).toEqual([202, 204, 205, 206]);
    expect(await get("findings/?outside_of_sla=true")).toMatchObject({ status: 400, body: { outside_of_sla: ["Select a valid choice. true is not one of the available choices."] } });
    expect(await get("findings/?sla_expiration_date=tomorrow")).toMatchObject({ status: 400, body: { sla_expiration_date: ["Enter a valid date."] } });

    peer.addFinding({ id: 208, testId: 90 });
    expect(await ids("findings/?created=1")).toEqual([208]);
    expect(await ids("findings/?created=7&o=-id&limit=1")).toEqual([208]);
    // `created` is a DateRangeFilter: a timestamp is not one of its codes.
    expect(await get("findings/?created=2024-02-01")).toEqual({ status: 400, body: choiceError("created", "2024-02-01") });
  });

  it("filters engagements and tests by their Meta fields, with choices and foreign keys checked", async () => {
    expect(await ids("engagements/?status=Completed")).toEqual([8]);
    expect(await ids("engagements/?active=false")).toEqual([8]);
    expect(await ids("engagements/?product__prod_type=4,5")).toEqual([7, 8]);
    expect(await ids(`engagements/?updated=${at(30)}`)).toEqual([7]);
    expect(await ids("engagements/?name=notif eng")).toEqual([7]);
    expect(await ids("engagements/?name=notif")).toEqual([]);
    expect(await get("engagements/?status=Done")).toEqual({ status: 400, body: choiceError("status", "Done") });
    expect((await get("engagements/?product=3")).status).toBe(400);

    expect(await ids("tests/?engagement=8")).toEqual([91]);
    expect(await ids("tests/?title=notif test&scan_type=Acunetix Scan")).toEqual([90]);
    expect(await ids("tests/?tags=x")).toEqual([]);
    expect(await ids("tests/?not_tags=x")).toEqual([90, 91]);
  });

  it("filters products and product types as their FilterSets declare", async () => {
    expect(await ids("products/?prod_type=5")).toEqual([9]);
    expect(await ids("products/?id=4,9&name=notif")).toEqual([4]);
    expect(await ids("products/?name_exact=NOTIF PROD")).toEqual([4]);
    expect(await ids("product_types/?name=another type")).toEqual([5]);
    expect(await ids(`product_types/?created=${at(0)}`)).toEqual([5, 4]);
    // A django_filters.rest_framework FilterSet: its BooleanWidget reads 1 and 0.
    expect(await ids("product_types/?key_product=1")).toEqual([]);
  });

  it("applies the filters to detail views too, as DRF's get_object does", async () => {
    expect((await get("findings/201/?active=true")).status).toBe(200);
    expect(await get("findings/203/?active=true")).toEqual({ status: 404, body: { detail: "Not found." } });
    expect((await get("findings/201/?o=-updated")).status).toBe(400);
  });
});

describe("parameters DefectDojo does not have", () => {
  it("ignores them, as DefectDojo does, and records each one", async () => {
    const { body } = await get(`findings/?id__gt=205&created__gt=${at(14)}&updated__gt=${at(14)}&limit=10&offset=0`);
    expect(body.count).toBe(7);
    await get("engagements/?prefetch=product");
    expect(peer.ignoredParams).toEqual([
      { path: "/api/v2/findings/", param: "id__gt" },
      { path: "/api/v2/findings/", param: "created__gt" },
      { path: "/api/v2/findings/", param: "updated__gt" },
      { path: "/api/v2/engagements/", param: "prefetch" },
    ]);
  });

  it("answers 501 to a real filter it does not model, unless its value is empty (no filter)", async () => {
    expect(await get("findings/?cwe=79")).toEqual({ status: 501, body: { detail: "dojo peer: DefectDojo's findings filter cwe is real but not modelled here" } });
    expect(await ids("findings/?cwe=&o=-id&limit=1")).toEqual([207]);
    expect(peer.ignoredParams).toEqual([]);
  });
});

describe("test_imports", () => {
  beforeEach(() => {
    peer.addTestImport({
      id: 31,
      testId: 90,
      type: "reimport",
      created: at(50),
      branchTag: "main",
      actions: [
        { findingId: 202, action: "N" },
        { findingId: 201, action: "N" },
        { findingId: 203, action: "C" },
      ],
    });
    peer.addTestImport({ id: 32, testId: 91, created: at(51), actions: [{ findingId: 204, action: "U" }] });
  });

  it("renders TestImportSerializer's fields, actions in Test_Import_Finding_Action's order", async () => {
    const { body } = await get("test_imports/31/");
    expect(body).toEqual({
      id: 31,
      test_import_finding_action_set: [
        { id: 3, created: at(50), modified: at(50), action: "C", test_import: 31, finding: 203 },
        { id: 2, created: at(50), modified: at(50), action: "N", test_import: 31, finding: 201 },
        { id: 1, created: at(50), modified: at(50), action: "N", test_import: 31, finding: 202 },
      ],
      created: at(50),
      modified: at(50),
      import_settings: {},
      type: "reimport",
      version: null,
      build_id: null,
      commit_hash: null,
      branch_tag: "main",
      test: 90,
      findings_affected: [201, 202, 203],
    });
  });

  it("filters by test, branch and action; an action filter repeats the import once per matching action", async () => {
    expect(await ids("test_imports/?test=91")).toEqual([32]);
    expect(await ids("test_imports/?branch_tag=main")).toEqual([31]);
    expect(await ids("test_imports/?test_import_finding_action__action=N")).toEqual([31, 31]);
    expect(await ids("test_imports/?test_import_finding_action__finding=204")).toEqual([32]);
    expect(await ids(`test_imports/?test_import_finding_action__created=${at(51)}`)).toEqual([32]);
    // findings_affected is a ModelMultipleChoiceFilter: it adds DISTINCT, and takes repeated parameters.
    expect(await ids("test_imports/?findings_affected=201&findings_affected=204&test_import_finding_action__action=N")).toEqual([31]);
    expect(await get("test_imports/?test_import_finding_action__action=X")).toEqual({
      status: 400,
      body: choiceError("test_import_finding_action__action", "X"),
    });
    expect(await get("test_imports/?findings_affected=201,204")).toMatchObject({
      status: 400,
      body: { findings_affected: ["“201,204” is not a valid value."] },
    });
  });

  it("loses a deleted finding's action, as DefectDojo's cascade does", async () => {
    peer.removeFinding(203);
    expect((await get("test_imports/31/")).body.findings_affected).toEqual([201, 202]);
    expect((await get("findings/203/")).status).toBe(404);
  });
});

describe("risk_acceptance", () => {
  const expiry = (days: number) => new Date(Date.UTC(2026, 0, 10 + days)).toISOString().replace("Z", "000Z");

  beforeEach(() => {
    peer.addRiskAcceptance({ id: 3, engagementId: 7, name: "soon", acceptedFindings: [207], expirationDate: expiry(0), created: at(20) });
    peer.addRiskAcceptance({ id: 4, engagementId: 7, acceptedFindings: [201, 202], expirationDate: expiry(10), created: at(21) });
    peer.addRiskAcceptance({ id: 5, engagementId: 8, expirationDate: null, created: at(22) });
  });

  it("renders RiskAcceptanceSerializer's fields: a `path` sentence and no engagement", async () => {
    expect((await get("risk_acceptance/3/")).body).toEqual({
      id: 3,
      path: "No proof has been supplied",
      name: "soon",
      recommendation: "F",
      recommendation_details: null,
      decision: "A",
      decision_details: null,
      accepted_by: null,
      expiration_date: "2026-01-10T00:00:00.000000Z",
      expiration_date_warned: null,
      expiration_date_handled: null,
      reactivate_expired: true,
      restart_sla_expired: false,
      created: at(20),
      updated: at(20),
      owner: 1,
      accepted_findings: [207],
      notes: [],
    });
    expect((await get("engagements/7/")).body.risk_acceptance).toEqual([3, 4]);
  });

  it("filters expiration_date with __gt and __lte, to the microsecond, nulls never matching", async () => {
    expect(await ids("risk_acceptance/?expiration_date__gt=2026-01-09T23:59:59Z&expiration_date__lte=2026-01-15")).toEqual([3]);
    expect(await ids("risk_acceptance/?expiration_date__gt=2026-01-10T00:00:00Z")).toEqual([4]);
    expect(await ids("risk_acceptance/?expiration_date__gt=2026-01-09T23:59:59.999999Z")).toEqual([3, 4]);
    expect(await ids("risk_acceptance/?expiration_date__lte=2026-01-20")).toEqual([3, 4]);
    expect(await ids("risk_acceptance/?accepted_findings=202")).toEqual([4]);
    expect(await get("risk_acceptance/?expiration_date__gt=next week")).toEqual({
      status: 400,
      body: {
        expiration_date__gt: ["Enter a valid date/time."],
        message: "{'expiration_date__gt': [ErrorDetail(string='Enter a valid date/time.', code='invalid')]}",
      },
    });
  });

  it("moves `updated` on a change, which updated__gt can find", async () => {
    peer.updateRiskAcceptance(5, { expirationDate: expiry(1), updated: at(40) });
    expect(await ids(`risk_acceptance/?updated__gt=${at(30)}`)).toEqual([5]);
    expect(await ids(`risk_acceptance/?created__gte=${at(21)}&created__lt=${at(22)}`)).toEqual([4]);
  });
});

describe("saving", () => {
  it("moves a finding's updated on any change, and last_status_update only on a status change", async () => {
    peer.updateFinding(205, { duplicate: false, updated: at(40) });
    peer.updateFinding(202, { isMitigated: true, updated: at(41) });
    const { body: untouchedStatus } = await get("findings/205/");
    expect(untouchedStatus).toMatchObject({ duplicate: false, updated: at(40), last_status_update: at(14) });
    const { body: mitigated } = await get("findings/202/");
    expect(mitigated).toMatchObject({ is_mitigated: true, mitigated: at(41), updated: at(41), last_status_update: at(41) });
  });

  it("closes an engagement: Completed or Cancelled makes it inactive, and moves updated", async () => {
    peer.updateEngagement(7, { status: "Cancelled" });
    const { body } = await get("engagements/7/");
    expect(body).toMatchObject({ id: 7, name: "notif eng", status: "Cancelled", active: false, product: 4 });
    expect(Date.parse(body.updated)).toBeGreaterThan(Date.parse(at(30)));
    expect(await ids("engagements/?active=true")).toEqual([]);
  });
});

describe("what the poller's DefectDojo semantics read", () => {
  it("keeps `created` and `updated` null where BaseModel and Test allow it, null first in a descending order", async () => {
    // dojo/base_models/base.py and dojo/test/models.py (3.2.0; 2.58.2-changelog dojo/models.py Test): null=True.
    peer.addEngagement({ id: 12, productId: 4, created: null, updated: null, targetStart: "2024-02-01" });
    peer.addTest({ id: 92, engagementId: 7, created: null, updated: null });
    expect((await get("engagements/12/")).body).toMatchObject({ created: null, updated: null });
    expect((await get("tests/92/")).body).toMatchObject({ created: null, updated: null });
    // PostgreSQL: NULLS LAST ascending, so first descending.
    expect(await ids("engagements/?o=-updated")).toEqual([12, 7, 8]);
    expect(await ids("tests/?o=-created")).toEqual([92, 90, 91]);
    expect(await ids("tests/?o=created")).toEqual([91, 90, 92]);
  });

  it("starts an engagement as Not Started, the model's default, and keeps a null status (dojo/engagement/models.py, 3.2.0)", async () => {
    peer.addEngagement({ id: 12, productId: 4 });
    peer.addEngagement({ id: 13, productId: 4, status: null });
    expect((await get("engagements/12/")).body).toMatchObject({ status: "Not Started", active: true });
    expect((await get("engagements/13/")).body).toMatchObject({ status: null, active: true });
  });

  it("keeps a finding's `created` null where BaseModel allows it (dojo/base_models/base.py, 3.2.0)", async () => {
    peer.addFinding({ id: 208, testId: 90, created: null });
    expect((await get("findings/208/")).body).toMatchObject({ created: null });
    expect((await ids("findings/?o=-created")).slice(0, 2)).toEqual([208, 207]);
  });

  it("serves System Settings' SLA switches and risk acceptance heads-up with the model's defaults (dojo/system_settings/models.py, 3.2.0)", async () => {
    const { body } = await get("system_settings/");
    expect(body.results[0]).toMatchObject({
      enable_finding_sla: true,
      enable_notify_sla_active: false,
      enable_notify_sla_active_verified: false,
      enable_notify_sla_jira_only: false,
      enable_notify_sla_exponential_backoff: false,
      risk_acceptance_notify_before_expiration: 10,
    });
    // IntegerField(null=True): "Leave empty to disable."
    const response = await fetch(`${peer.url}/api/v2/system_settings/1/`, {
      method: "PATCH",
      headers: { Authorization: `Token ${peer.serviceToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ risk_acceptance_notify_before_expiration: null, enable_notify_sla_active: null }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ enable_notify_sla_active: ["This field may not be null."] });
    peer.setSystemSettings({ risk_acceptance_notify_before_expiration: null });
    expect((await get("system_settings/")).body.results[0].risk_acceptance_notify_before_expiration).toBeNull();
  });

  it("serves SLA configurations (SLAConfigurationViewset, both refs) with the model's defaults, and products naming theirs", async () => {
    peer.addSlaConfiguration({ id: 2, name: "lenient", enforceLow: false });
    expect((await get("sla_configurations/1/")).body).toMatchObject({
      name: "Default",
      critical: 7,
      enforce_critical: true,
      high: 30,
      enforce_high: true,
      medium: 90,
      enforce_medium: true,
      low: 120,
      enforce_low: true,
    });
    expect((await get("sla_configurations/2/")).body).toMatchObject({ enforce_low: false, enforce_high: true });
    expect((await get("sla_configurations/2/")).body).not.toHaveProperty("async_updating");
    // Product.sla_configuration defaults to 1 and disable_sla_breach_notifications to False (dojo/product/models.py).
    expect((await get("products/4/")).body).toMatchObject({ sla_configuration: 1, disable_sla_breach_notifications: false });
    peer.addProduct({ id: 10, name: "quiet", productTypeId: 4, slaConfigurationId: 2, disableSlaBreachNotifications: true });
    expect((await get("products/10/")).body).toMatchObject({ sla_configuration: 2, disable_sla_breach_notifications: true });
  });

  it("filters findings by has_jira (jira_issue__isnull, exclude=True: dojo/finding/api/filters.py)", async () => {
    peer.addFinding({ id: 208, testId: 90, jiraIssue: true });
    expect(await ids("findings/?has_jira=true")).toEqual([208]);
    expect(await ids("findings/?has_jira=false")).toEqual([201, 202, 203, 204, 205, 206, 207]);
  });

  it("names users as Django keeps them: first and last name blank unless given", async () => {
    peer.addUser({ id: 2, username: "ann", firstName: "Ann", lastName: "Smith" });
    peer.addUser({ id: 3, username: "bob" });
    expect((await get("users/2/")).body).toMatchObject({ first_name: "Ann", last_name: "Smith" });
    expect((await get("users/3/")).body).toMatchObject({ first_name: "", last_name: "" });
  });
});
