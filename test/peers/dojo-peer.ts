import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, readRequestBody } from "./http-peer";

/** A DefectDojo user as the peer knows it; `token`, when given, is the user's API v2 key. */
export interface DojoPeerUser {
  id: number;
  username: string;
  email?: string;
  isSuperuser?: boolean;
  isStaff?: boolean;
  isActive?: boolean;
  token?: string;
  /** Django's User names: blank ("") unless given. */
  firstName?: string;
  lastName?: string;
  /**
   * How the user came to be (RBAC): "ui" (the default) as DefectDojo's UI adds one, with a
   * Global_Role row whose role is null unless `globalRole` names one (2.58.2-changelog
   * dojo/user/views.py add_user); "api" as `POST users/` does, with no Global_Role row.
   */
  madeBy?: "ui" | "api";
  /** The role the UI's form gave ("ui" only); null (the default) is the form left empty. */
  globalRole?: number | null;
}

/** RBAC: DefectDojo 2.x and Pro (members, groups, global roles). LEGACY: 3.x open source (`authorized_users`). */
export type DojoAuthorizationModel = "RBAC" | "LEGACY";

/** DefectDojo's role ids (2.x `dojo/authorization/roles_permissions.py`). Every one may view. */
export const DOJO_ROLES = { API_IMPORTER: 1, WRITER: 2, MAINTAINER: 3, OWNER: 4, READER: 5 } as const;

/** A product or a product type, for the LEGACY access lists. */
export type DojoPeerTarget = { productId?: number; productTypeId?: number };

/** One API v2 request the peer received (user_profile/ excepted), in order. */
export interface DojoPeerRequest {
  /** e.g. `/api/v2/product_members/` */
  path: string;
  /** The query parameters as sent, e.g. `{ product_id: "4", limit: "250", offset: "0" }`. */
  query: Record<string, string>;
}

/** `Engagement.status` choices (`dojo/engagement/models.py` ENGAGEMENT_STATUS_CHOICES). */
export const DOJO_ENGAGEMENT_STATUSES = [
  "Not Started",
  "Blocked",
  "Cancelled",
  "Completed",
  "In Progress",
  "On Hold",
  "Scheduled",
  "Waiting for Resource",
] as const;
export type DojoEngagementStatus = (typeof DOJO_ENGAGEMENT_STATUSES)[number];
export type DojoSeverity = "Critical" | "High" | "Medium" | "Low" | "Info";
/** `Test_Import_Finding_Action.action`: created, closed, reactivated, untouched (`dojo/test/models.py`). */
export type DojoImportAction = "N" | "C" | "R" | "U";

/*
 * Seeds. Timestamps are ISO 8601 strings as DefectDojo renders them (`2024-02-01T10:00:00.000000Z`),
 * dates `YYYY-MM-DD`; a timestamp left out is the moment of seeding. Seeds are stored as given:
 * DefectDojo's own cascades (false_p makes a finding inactive, a risk acceptance sets risk_accepted, …)
 * are the caller's to mirror.
 */

export interface DojoPeerEngagement {
  id: number;
  productId: number;
  /** Default `eng <id>`; null for a nameless one (Engagement.name is nullable in DefectDojo, dojo/engagement/models.py at 3.2). */
  name?: string | null;
  /** Default "Not Started", the model's default (dojo/engagement/models.py); `active` is false while Completed or Cancelled. */
  status?: DojoEngagementStatus | null;
  /** BaseModel's `created` and `updated` are `null=True` (dojo/base_models/base.py): null is a real value here. */
  created?: string | null;
  /** Default: `created`. */
  updated?: string | null;
  /** A date; default the day of `created` (or of seeding). */
  targetStart?: string;
  /** A date; default `targetStart`. */
  targetEnd?: string;
}

export interface DojoPeerTest {
  id: number;
  engagementId: number;
  /** Default `test <id>`; null for an untitled one (Test.title is nullable in DefectDojo, dojo/test/models.py at 3.2). */
  title?: string | null;
  /** The Test_Type id; default 1. */
  testType?: number;
  /** Default "ZAP Scan"; also the test's `scan_type`. */
  testTypeName?: string;
  /** `null=True` in dojo/test/models.py: null is a real value here. */
  created?: string | null;
  /** Default: `created`. */
  updated?: string | null;
}

export interface DojoPeerFinding {
  id: number;
  testId: number;
  /** Default `finding <id>`. */
  title?: string;
  /** Default High. */
  severity?: DojoSeverity;
  /** Default true; every other status flag defaults to false. */
  active?: boolean;
  verified?: boolean;
  duplicate?: boolean;
  falseP?: boolean;
  outOfScope?: boolean;
  riskAccepted?: boolean;
  /** When true, `mitigated` is the creation time. */
  isMitigated?: boolean;
  /** A date or null (the default). */
  slaExpirationDate?: string | null;
  /** The discovery date; default the day of `created`. */
  date?: string;
  /** Also the first `updated` and `last_status_update`; null (Finding is a BaseModel: `null=True`) leaves only `created` null. */
  created?: string | null;
  /** The reporting user's id; default 1. */
  reporter?: number;
  /** Default none. */
  tags?: string[];
  /** Whether a JIRA issue is linked (the `has_jira` filter); default false. */
  jiraIssue?: boolean;
}

/** `updated` defaults to now; it is also the new `last_status_update` when a status flag changes. */
export type DojoPeerFindingChanges = Partial<
  Pick<
    DojoPeerFinding,
    "title" | "severity" | "active" | "verified" | "duplicate" | "falseP" | "outOfScope" | "riskAccepted" | "isMitigated" | "slaExpirationDate"
  >
> & { updated?: string };

/** An SLA_Configuration (dojo/models.py): days and enforcement per severity. */
export interface DojoPeerSlaConfiguration {
  id: number;
  name?: string;
  /** Defaults 7, 30, 90, 120 days, each enforced. */
  critical?: number;
  enforceCritical?: boolean;
  high?: number;
  enforceHigh?: boolean;
  medium?: number;
  enforceMedium?: boolean;
  low?: number;
  enforceLow?: boolean;
}

export interface DojoPeerTestImport {
  id: number;
  testId: number;
  /** Default "import". */
  type?: "import" | "reimport";
  /** Also the time of every action. */
  created?: string;
  version?: string | null;
  branchTag?: string | null;
  buildId?: string | null;
  commitHash?: string | null;
  /** At most one per finding, as DefectDojo's unique (test_import, finding) demands. */
  actions: ReadonlyArray<{ findingId: number; action: DojoImportAction }>;
}

export interface DojoPeerRiskAcceptance {
  id: number;
  /** The engagement that lists it (`risk_acceptance` in engagements/); DefectDojo's risk_acceptance/ JSON does not show it. */
  engagementId: number;
  /** Default `risk acceptance <id>`. */
  name?: string;
  /** Finding ids; default none. */
  acceptedFindings?: number[];
  expirationDate: string | null;
  expirationDateWarned?: string | null;
  expirationDateHandled?: string | null;
  created?: string;
  /** Default: `created`. */
  updated?: string;
}

/** `updated` defaults to now. */
export type DojoPeerRiskAcceptanceChanges = Partial<
  Pick<DojoPeerRiskAcceptance, "name" | "acceptedFindings" | "expirationDate" | "expirationDateWarned" | "expirationDateHandled" | "updated">
>;

/** DefectDojo's Notifications event fields, in the model's order (the same from 2.39 to 3.2). */
export const DOJO_NOTIFICATION_FIELDS = [
  "product_type_added",
  "product_added",
  "engagement_added",
  "test_added",
  "scan_added",
  "scan_added_empty",
  "jira_update",
  "upcoming_engagement",
  "stale_engagement",
  "auto_close_engagement",
  "close_engagement",
  "user_mentioned",
  "code_review",
  "review_requested",
  "other",
  "sla_breach",
  "sla_breach_combined",
  "risk_acceptance_expiration",
] as const;
export type DojoNotificationField = (typeof DOJO_NOTIFICATION_FIELDS)[number];
/** `NOTIFICATION_CHOICES` (dojo/notifications/models.py), in order. */
export const DOJO_CHANNEL_IDS = ["slack", "msteams", "mail", "webhooks", "alert"] as const;
export type DojoChannelId = (typeof DOJO_CHANNEL_IDS)[number];

/** A Notifications row to seed: the system row unless `user` is given (per product with `product`). */
export interface DojoPeerNotificationsRow {
  user?: number | null;
  product?: number | null;
  template?: boolean;
  /** A field left out has the model's default: alert, and none for scan_added_empty. */
  channels?: Partial<Record<DojoNotificationField, DojoChannelId[]>>;
}

/** `Notification_Webhooks.Status`. */
export type DojoWebhookStatus = "active" | "active_tmp" | "inactive_tmp" | "inactive_permanent";
export const DOJO_WEBHOOK_STATUSES: readonly DojoWebhookStatus[] = ["active", "active_tmp", "inactive_tmp", "inactive_permanent"];

/** A webhook endpoint as DefectDojo's database holds it, header value included. */
export interface DojoPeerWebhookEndpoint {
  id: number;
  name: string;
  url: string;
  headerName: string | null;
  headerValue: string | null;
  status: DojoWebhookStatus;
  note: string | null;
  /** null: a system endpoint. */
  owner: number | null;
}

/** One write the peer received (POST, PATCH, PUT, DELETE), in order, and what it answered. */
export interface DojoPeerWrite {
  method: string;
  path: string;
  /** The JSON body as parsed (undefined when it was not JSON). */
  body: unknown;
  status: number;
}

/**
 * A DefectDojo REST API v2 on 127.0.0.1, seeded per test. The seed helpers write straight into its
 * data; every read goes through HTTP as the bridge's would.
 */
export interface DojoPeer {
  /** Base URL, e.g. http://127.0.0.1:41234 — what DOJO_URL would be. */
  url: string;
  model: DojoAuthorizationModel;
  /** The service account's key (DOJO_API_KEY): a superuser's, as DefectDojo's users/ and global_roles/ need. */
  serviceToken: string;
  /** Accepts one more superuser key (e.g. a rotated DOJO_API_KEY). */
  addServiceToken(token: string): void;
  /** Forgets a key (a user's or a service key), as revoking it in DefectDojo would. */
  removeToken(token: string): void;

  /** Adds or replaces a user (by id); a `token` lets them call the API (user_profile/) as themselves. */
  addUser(user: DojoPeerUser): void;
  /** Changes a user (e.g. `{ isActive: false }`). */
  updateUser(id: number, changes: Partial<DojoPeerUser>): void;
  /** Deletes a user: users/<id>/ answers 404, and their memberships go with them. */
  removeUser(id: number): void;

  /** Adds or replaces a product type; `updated` defaults to `created`. */
  addProductType(productType: { id: number; name: string; created?: string | null; updated?: string | null }): void;
  /**
   * Adds or replaces a product; its `updated` (not in DefectDojo's JSON, but an `o=` choice) is `created`.
   * `slaConfigurationId` defaults to 1 (the shipped "Default"), `disableSlaBreachNotifications` to false.
   */
  addProduct(product: {
    id: number;
    name: string;
    productTypeId: number;
    created?: string | null;
    tags?: string[];
    slaConfigurationId?: number;
    disableSlaBreachNotifications?: boolean;
  }): void;
  /** Adds or replaces an SLA_Configuration; fields left out have the model's defaults (row 1, "Default", exists from the start). */
  addSlaConfiguration(config: DojoPeerSlaConfiguration): void;
  /** Deletes a product: products/<id>/ answers 404, and its memberships go with it. */
  removeProduct(id: number): void;
  addEngagement(engagement: DojoPeerEngagement): void;
  /** Saves an engagement as DefectDojo's UI does: `updated` becomes now unless given, `active` follows `status`. */
  updateEngagement(id: number, changes: { name?: string; status?: DojoEngagementStatus | null; updated?: string }): void;
  addTest(test: DojoPeerTest): void;
  addFinding(finding: DojoPeerFinding): void;
  /**
   * Saves a finding: `updated` becomes now (unless given); `last_status_update` too when active, verified,
   * false_p, out_of_scope, risk_accepted or is_mitigated change (DefectDojo's `pre_save_changed` list;
   * `duplicate` is not on it); `mitigated` follows is_mitigated.
   */
  updateFinding(id: number, changes: DojoPeerFindingChanges): void;
  /** Deletes a finding, with its import actions and risk acceptance links (DefectDojo's cascades). */
  removeFinding(id: number): void;
  /** `count` findings with ids `firstId`…, one timestamp, and the defaults of addFinding: fast enough for 100,000. */
  seedFindings(count: number, options: { firstId: number; testId: number; severity?: DojoSeverity }): void;
  /** An import or reimport of a test and what it did to each finding. */
  addTestImport(testImport: DojoPeerTestImport): void;
  addRiskAcceptance(riskAcceptance: DojoPeerRiskAcceptance): void;
  updateRiskAcceptance(id: number, changes: DojoPeerRiskAcceptanceChanges): void;

  /** RBAC membership rows; `role` is Reader unless given (every role may view). */
  addProductMember(productId: number, userId: number, role?: number): void;
  removeProductMember(productId: number, userId: number): void;
  addProductTypeMember(productTypeId: number, userId: number, role?: number): void;
  removeProductTypeMember(productTypeId: number, userId: number): void;
  /**
   * An RBAC group (dojo_groups/); addGroupMember creates an unnamed one when needed. Made as
   * DefectDojo's UI makes one (the default): with a Global_Role row whose role is null
   * (2.58.2-changelog dojo/group/views.py AddGroupView); "api" (`POST dojo_groups/`) with none.
   */
  addGroup(group: { id: number; name: string; madeBy?: "ui" | "api" }): void;
  addGroupMember(groupId: number, userId: number, role?: number): void;
  removeGroupMember(groupId: number, userId: number): void;
  addProductGroup(productId: number, groupId: number, role?: number): void;
  removeProductGroup(productId: number, groupId: number): void;
  addProductTypeGroup(productTypeId: number, groupId: number, role?: number): void;
  removeProductTypeGroup(productTypeId: number, groupId: number): void;
  /**
   * Sets the global role of a user or a group (Reader unless given; null as the UI's empty form
   * saves it). Global_Role.user and .group are one-to-one: the holder's existing row is updated.
   */
  addGlobalRole(holder: { userId?: number; groupId?: number; role?: number | null }): void;
  removeGlobalRole(holder: { userId?: number; groupId?: number }): void;

  /** LEGACY: puts a user in `authorized_users` of a product or product type. */
  authorize(target: DojoPeerTarget, userId: number): void;
  unauthorize(target: DojoPeerTarget, userId: number): void;

  /** DefectDojo's version, as `oa3/schema/` tells it (`info.version`): 2.58.4 for RBAC and 3.2.0 for LEGACY unless given. */
  readonly version: string;
  /**
   * Changes the one System_Settings row, by DefectDojo's field names (e.g. `{ enable_slack_notifications:
   * true, slack_token: "xoxb-…" }`); the rest keep the model's defaults.
   */
  setSystemSettings(changes: Record<string, string | number | boolean | null>): void;
  /** The System_Settings row as stored. */
  systemSettings(): Record<string, string | number | boolean | null>;
  /** Adds a Notifications row and returns its id; keeping DefectDojo's one-row-per-(user, product) rule is the caller's. */
  addNotificationsRow(row: DojoPeerNotificationsRow): number;
  /** Every Notifications row with each event's channels (a set; here in NOTIFICATION_CHOICES order), by id. */
  notificationsRows(): Array<{
    id: number;
    user: number | null;
    product: number | null;
    template: boolean;
    channels: Record<DojoNotificationField, DojoChannelId[]>;
  }>;
  /** A user's UserContactInfo (its `slack_username` is the Slack e-mail address), replacing the user's earlier one. */
  addUserContactInfo(info: { userId: number; slackEmail?: string | null; slackUserId?: string | null }): void;
  /** Adds a webhook endpoint (status `active` unless given) and returns its id. */
  addWebhookEndpoint(endpoint: {
    name: string;
    url: string;
    headerName?: string | null;
    headerValue?: string | null;
    owner?: number | null;
    status?: DojoWebhookStatus;
  }): number;
  /** The webhook endpoints, header values included, by id. */
  webhookEndpoints(): DojoPeerWebhookEndpoint[];
  /** What DefectDojo's own delivery does to an endpoint (its API cannot): a status, and the note of the error. */
  setWebhookStatus(id: number, status: DojoWebhookStatus, note?: string | null): void;
  /** Every write (POST, PATCH, PUT, DELETE) received, answered or not, in order. */
  readonly writes: ReadonlyArray<DojoPeerWrite>;

  /** Makes the next user-profile calls answer this status instead (e.g. 500, 502); null restores. */
  failWith(status: number | null): void;
  /**
   * Makes every other API call answer this status (e.g. 503, as a proxy in front of a stopped
   * DefectDojo would), or only those to one resource (`"product_members"`); `null` without a
   * resource restores them all.
   */
  failApiWith(status: number | null, resource?: string): void;

  /** `GET /api/v2/user_profile/` calls so far, answered or not. */
  readonly profileCalls: number;
  /** The Authorization and Accept headers of every user-profile call, in order. */
  readonly requests: ReadonlyArray<{ authorization: string | undefined; accept: string | undefined }>;
  /** Every other API call's path (without query), answered or not, in order. */
  readonly apiCalls: string[];
  /** Every other API call with its query, in order. */
  readonly apiRequests: ReadonlyArray<DojoPeerRequest>;
  /**
   * Query parameters DefectDojo would silently ignore on that endpoint (no such filter), one entry
   * per request and parameter; `limit`, `offset` and `format` are never listed. A filter DefectDojo
   * has but this peer does not model is answered 501 instead, so no test passes on a guess.
   */
  readonly ignoredParams: ReadonlyArray<{ path: string; param: string }>;
  /** How many calls went to one resource (`"users"`, `"product_members"`), list and detail alike. */
  callsTo(resource: string): number;
  close(): Promise<void>;

  // --- For DefectDojo's webhook sender (test/peers/dojo-webhook-sender.ts) ---
  /** The stored webhook endpoint rows themselves, errors included: the sender changes them as DefectDojo's does. */
  webhookEndpointRows(): DojoPeerWebhookRow[];
  /** One stored row; undefined once deleted. */
  webhookEndpointRow(id: number): DojoPeerWebhookRow | undefined;
}

/** A webhook endpoint row as stored, with DefectDojo's `first_error` and `last_error` (ISO, microseconds). */
export type DojoPeerWebhookRow = DojoPeerWebhookEndpoint & { firstError: string | null; lastError: string | null };

// Endpoints DefectDojo 3.x open source no longer has (moved to Pro): they answer 404 there.
const RBAC_ONLY = [
  "product_members",
  "product_type_members",
  "product_groups",
  "product_type_groups",
  "dojo_groups",
  "dojo_group_members",
  "global_roles",
] as const;
type RbacResource = (typeof RBAC_ONLY)[number];
type Row = { id: number } & Record<string, number | string | null>;

type ProductTypeRecord = { id: number; name: string; created: string | null; updated: string | null; authorized: Set<number> };
type ProductRecord = {
  id: number;
  name: string;
  productTypeId: number;
  created: string | null;
  updated: string | null;
  authorized: Set<number>;
  tags: string[];
  slaConfigurationId: number;
  disableSlaBreachNotifications: boolean;
};
type EngagementRecord = Required<DojoPeerEngagement>;
// Test.target_start is its own non-null field; the peer sets it to the creation (or seeding) time.
type TestRecord = Required<DojoPeerTest> & { targetStart: string };
type SlaConfigurationRecord = Required<DojoPeerSlaConfiguration>;
type FindingRecord = Required<DojoPeerFinding> & { mitigated: string | null; updated: string; lastStatusUpdate: string; description: string };
type ImportActionRecord = { id: number; findingId: number; action: DojoImportAction; created: string; modified: string };
type TestImportRecord = Required<Omit<DojoPeerTestImport, "actions">> & { modified: string; actions: ImportActionRecord[] };
type RiskAcceptanceRecord = Required<DojoPeerRiskAcceptance> & { owner: number };
type SystemSettingsRecord = { id: number } & Record<string, string | number | boolean | null>;
type NotificationsRecord = { id: number; user: number | null; product: number | null; template: boolean; channels: Record<DojoNotificationField, string[]> };
type WebhookRecord = DojoPeerWebhookRow;
type ContactInfoRecord = { id: number; userId: number; slackUsername: string | null; slackUserId: string | null };

// DRF's LimitOffsetPagination with DefectDojo's PAGE_SIZE; it sets no max_limit.
const DEFAULT_LIMIT = 25;
// DRF's pagination and its URL_FORMAT_OVERRIDE: never filters.
const NOT_FILTERS = new Set(["limit", "offset", "format"]);
const CLOSED_STATUSES: readonly string[] = ["Completed", "Cancelled"];
// Finding.get_numerical_severity
const NUMERICAL_SEVERITY: Record<DojoSeverity, string> = { Critical: "S0", High: "S1", Medium: "S2", Low: "S3", Info: "S4" };
const IMPORT_ACTIONS: readonly DojoImportAction[] = ["N", "C", "R", "U"];
// Risk_Acceptance.TREATMENT_CHOICES: accept, avoid, mitigate, fix, transfer.
const TREATMENTS = ["A", "V", "M", "F", "T"];
// Postgres sorts text by locale, not by code point.
const collator = new Intl.Collator("en-US");

/**
 * A stand-in for DefectDojo's REST API v2 on 127.0.0.1, faithful where the bridge reads it: token
 * auth (DRF's 401 `{"detail": …}`, superuser-only users/ and global_roles/), limit/offset pagination
 * (`count`, absolute `next`/`previous`, default limit 25, no maximum), DefectDojo's own filter names,
 * lookups and `o=` orderings per endpoint (django-filter semantics: bad values are a 400, unknown
 * parameters are ignored and listed in `ignoredParams`), and either authorization model: RBAC (2.x,
 * Pro) with member, group and global-role endpoints, or LEGACY (3.x open source) where those answer
 * 404 and products and product types carry `authorized_users`. The notification settings
 * (`system_settings/`, `notifications/`, `notification_webhooks/`, `user_contact_infos/`) can also be
 * written, with DRF's validation and DefectDojo's own rules; `oa3/schema/` tells the version.
 *
 * Simplification: a user key that is not a superuser's is refused (403) by every endpoint but
 * user_profile/, where DefectDojo would answer with what that user may see.
 */
export async function startDojoPeer(options: { model?: DojoAuthorizationModel; version?: string } = {}): Promise<DojoPeer> {
  const model = options.model ?? "RBAC";
  const version = options.version ?? (model === "RBAC" ? "2.58.4" : "3.2.0");
  const majorVersion = Number(version.split(".")[0]);
  const serviceToken = "dojo-service-key-000000000000";
  const serviceTokens = new Set([serviceToken]);
  const users = new Map<number, DojoPeerUser>();
  const tokens = new Map<string, number>();
  const productTypes = new Map<number, ProductTypeRecord>();
  const products = new Map<number, ProductRecord>();
  const engagements = new Map<number, EngagementRecord>();
  const tests = new Map<number, TestRecord>();
  const findings = new Map<number, FindingRecord>();
  // The same findings in id order: DefectDojo's default order, and what keeps 100,000 of them fast.
  let findingRows: FindingRecord[] = [];
  const testImports = new Map<number, TestImportRecord>();
  const riskAcceptances = new Map<number, RiskAcceptanceRecord>();
  const slaConfigurations = new Map<number, SlaConfigurationRecord>([[1, slaConfigurationRecord({ id: 1, name: "Default" })]]);
  const rows = Object.fromEntries(RBAC_ONLY.map((name) => [name, [] as Row[]])) as Record<RbacResource, Row[]>;
  let nextRowId = 1;
  let nextImportActionId = 1;
  const systemSettings: SystemSettingsRecord = {
    id: 1,
    ...Object.fromEntries(Object.entries(SYSTEM_SETTINGS_FIELDS).map(([name, { initial }]) => [name, initial])),
  };
  const notificationsRows = new Map<number, NotificationsRecord>();
  const webhookEndpoints = new Map<number, WebhookRecord>();
  const contactInfos = new Map<number, ContactInfoRecord>();
  let nextSettingsRowId = 1;
  const writes: DojoPeerWrite[] = [];
  // Sorted listings by `<resource>?o=<ordering>`, dropped on every change to the data they sort.
  const sortCache = new Map<string, readonly unknown[]>();
  const touched = () => sortCache.clear();
  const requests: Array<{ authorization: string | undefined; accept: string | undefined }> = [];
  const apiCalls: string[] = [];
  const apiRequests: DojoPeerRequest[] = [];
  const ignoredParams: Array<{ path: string; param: string }> = [];
  let profileFailure: number | null = null;
  let apiFailure: number | null = null;
  const resourceFailures = new Map<string, number>();
  let baseUrl = "";

  const userBody = (user: DojoPeerUser) => ({
    id: user.id,
    username: user.username,
    first_name: user.firstName ?? "",
    last_name: user.lastName ?? "",
    email: user.email ?? "",
    date_joined: "2024-01-15T09:30:00.000000Z",
    last_login: "2025-06-01T12:00:00.000000Z",
    is_active: user.isActive ?? true,
    // 2.58.2-changelog dojo/api_v2/serializers.py UserSerializer lists no is_staff; 3.2's
    // dojo/user/api/serializer.py does.
    ...(majorVersion >= 3 ? { is_staff: user.isStaff ?? false } : {}),
    is_superuser: user.isSuperuser ?? false,
    token_last_reset: null,
    password_last_reset: null,
    configuration_permissions: [],
  });
  // ProductSerializer excludes `updated`.
  const productBody = (p: ProductRecord) => ({
    id: p.id,
    findings_count: 0,
    findings_list: [],
    tags: p.tags,
    product_meta: [],
    name: p.name,
    description: `${p.name}, seeded`,
    created: p.created,
    prod_type: p.productTypeId,
    business_criticality: null,
    sla_configuration: p.slaConfigurationId,
    disable_sla_breach_notifications: p.disableSlaBreachNotifications,
    ...(model === "LEGACY" ? { authorized_users: [...p.authorized].sort((a, b) => a - b) } : {}),
  });
  const productTypeBody = (pt: ProductTypeRecord) => ({
    id: pt.id,
    name: pt.name,
    description: null,
    critical_product: false,
    key_product: false,
    created: pt.created,
    updated: pt.updated,
    ...(model === "LEGACY" ? { authorized_users: [...pt.authorized].sort((a, b) => a - b) } : {}),
  });
  const risksOf = (engagementId: number) =>
    [...riskAcceptances.values()].filter((ra) => ra.engagementId === engagementId).map((ra) => ra.id).sort((a, b) => a - b);
  const engagementBody = (e: EngagementRecord) => ({
    id: e.id,
    tags: [],
    name: e.name,
    description: null,
    version: null,
    target_start: e.targetStart,
    target_end: e.targetEnd,
    threat_model: true,
    api_test: true,
    pen_test: true,
    status: e.status,
    engagement_type: "Interactive",
    build_id: null,
    commit_hash: null,
    branch_tag: null,
    created: e.created,
    updated: e.updated,
    lead: null,
    requester: null,
    report_type: null,
    product: e.productId,
    risk_acceptance: risksOf(e.id),
    active: !CLOSED_STATUSES.includes(e.status ?? ""),
  });
  const testBody = (t: TestRecord) => ({
    id: t.id,
    tags: [],
    test_type_name: t.testTypeName,
    engagement: t.engagementId,
    lead: null,
    test_type: t.testType,
    scan_type: t.testTypeName,
    title: t.title,
    description: null,
    target_start: t.targetStart,
    target_end: t.targetStart,
    percent_complete: null,
    version: null,
    build_id: null,
    commit_hash: null,
    branch_tag: null,
    api_scan_configuration: null,
    created: t.created,
    updated: t.updated,
  });
  const findingBody = (f: FindingRecord) => ({
    id: f.id,
    tags: f.tags,
    test: f.testId,
    title: f.title,
    date: f.date,
    sla_start_date: null,
    sla_expiration_date: f.slaExpirationDate,
    severity: f.severity,
    description: f.description,
    active: f.active,
    verified: f.verified,
    false_p: f.falseP,
    duplicate: f.duplicate,
    out_of_scope: f.outOfScope,
    risk_accepted: f.riskAccepted,
    is_mitigated: f.isMitigated,
    mitigated: f.mitigated,
    last_status_update: f.lastStatusUpdate,
    numerical_severity: NUMERICAL_SEVERITY[f.severity],
    reporter: f.reporter,
    created: f.created,
    updated: f.updated,
  });
  // TestImportSerializer and TestImportFindingActionSerializer (`fields = "__all__"`), in DRF's key
  // order; actions in Test_Import_Finding_Action's Meta ordering (action, then finding), the affected
  // findings by id.
  const testImportBody = (ti: TestImportRecord) => ({
    id: ti.id,
    test_import_finding_action_set: [...ti.actions]
      .sort((a, b) => a.action.localeCompare(b.action) || a.findingId - b.findingId)
      .map((a) => ({ id: a.id, created: a.created, modified: a.modified, action: a.action, test_import: ti.id, finding: a.findingId })),
    created: ti.created,
    modified: ti.modified,
    import_settings: {},
    type: ti.type,
    version: ti.version,
    build_id: ti.buildId,
    commit_hash: ti.commitHash,
    branch_tag: ti.branchTag,
    test: ti.testId,
    findings_affected: ti.actions.map((a) => a.findingId).sort((a, b) => a - b),
  });
  // RiskAcceptanceSerializer (`fields = "__all__"`): `path` is a method field that says so when no
  // proof was uploaded; its get_engagement() is never declared as a field, so there is no `engagement`.
  const riskAcceptanceBody = (ra: RiskAcceptanceRecord) => ({
    id: ra.id,
    path: "No proof has been supplied",
    name: ra.name,
    recommendation: "F",
    recommendation_details: null,
    decision: "A",
    decision_details: null,
    accepted_by: null,
    expiration_date: ra.expirationDate,
    expiration_date_warned: ra.expirationDateWarned,
    expiration_date_handled: ra.expirationDateHandled,
    reactivate_expired: true,
    restart_sla_expired: false,
    created: ra.created,
    updated: ra.updated,
    owner: ra.owner,
    accepted_findings: [...ra.acceptedFindings].sort((a, b) => a - b),
    notes: [],
  });

  // NotificationsSerializer (`fields = "__all__"`). Its declared fields are MultipleChoiceFields, which
  // answer a Python set: no order to rely on (here the reverse of NOTIFICATION_CHOICES). The model's
  // scan_added_empty is not declared, so DRF made it a ChoiceField, which echoes the stored list, or
  // in a write's own answer the string that was written.
  const notificationsBody = (row: NotificationsRecord, written: Record<string, unknown> = {}) => ({
    id: row.id,
    product: row.product,
    user: row.user,
    ...Object.fromEntries(
      DOJO_NOTIFICATION_FIELDS.filter((field) => field !== "scan_added_empty").map((field) => [
        field,
        DOJO_CHANNEL_IDS.filter((channel) => row.channels[field].includes(channel)).reverse(),
      ]),
    ),
    template: row.template,
    scan_added_empty: Object.hasOwn(written, "scan_added_empty") ? written.scan_added_empty : [...row.channels.scan_added_empty],
  });
  // NotificationWebhooksSerializer (`fields = "__all__"`): header_value too.
  const webhookBody = (e: WebhookRecord) => ({
    id: e.id,
    name: e.name,
    url: e.url,
    header_name: e.headerName,
    header_value: e.headerValue,
    status: e.status,
    first_error: e.firstError,
    last_error: e.lastError,
    note: e.note,
    owner: e.owner,
  });
  // UserContactInfoSerializer: the user nested as `user_profile`, then every model field, the user's id
  // (`user`) among them, in 2.x and 3.x alike; 3.x adds deduplication_execution_mode and hides
  // user_state_details.
  const contactInfoBody = (c: ContactInfoRecord) => ({
    id: c.id,
    user_profile: users.has(c.userId) ? userBody(users.get(c.userId)!) : null,
    title: null,
    phone_number: "",
    cell_number: "",
    twitter_username: null,
    github_username: null,
    slack_username: c.slackUsername,
    slack_user_id: c.slackUserId,
    block_execution: false,
    ...(majorVersion >= 3 ? { deduplication_execution_mode: null } : {}),
    force_password_reset: false,
    token_last_reset: null,
    password_last_reset: null,
    user: c.userId,
  });

  const testOf = (f: FindingRecord) => tests.get(f.testId);
  const engagementOfTest = (t: TestRecord | undefined) => (t ? engagements.get(t.engagementId) : undefined);
  const engagementOf = (f: FindingRecord) => engagementOfTest(testOf(f));
  const productOfEngagement = (e: EngagementRecord | undefined) => (e ? products.get(e.productId) : undefined);
  const productOf = (f: FindingRecord) => productOfEngagement(engagementOf(f));
  const productTypeName = (p: ProductRecord) => productTypes.get(p.productTypeId)?.name ?? null;
  const anyOwner = (id: number) => users.has(id) || [...riskAcceptances.values()].some((ra) => ra.owner === id);
  const sortedBy = <T>(items: Iterable<T>, compare: (a: T, b: T) => number) => [...items].sort(compare);
  const byName = (a: { id: number; name: string }, b: { id: number; name: string }) => collator.compare(a.name, b.name) || a.id - b.id;

  // Each endpoint's filters and orderings, named and typed as its DefectDojo FilterSet declares them
  // (the source file is given per endpoint); a filter on a relation the peer holds no rows of (a
  // requester, an API scan configuration, notes) behaves as DefectDojo's would with none in its table.
  const endpoints: Record<string, Endpoint> = {
    // ApiUserFilter (dojo/user/api/filters.py), a django_filters.rest_framework FilterSet.
    users: endpoint<DojoPeerUser>("users", {
      rows: () => sortedBy(users.values(), (a, b) => a.id - b.id),
      idOrdered: true,
      render: userBody,
      filters: {
        id: numberFilter((u) => u.id),
        username: textFilter((u) => u.username, "icontains"),
        first_name: textFilter((u) => u.firstName ?? "", "icontains"),
        last_name: textFilter((u) => u.lastName ?? "", "icontains"),
        email: textFilter((u) => u.email ?? "", "icontains"),
        is_active: booleanFilter((u) => u.isActive ?? true, "drf"),
        is_superuser: booleanFilter((u) => u.isSuperuser ?? false, "drf"),
      },
      unmodelled: ["o", "last_login_after", "last_login_before", "date_joined_after", "date_joined_before"],
    }),
    // ApiProductFilter (dojo/product/api/filters.py): declared filters only, it has no Meta.
    products: endpoint<ProductRecord>("products", {
      rows: () => sortedBy(products.values(), byName),
      render: productBody,
      filters: {
        name: textFilter((p) => p.name, "icontains"),
        name_exact: textFilter((p) => p.name, "iexact"),
        description: textFilter((p) => `${p.name}, seeded`, "icontains"),
        id: numberInFilter((p) => p.id),
        prod_type: numberInFilter((p) => p.productTypeId),
        ...tagFilters([""]),
        created: dateRangeFilter((p) => dayOf(p.created)),
        updated: dateRangeFilter((p) => dayOf(p.updated)),
      },
      ordering: {
        id: (p) => p.id,
        name: (p) => p.name,
        created: (p) => microsOf(p.created),
        // A foreign key orders by the related model's Meta.ordering: Product_Type's is its name.
        prod_type: productTypeName,
        prod_type__name: productTypeName,
        updated: (p) => microsOf(p.updated),
      },
      unmodelled: names(`
        external_audience internet_accessible business_criticality platform lifecycle origin
        product_manager technical_contact team_manager tid prod_numeric_grade user_records regulations
        outside_of_sla revenue prefetch
      `),
      unmodelledOrdering: names(`
        tid prod_numeric_grade business_criticality platform lifecycle origin revenue external_audience
        internet_accessible product_manager product_manager__first_name product_manager__last_name
        technical_contact technical_contact__first_name technical_contact__last_name team_manager
        team_manager__first_name team_manager__last_name user_records
      `),
    }),
    // ProductTypeViewSet.filterset_fields (dojo/product_type/api/views.py): a django_filters.rest_framework
    // FilterSet built by DRF's backend, all exact; no `o`.
    product_types: endpoint<ProductTypeRecord>("product_types", {
      rows: () => sortedBy(productTypes.values(), byName),
      render: productTypeBody,
      filters: {
        id: numberFilter((pt) => pt.id),
        name: textFilter((pt) => pt.name, "exact"),
        critical_product: booleanFilter(() => false, "drf"),
        key_product: booleanFilter(() => false, "drf"),
        created: dateTimeFilter((pt) => pt.created, "exact"),
        updated: dateTimeFilter((pt) => pt.updated, "exact"),
      },
      unmodelled: ["prefetch"],
    }),
    // ApiEngagementFilter (dojo/engagement/api/filters.py). EngagementViewSet has no prefetch.
    engagements: endpoint<EngagementRecord>("engagements", {
      rows: () => sortedBy(engagements.values(), (a, b) => a.id - b.id),
      idOrdered: true,
      render: engagementBody,
      filters: {
        id: numberFilter((e) => e.id),
        active: booleanFilter((e) => !CLOSED_STATUSES.includes(e.status ?? "")),
        target_start: dateFilter((e) => e.targetStart, "exact"),
        target_end: dateFilter((e) => e.targetEnd, "exact"),
        requester: foreignKeyFilter(() => null, () => false),
        report_type: foreignKeyFilter(() => null, () => false),
        updated: dateTimeFilter((e) => e.updated, "exact"),
        threat_model: booleanFilter(() => true),
        api_test: booleanFilter(() => true),
        pen_test: booleanFilter(() => true),
        status: choiceFilter(DOJO_ENGAGEMENT_STATUSES, (e) => e.status),
        product: foreignKeyFilter((e) => e.productId, (id) => products.has(id)),
        name: textFilter((e) => e.name, "exact"),
        version: textFilter(() => null, "exact"),
        product__prod_type: numberInFilter((e) => productOfEngagement(e)?.productTypeId ?? null),
        ...tagFilters(["", "product__"]),
      },
      ordering: {
        name: (e) => e.name,
        version: () => null,
        target_start: (e) => e.targetStart,
        target_end: (e) => e.targetEnd,
        status: (e) => e.status,
        lead: () => null,
        created: (e) => microsOf(e.created),
        updated: (e) => microsOf(e.updated),
      },
    }),
    // ApiTestFilter (dojo/test/api/filters.py): Meta fields, all exact; its `o` has no `id`.
    tests: endpoint<TestRecord>("tests", {
      rows: () => sortedBy(tests.values(), (a, b) => a.id - b.id),
      idOrdered: true,
      render: testBody,
      filters: {
        id: numberFilter((t) => t.id),
        title: textFilter((t) => t.title, "exact"),
        // Every Test_Type id counts as existing: DefectDojo ships a table of them.
        test_type: foreignKeyFilter((t) => t.testType, () => true),
        target_start: dateTimeFilter((t) => t.targetStart, "exact"),
        target_end: dateTimeFilter((t) => t.targetStart, "exact"),
        notes: manyToManyFilter(() => [], () => false),
        percent_complete: numberFilter(() => null),
        engagement: foreignKeyFilter((t) => t.engagementId, (id) => engagements.has(id)),
        version: textFilter(() => null, "exact"),
        branch_tag: textFilter(() => null, "exact"),
        build_id: textFilter(() => null, "exact"),
        commit_hash: textFilter(() => null, "exact"),
        api_scan_configuration: foreignKeyFilter(() => null, () => false),
        scan_type: textFilter((t) => t.testTypeName, "exact"),
        ...tagFilters(["", "engagement__", "engagement__product__"]),
      },
      ordering: {
        title: (t) => t.title,
        version: () => null,
        target_start: (t) => microsOf(t.targetStart),
        target_end: (t) => microsOf(t.targetStart),
        // Foreign keys order by the related Meta.ordering: Test_Type by name, Engagement by -target_start.
        test_type: (t) => t.testTypeName,
        lead: () => null,
        branch_tag: () => null,
        build_id: () => null,
        commit_hash: () => null,
        api_scan_configuration: () => null,
        engagement: (t) => {
          const start = engagementOfTest(t)?.targetStart;
          return start === undefined ? null : -Date.parse(start);
        },
        created: (t) => microsOf(t.created),
        updated: (t) => microsOf(t.updated),
      },
      unmodelled: ["prefetch"],
    }),
    // ApiFindingFilter (dojo/finding/api/filters.py): its declared filters, plus an exact filter for
    // every other model field (Meta.exclude).
    findings: endpoint<FindingRecord>("findings", {
      rows: () => findingRows,
      idOrdered: true,
      render: findingBody,
      filters: {
        active: booleanFilter((f) => f.active),
        duplicate: booleanFilter((f) => f.duplicate),
        false_p: booleanFilter((f) => f.falseP),
        is_mitigated: booleanFilter((f) => f.isMitigated),
        out_of_scope: booleanFilter((f) => f.outOfScope),
        verified: booleanFilter((f) => f.verified),
        risk_accepted: booleanFilter((f) => f.riskAccepted),
        description: textFilter((f) => f.description, "icontains"),
        numerical_severity: commaListFilter((f) => NUMERICAL_SEVERITY[f.severity]),
        severity: commaListFilter((f) => f.severity),
        title: textFilter((f) => f.title, "icontains"),
        exact_title: textFilter((f) => f.title, "iexact"),
        product_name: textFilter((f) => productOf(f)?.name ?? null, "iexact"),
        product_name_contains: textFilter((f) => productOf(f)?.name ?? null, "icontains"),
        created: dateRangeFilter((f) => dayOf(f.created)),
        date: dateRangeFilter((f) => f.date),
        discovered_on: dateFilter((f) => f.date, "exact"),
        discovered_before: dateFilter((f) => f.date, "lt"),
        discovered_after: dateFilter((f) => f.date, "gt"),
        mitigated: dateRangeFilter((f) => (f.mitigated === null ? null : dayOf(f.mitigated))),
        mitigated_on: mitigatedFilter((f) => f.mitigated, "on"),
        mitigated_before: dateTimeFilter((f) => f.mitigated, "lt"),
        mitigated_after: mitigatedFilter((f) => f.mitigated, "after"),
        id: numberInFilter((f) => f.id),
        reporter: numberInFilter((f) => f.reporter),
        test__engagement: numberInFilter((f) => testOf(f)?.engagementId ?? null),
        test__engagement__product: numberInFilter((f) => engagementOf(f)?.productId ?? null),
        test__engagement__product__prod_type: numberInFilter((f) => productOf(f)?.productTypeId ?? null),
        ...tagFilters(["", "test__", "test__engagement__", "test__engagement__product__"]),
        outside_of_sla: outsideOfSlaFilter(),
        test: foreignKeyFilter((f) => f.testId, (id) => tests.has(id)),
        sla_start_date: dateFilter(() => null, "exact"),
        sla_expiration_date: dateFilter((f) => f.slaExpirationDate, "exact"),
        // has_jira = BooleanFilter(field_name="jira_issue", lookup_expr="isnull", exclude=True) (dojo/finding/api/filters.py)
        has_jira: booleanFilter((f) => f.jiraIssue),
        last_status_update: dateTimeFilter((f) => f.lastStatusUpdate, "exact"),
        updated: dateTimeFilter((f) => f.updated, "exact"),
      },
      ordering: {
        active: (f) => Number(f.active),
        created: (f) => microsOf(f.created),
        last_status_update: (f) => microsOf(f.lastStatusUpdate),
        date: (f) => f.date,
        duplicate: (f) => Number(f.duplicate),
        false_p: (f) => Number(f.falseP),
        id: (f) => f.id,
        is_mitigated: (f) => Number(f.isMitigated),
        numerical_severity: (f) => NUMERICAL_SEVERITY[f.severity],
        out_of_scope: (f) => Number(f.outOfScope),
        severity: (f) => f.severity,
        sla_expiration_date: (f) => f.slaExpirationDate,
        test__engagement__product__name: (f) => productOf(f)?.name ?? null,
        title: (f) => f.title,
        verified: (f) => Number(f.verified),
      },
      unmodelled: names(`
        dynamic_finding static_finding under_defect_review under_review fix_available
        mitigation_available component_version component_name vulnerability_id file_path hash_code impact
        mitigation param payload references severity_justification steps_to_reproduce unique_id_from_tool
        product_lifecycle jira_creation jira_change last_reviewed cwe defect_review_requested_by endpoints
        epss_score_min epss_score_max epss_percentile_min epss_percentile_max found_by last_reviewed_by
        mitigated_by nb_occurences scanner_confidence review_requested_by reviewers sast_source_line
        sonarqube_issue test__test_type finding_group risk_acceptance known_exploited ransomware_used
        kev_date cvssv3 cvssv3_score cvssv4 cvssv4_score fix_version duplicate_finding vuln_id_from_tool
        sast_source_object sast_sink_object sast_source_file_path publish_date service
        planned_remediation_date planned_remediation_version effort_for_fixing inherited_tags prefetch
        related_fields
      `),
      unmodelledOrdering: names(`
        component_name component_version last_reviewed cwe dynamic_finding found_by
        planned_remediation_date reviewers static_finding under_defect_review under_review
      `),
    }),
    // TestImportAPIFilter (dojo/test/api/filters.py). Filters across the actions join them in, one
    // row per matching action and filter (no DISTINCT but findings_affected's); 3.x's queryset keeps
    // the model's Meta ordering, -id.
    test_imports: endpoint<TestImportRecord>("test_imports", {
      rows: () => sortedBy(testImports.values(), (a, b) => b.id - a.id),
      render: testImportBody,
      filters: {
        test: foreignKeyFilter((ti) => ti.testId, (id) => tests.has(id)),
        findings_affected: manyToManyFilter(
          (ti) => ti.actions.map((a) => a.findingId),
          (id) => findings.has(id),
        ),
        version: textFilter((ti) => ti.version, "exact"),
        branch_tag: textFilter((ti) => ti.branchTag, "exact"),
        build_id: textFilter((ti) => ti.buildId, "exact"),
        commit_hash: textFilter((ti) => ti.commitHash, "exact"),
        test_import_finding_action__action: choiceFilter(IMPORT_ACTIONS, (ti) => ti.actions.map((a) => a.action)),
        test_import_finding_action__finding: foreignKeyFilter(
          (ti) => ti.actions.map((a) => a.findingId),
          (id) => findings.has(id),
        ),
        test_import_finding_action__created: dateTimeFilter((ti) => ti.actions.map((a) => a.created), "exact"),
      },
      ordering: {
        id: (ti) => ti.id,
        created: (ti) => microsOf(ti.created),
        modified: (ti) => microsOf(ti.modified),
        version: (ti) => ti.version,
        branch_tag: (ti) => ti.branchTag,
        build_id: (ti) => ti.buildId,
        commit_hash: (ti) => ti.commitHash,
      },
      unmodelled: ["prefetch"],
    }),
    // ApiRiskAcceptanceFilter (dojo/risk_acceptance/api/filters.py): Meta lookups, and DateRangeFilter
    // codes for plain `created`/`updated`; its `o` has no `id`.
    risk_acceptance: endpoint<RiskAcceptanceRecord>("risk_acceptance", {
      rows: () => sortedBy(riskAcceptances.values(), (a, b) => a.id - b.id),
      idOrdered: true,
      render: riskAcceptanceBody,
      filters: {
        name: textFilter((ra) => ra.name, "exact"),
        name__icontains: textFilter((ra) => ra.name, "icontains"),
        accepted_findings: manyToManyFilter(
          (ra) => ra.acceptedFindings,
          (id) => findings.has(id),
        ),
        recommendation: choiceFilter(TREATMENTS, () => "F"),
        recommendation_details: textFilter(() => null, "exact"),
        recommendation_details__icontains: textFilter(() => null, "icontains"),
        decision: choiceFilter(TREATMENTS, () => "A"),
        decision_details: textFilter(() => null, "exact"),
        decision_details__icontains: textFilter(() => null, "icontains"),
        accepted_by: textFilter(() => null, "exact"),
        accepted_by__icontains: textFilter(() => null, "icontains"),
        owner: foreignKeyFilter((ra) => ra.owner, anyOwner),
        ...dateTimeLookups("expiration_date", (ra) => ra.expirationDate),
        ...dateTimeLookups("expiration_date_warned", (ra) => ra.expirationDateWarned),
        ...dateTimeLookups("expiration_date_handled", (ra) => ra.expirationDateHandled),
        reactivate_expired: booleanFilter(() => true),
        restart_sla_expired: booleanFilter(() => false),
        notes: manyToManyFilter(() => [], () => false),
        ...dateTimeLookups("created", (ra) => ra.created),
        ...dateTimeLookups("updated", (ra) => ra.updated),
        created: dateRangeFilter((ra) => dayOf(ra.created)),
        updated: dateRangeFilter((ra) => dayOf(ra.updated)),
      },
      ordering: {
        name: (ra) => ra.name,
        created: (ra) => microsOf(ra.created),
        updated: (ra) => microsOf(ra.updated),
      },
      unmodelled: ["prefetch"],
    }),
    // SLAConfigurationViewset (dojo/api_v2/views.py, both refs): a DjangoFilterBackend with no fields;
    // SLAConfigurationSerializer excludes async_updating.
    sla_configurations: endpoint<SlaConfigurationRecord>("sla_configurations", {
      rows: () => sortedBy(slaConfigurations.values(), byName),
      render: (c) => ({
        id: c.id,
        name: c.name,
        description: null,
        critical: c.critical,
        enforce_critical: c.enforceCritical,
        high: c.high,
        enforce_high: c.enforceHigh,
        medium: c.medium,
        enforce_medium: c.enforceMedium,
        low: c.low,
        enforce_low: c.enforceLow,
        restart_sla_on_reactivation: false,
      }),
      filters: {},
    }),
    // SystemSettingsViewSet (dojo/system_settings/api/views.py): list and update only, and no filter
    // backend (REST_FRAMEWORK names none), so every parameter is ignored.
    system_settings: endpoint<SystemSettingsRecord>("system_settings", {
      rows: () => [systemSettings],
      render: (row) => ({ ...row }),
      filters: {},
    }),
    // NotificationsViewSet.filterset_fields (dojo/notifications/api/views.py). `user` and `product` are
    // ModelChoiceFilters without a null choice: `?user=null` is a 400 like any id DefectDojo lacks.
    notifications: endpoint<NotificationsRecord>("notifications", {
      rows: () => sortedBy(notificationsRows.values(), (a, b) => a.id - b.id),
      idOrdered: true,
      render: (row) => notificationsBody(row),
      filters: {
        id: numberFilter((n) => n.id),
        user: foreignKeyFilter((n) => n.user, (id) => users.has(id)),
        product: foreignKeyFilter((n) => n.product, (id) => products.has(id)),
        template: booleanFilter((n) => n.template, "drf"),
      },
      unmodelled: ["prefetch"],
    }),
    // NotificationWebhooksViewSet: `filterset_fields = "__all__"`, each exact.
    notification_webhooks: endpoint<WebhookRecord>("notification_webhooks", {
      rows: () => sortedBy(webhookEndpoints.values(), (a, b) => a.id - b.id),
      idOrdered: true,
      render: webhookBody,
      filters: {
        id: numberFilter((e) => e.id),
        name: textFilter((e) => e.name, "exact"),
        url: textFilter((e) => e.url, "exact"),
        header_name: textFilter((e) => e.headerName, "exact"),
        header_value: textFilter((e) => e.headerValue, "exact"),
        status: choiceFilter(DOJO_WEBHOOK_STATUSES, (e) => e.status),
        first_error: dateTimeFilter((e) => e.firstError, "exact"),
        last_error: dateTimeFilter((e) => e.lastError, "exact"),
        note: textFilter((e) => e.note, "exact"),
        owner: foreignKeyFilter((e) => e.owner, (id) => users.has(id)),
      },
      unmodelled: ["prefetch"],
    }),
    // ApiUserContactInfoFilter (dojo/user/api/filters.py): every model field, exact.
    user_contact_infos: endpoint<ContactInfoRecord>("user_contact_infos", {
      rows: () => sortedBy(contactInfos.values(), (a, b) => a.id - b.id),
      idOrdered: true,
      render: contactInfoBody,
      filters: {
        id: numberFilter((c) => c.id),
        user: foreignKeyFilter((c) => c.userId, (id) => users.has(id)),
        slack_username: textFilter((c) => c.slackUsername, "exact"),
        slack_user_id: textFilter((c) => c.slackUserId, "exact"),
      },
      unmodelled: names(`
        title phone_number cell_number twitter_username github_username block_execution force_password_reset
        token_last_reset password_last_reset deduplication_execution_mode prefetch
      `),
    }),
    // 2.x filterset_fields: the foreign keys are filtered as `<field>_id`; `?product=` is ignored.
    ...Object.fromEntries(
      RBAC_ONLY.map((resource) => [
        resource,
        endpoint<Row>(resource, {
          rows: () => rows[resource],
          render: (row) => row,
          filters: Object.fromEntries(RBAC_FILTERS[resource].map(([param, field]) => [param, rowFilter(field)])),
          unmodelled: resource === "dojo_groups" ? ["social_provider", "prefetch"] : ["prefetch"],
        }),
      ]),
    ),
  };

  /** DRF's LimitOffsetPagination: a bad or non-positive limit means the default, a bad offset 0. */
  function page<R>(res: ServerResponse, url: URL, all: readonly R[], render: (row: R) => unknown) {
    const askedLimit = Number(url.searchParams.get("limit"));
    const limit = Number.isInteger(askedLimit) && askedLimit > 0 ? askedLimit : DEFAULT_LIMIT;
    const askedOffset = Number(url.searchParams.get("offset"));
    const offset = Number.isInteger(askedOffset) && askedOffset > 0 ? askedOffset : 0;
    const link = (at: number) => {
      const next = new URL(url.pathname + url.search, baseUrl);
      next.searchParams.set("limit", String(limit));
      if (at > 0) next.searchParams.set("offset", String(at));
      else next.searchParams.delete("offset");
      return next.href;
    };
    json(res, 200, {
      count: all.length,
      next: offset + limit < all.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results: all.slice(offset, offset + limit).map(render),
    });
  }

  /** One endpoint, list or detail: DRF's DjangoFilterBackend runs for both, so a filter can hide an object. */
  function endpoint<R extends { id: number }>(resource: string, spec: ListSpec<R>): Endpoint {
    const declared = [...Object.keys(spec.filters), "o"];
    return (res, url, id) => {
      const format = url.searchParams.getAll("format").at(-1);
      if (format !== undefined && format !== "json") return json(res, 404, { detail: "Not found." });
      const errors: Array<[string, FieldError]> = [];
      const predicates: Array<(row: R) => Verdict> = [];
      let distinct = false;
      let terms: OrderTerm[] = [];
      for (const param of new Set(url.searchParams.keys())) {
        if (NOT_FILTERS.has(param)) continue;
        const values = url.searchParams.getAll(param);
        const filter = spec.filters[param];
        if (param === "o" && spec.ordering) {
          const read = readOrdering(values, spec);
          if ("unmodelled" in read) return notModelled(res, `${resource} ordering ${read.unmodelled}`);
          if ("error" in read) errors.push([param, read.error]);
          else terms = read.terms;
        } else if (filter) {
          const parsed = filter(values);
          if ("error" in parsed) errors.push([param, parsed.error]);
          else if (parsed.predicate) predicates.push(parsed.predicate);
          distinct ||= "distinct" in parsed && parsed.distinct === true;
        } else if (spec.unmodelled?.includes(param)) {
          // An empty value is no filter at all in django-filter, so nothing to get wrong.
          if (values.at(-1) !== "") return notModelled(res, `${resource} filter ${param}`);
        } else {
          ignoredParams.push({ path: url.pathname, param });
        }
      }
      if (errors.length > 0) {
        // Django validates the form's fields in the FilterSet's order.
        errors.sort(([a], [b]) => declared.indexOf(a) - declared.indexOf(b));
        return json(res, 400, validationErrorBody(errors));
      }
      if (id !== undefined) {
        const found = spec.rows().find((row) => row.id === id && admitted(row, predicates) > 0);
        return found === undefined ? json(res, 404, { detail: "Not found." }) : json(res, 200, spec.render(found));
      }
      page(res, url, filtered(ordered(resource, spec, terms), predicates, distinct), spec.render);
    };
  }

  /** The rows in the asked order: a stable sort over the default order, cached until the data changes. */
  function ordered<R extends { id: number }>(resource: string, spec: ListSpec<R>, terms: OrderTerm[]): readonly R[] {
    const base = spec.rows();
    if (terms.length === 0) return base;
    // The id is unique, so later terms never matter.
    if (spec.idOrdered && terms[0].field === "id") return terms[0].descending ? [...base].reverse() : base;
    const key = `${resource}?o=${terms.map((t) => (t.descending ? "-" : "") + t.field).join(",")}`;
    const cached = sortCache.get(key);
    if (cached) return cached as readonly R[];
    const keyOf = terms.map((t) => spec.ordering![t.field]);
    const decorated = base.map((row, index) => ({ row, index, keys: keyOf.map((get) => get(row)) }));
    decorated.sort((a, b) => {
      for (let i = 0; i < terms.length; i++) {
        const order = compareSortValues(a.keys[i], b.keys[i]);
        if (order !== 0) return terms[i].descending ? -order : order;
      }
      return a.index - b.index;
    });
    const sorted = decorated.map((d) => d.row);
    sortCache.set(key, sorted);
    return sorted;
  }

  /** The caller's standing: DRF TokenAuthentication, then DefectDojo's permission classes. */
  function authenticate(req: IncomingMessage, res: ServerResponse): boolean {
    const token = /^Token (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token) {
      json(res, 401, { detail: "Authentication credentials were not provided." });
      return false;
    }
    if (serviceTokens.has(token)) return true;
    const user = users.get(tokens.get(token) ?? -1);
    if (!user) {
      json(res, 401, { detail: "Invalid token." });
      return false;
    }
    if (user.isActive === false) {
      json(res, 401, { detail: "User inactive or deleted." });
      return false;
    }
    if (!user.isSuperuser) {
      json(res, 403, { detail: "You do not have permission to perform this action." });
      return false;
    }
    return true;
  }

  function api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const match = /^\/api\/v2\/([a-z_]+)\/(?:(\d+)\/)?$/.exec(url.pathname);
    apiCalls.push(url.pathname);
    apiRequests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const failure = apiFailure ?? (match ? resourceFailures.get(match[1]) : undefined);
    if (failure !== undefined) return json(res, failure, { detail: "A server error occurred." });
    // Django resolves the URL before DRF authenticates: a route that does not exist is a 404 for anyone.
    if (!match) return json(res, 404, { detail: "Not found." });
    const [, resource, idText] = match;
    const rbacOnly = (RBAC_ONLY as readonly string[]).includes(resource);
    const answer = Object.hasOwn(endpoints, resource) && (model === "RBAC" || !rbacOnly) ? endpoints[resource] : undefined;
    if (!answer) return json(res, 404, { detail: "Not found." });
    if (!authenticate(req, res)) return;
    // SystemSettingsViewSet has no retrieve: its detail route takes PUT and PATCH only.
    if (resource === "system_settings" && idText !== undefined) return json(res, 405, { detail: 'Method "GET" not allowed.' });
    answer(res, url, idText === undefined ? undefined : Number(idText));
  }

  /** The writes DefectDojo takes where the bridge writes, by resource: the methods of its list and detail routes. */
  const writable: Record<string, { list: string[]; detail: string[]; write: Write; remove?: (res: ServerResponse, id: number) => void }> = {
    system_settings: { list: [], detail: ["PUT", "PATCH"], write: writeSystemSettings },
    notifications: { list: ["POST"], detail: ["PUT", "PATCH"], write: writeNotifications },
    // ModelViewSet's destroy: 204 without a body, 404 for an id that is gone.
    notification_webhooks: {
      list: ["POST"],
      detail: ["PUT", "PATCH", "DELETE"],
      write: writeWebhookEndpoint,
      remove: (res, id) => {
        if (!webhookEndpoints.delete(id)) return json(res, 404, { detail: "Not found." });
        res.writeHead(204, {});
        res.end();
      },
    },
  };

  /** A write, in DRF's order: route, authentication and permissions, method, then the body. */
  async function writeApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "";
    const text = await readRequestBody(req);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    // Recorded as the status goes out, so a test that has the answer also finds the write here.
    const writeHead = res.writeHead.bind(res) as (status: number, headers: Record<string, string | number>) => ServerResponse;
    res.writeHead = ((status: number, headers: Record<string, string | number>) => {
      writes.push({ method, path: url.pathname, body, status });
      return writeHead(status, headers);
    }) as typeof res.writeHead;
    const match = /^\/api\/v2\/([a-z_]+)\/(?:(\d+)\/)?$/.exec(url.pathname);
    apiCalls.push(url.pathname);
    apiRequests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const failure = apiFailure ?? (match ? resourceFailures.get(match[1]) : undefined);
    if (failure !== undefined) return json(res, failure, { detail: "A server error occurred." });
    if (url.pathname === "/api/v2/user_profile/") return json(res, 405, { detail: `Method "${method}" not allowed.` });
    if (!match) return json(res, 404, { detail: "Not found." });
    const [, resource, idText] = match;
    const rbacOnly = (RBAC_ONLY as readonly string[]).includes(resource);
    if (!Object.hasOwn(endpoints, resource) || (model === "LEGACY" && rbacOnly)) return json(res, 404, { detail: "Not found." });
    if (!authenticate(req, res)) return;
    const route = writable[resource];
    if (!route) return notModelled(res, `${method} on ${resource}`);
    const allowed = idText === undefined ? route.list : route.detail;
    if (!allowed.includes(method)) {
      // DELETE is real on these ModelViewSets; nothing here deletes.
      return method === "DELETE" && route.list.length > 0 ? notModelled(res, `DELETE on ${resource}`) : json(res, 405, { detail: `Method "${method}" not allowed.` });
    }
    if (method === "DELETE" && route.remove) return route.remove(res, Number(idText));
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
      return json(res, 415, { detail: `Unsupported media type "${req.headers["content-type"] ?? ""}" in request.` });
    }
    // DefectDojo's exception handler words a JSON parse error its own way.
    if (body === undefined) return json(res, 400, { message: "JSON request content is malformed" });
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      const got = Array.isArray(body) ? "list" : body === null ? "NoneType" : typeof body === "string" ? "str" : typeof body;
      return json(res, 400, validationErrorBody([["non_field_errors", { message: `Invalid data. Expected a dictionary, but got ${got}.`, code: "invalid" }]]));
    }
    route.write(res, idText === undefined ? undefined : Number(idText), body as Record<string, unknown>);
  }

  /** PATCH or PUT `system_settings/<id>/`: every System_Settings field has a default, so PUT is as partial as PATCH. */
  function writeSystemSettings(res: ServerResponse, id: number | undefined, body: Record<string, unknown>): void {
    if (id !== systemSettings.id) return json(res, 404, { detail: "Not found." });
    const unmodelled = Object.keys(body).find((key) => UNMODELLED_SYSTEM_SETTINGS.includes(key));
    if (unmodelled) return notModelled(res, `system_settings field ${unmodelled}`);
    const changes: Record<string, string | number | boolean> = {};
    const errors: Array<[string, FieldError]> = [];
    for (const [key, value] of Object.entries(body)) {
      // `id` is read-only, and DRF ignores keys that are no field.
      if (!Object.hasOwn(SYSTEM_SETTINGS_FIELDS, key)) continue;
      const read = drfValue(SYSTEM_SETTINGS_FIELDS[key].field, value);
      if ("error" in read) errors.push([key, read.error]);
      else changes[key] = read.value as string | number | boolean;
    }
    if (errors.length > 0) return json(res, 400, validationErrorBody(errors));
    Object.assign(systemSettings, changes);
    json(res, 200, { ...systemSettings });
  }

  /** POST `notifications/`, PATCH or PUT `notifications/<id>/`, with NotificationsSerializer's fields and its validate(). */
  function writeNotifications(res: ServerResponse, id: number | undefined, body: Record<string, unknown>): void {
    const existing = id === undefined ? undefined : notificationsRows.get(id);
    if (id !== undefined && !existing) return json(res, 404, { detail: "Not found." });
    const errors: Array<[string, FieldError]> = [];
    const changes: { user?: number | null; product?: number | null; template?: boolean } = {};
    const channels: Partial<Record<DojoNotificationField, string[]>> = {};
    const written: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      if (key === "user" || key === "product") {
        const read = primaryKey(value, key === "user" ? (pk) => users.has(pk) : (pk) => products.has(pk));
        if ("error" in read) errors.push([key, read.error]);
        else changes[key] = read.value;
      } else if (key === "template") {
        const read = drfValue(BOOLEAN, value);
        if ("error" in read) errors.push([key, read.error]);
        else changes.template = read.value as boolean;
      } else if ((DOJO_NOTIFICATION_FIELDS as readonly string[]).includes(key)) {
        const field = key as DojoNotificationField;
        const read = field === "scan_added_empty" ? singleChoice(value) : multipleChoice(value);
        if ("error" in read) errors.push([key, read.error]);
        else {
          channels[field] = read.value;
          if (field === "scan_added_empty") written[field] = value;
        }
      }
    }
    if (errors.length > 0) return json(res, 400, validationErrorBody(errors));
    // NotificationsSerializer.validate: `template` comes from the body only, never from the row.
    const user = "user" in changes ? changes.user! : (existing?.user ?? null);
    const product = "product" in changes ? changes.product! : (existing?.product ?? null);
    const template = changes.template ?? false;
    const refuse = (message: string) => json(res, 400, validationErrorBody([["non_field_errors", { message, code: "invalid" }]]));
    if (template && [...notificationsRows.values()].some((row) => row.template)) return refuse("Notification template already exists");
    if (!existing || user !== existing.user || product !== existing.product) {
      const clash = [...notificationsRows.values()].some((row) => row.user === user && row.product === product && row.template === template);
      if (clash) return refuse("Notification for user and product already exists");
    }
    const row = existing ?? { id: nextSettingsRowId++, user: null, product: null, template: false, channels: defaultNotificationChannels() };
    Object.assign(row, changes);
    Object.assign(row.channels, channels);
    notificationsRows.set(row.id, row);
    json(res, existing ? 200 : 201, notificationsBody(row, written));
  }

  /** POST `notification_webhooks/`, PATCH or PUT `notification_webhooks/<id>/`: status, errors and note are read-only. */
  function writeWebhookEndpoint(res: ServerResponse, id: number | undefined, body: Record<string, unknown>): void {
    const existing = id === undefined ? undefined : webhookEndpoints.get(id);
    if (id !== undefined && !existing) return json(res, 404, { detail: "Not found." });
    const errors: Array<[string, FieldError]> = [];
    const changes: Partial<WebhookRecord> = {};
    const fields: Record<string, [keyof WebhookRecord, DrfField]> = {
      name: ["name", { kind: "char", maxLength: 100, blank: false, nullable: false }],
      url: ["url", { kind: "url", maxLength: 200 }],
      header_name: ["headerName", { kind: "char", maxLength: 100, blank: true, nullable: true }],
      header_value: ["headerValue", { kind: "char", maxLength: 100, blank: true, nullable: true }],
    };
    for (const [key, value] of Object.entries(body)) {
      if (key === "owner") {
        const read = primaryKey(value, (pk) => users.has(pk));
        if ("error" in read) errors.push([key, read.error]);
        else changes.owner = read.value;
      } else if (Object.hasOwn(fields, key)) {
        const [property, field] = fields[key];
        const read = drfValue(field, value);
        if ("error" in read) errors.push([key, read.error]);
        else (changes as Record<string, unknown>)[property] = read.value;
      }
    }
    // DRF's UniqueValidator on the model's unique `name`.
    if (changes.name !== undefined && [...webhookEndpoints.values()].some((e) => e.name === changes.name && e.id !== existing?.id)) {
      errors.push(["name", { message: "notification_ webhooks with this name already exists.", code: "unique" }]);
    }
    if (errors.length > 0) return json(res, 400, validationErrorBody(errors));
    // The model's defaults: `name` and `url` default to "", so DRF does not require them.
    const endpoint: WebhookRecord = existing ?? {
      id: nextSettingsRowId++,
      name: "",
      url: "",
      headerName: "",
      headerValue: "",
      status: "active",
      note: "",
      owner: null,
      firstError: null,
      lastError: null,
    };
    Object.assign(endpoint, changes);
    webhookEndpoints.set(endpoint.id, endpoint);
    json(res, existing ? 200 : 201, webhookBody(endpoint));
  }

  /**
   * DefectDojo's DojoSpectacularAPIView (dojo/api_v2/views.py in 2.58.2-changelog and 3.2): open to
   * anyone, its renderers DojoOpenApiJsonRenderer (JSON, `application/json`) first, then
   * drf-spectacular's YAML ones: JSON unless asked for YAML (`format=yaml`, or an Accept for it).
   */
  function openApiSchema(req: IncomingMessage, res: ServerResponse, url: URL): void {
    apiCalls.push(url.pathname);
    apiRequests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const failure = apiFailure ?? resourceFailures.get("oa3");
    if (failure !== undefined) return json(res, failure, { detail: "A server error occurred." });
    const format = url.searchParams.get("format");
    if (format !== null && format !== "json" && format !== "yaml") return json(res, 404, { detail: "Not found." });
    const info = { title: "DefectDojo API v2", version, description: "DefectDojo - Open Source vulnerability Management made easy." };
    const asJson = format === "json" || (format === null && !/\bapplication\/(?:vnd\.oai\.openapi|yaml)\b/.test(req.headers.accept ?? ""));
    if (asJson) return json(res, 200, { openapi: "3.0.3", info, paths: {}, components: {} });
    const text = `openapi: 3.0.3\ninfo:\n  title: ${info.title}\n  version: ${version}\n  description: ${info.description}\npaths: {}\n`;
    res.writeHead(200, { "Content-Type": "application/vnd.oai.openapi; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://dojo");
    if (url.pathname === "/api/v2/oa3/schema/" && req.method === "GET") return openApiSchema(req, res, url);
    if (req.method !== "GET") return void writeApi(req, res, url);
    if (url.pathname !== "/api/v2/user_profile/") return api(req, res, url);
    requests.push({ authorization: req.headers.authorization, accept: req.headers.accept });
    if (profileFailure !== null) return json(res, profileFailure, { detail: "A server error occurred." });

    const match = /^Token (\S+)$/.exec(req.headers.authorization ?? "");
    if (!match) return json(res, 401, { detail: "Authentication credentials were not provided." });
    const user = users.get(tokens.get(match[1]) ?? -1);
    if (!user) return json(res, 401, { detail: "Invalid token." });
    // DRF's TokenAuthentication refuses inactive users itself.
    if (user.isActive === false) return json(res, 401, { detail: "User inactive or deleted." });
    return json(res, 200, profileBody(user));
  });
  const port = await listenOnLoopback(server);
  baseUrl = `http://127.0.0.1:${port}`;

  const addRow = (resource: RbacResource, row: Omit<Row, "id">) => rows[resource].push({ id: nextRowId++, ...row });
  const removeRows = (resource: RbacResource, matches: (row: Row) => boolean) => {
    rows[resource] = rows[resource].filter((row) => !matches(row));
  };
  /** One Global_Role row per user and per group (one-to-one fields): set its role, or add the row. */
  const setGlobalRole = (holder: { user: number | null; group: number | null }, role: number | null) => {
    const held = rows.global_roles.find((row) => row.user === holder.user && row.group === holder.group);
    if (held) held.role = role;
    else addRow("global_roles", { ...holder, role });
  };
  const putGroup = (id: number, name: string, madeBy: "ui" | "api") => {
    removeRows("dojo_groups", (row) => row.id === id);
    rows.dojo_groups.push({ id, name, description: null });
    // AddGroupView saves the group's GlobalRoleForm, left empty: role None.
    if (madeBy === "ui" && !rows.global_roles.some((row) => row.group === id)) setGlobalRole({ user: null, group: id }, null);
  };
  const ensureGroup = (group: number) => {
    if (!rows.dojo_groups.some((row) => row.id === group)) putGroup(group, `group ${group}`, "ui");
  };
  /**
   * UserProfileSerializer: `user` and `user_contact_info` in 3.2 (dojo/user/api/serializer.py); 2.58
   * (dojo/api_v2/serializers.py) adds the user's Global_Role row (null without one) and membership rows.
   */
  const profileBody = (user: DojoPeerUser) => {
    const contact = [...contactInfos.values()].find((c) => c.userId === user.id);
    const body = { user: userBody(user), user_contact_info: contact ? contactInfoBody(contact) : null };
    if (majorVersion >= 3) return body;
    const own = (resource: RbacResource) => rows[resource].filter((row) => row.user === user.id);
    return {
      ...body,
      global_role: own("global_roles")[0] ?? null,
      dojo_group_member: own("dojo_group_members"),
      product_type_member: own("product_type_members"),
      product_member: own("product_members"),
    };
  };
  function accessList(target: DojoPeerTarget): Set<number> {
    const found = target.productId !== undefined ? products.get(target.productId) : productTypes.get(target.productTypeId ?? -1);
    if (!found) throw new Error(`dojo peer: no such product or product type ${JSON.stringify(target)}`);
    return found.authorized;
  }

  function findingRecord(seed: DojoPeerFinding, at: string): FindingRecord {
    const title = seed.title ?? `finding ${seed.id}`;
    const isMitigated = seed.isMitigated ?? false;
    return {
      id: seed.id,
      testId: seed.testId,
      title,
      severity: seed.severity ?? "High",
      active: seed.active ?? true,
      verified: seed.verified ?? false,
      tags: seed.tags ?? [],
      duplicate: seed.duplicate ?? false,
      falseP: seed.falseP ?? false,
      outOfScope: seed.outOfScope ?? false,
      riskAccepted: seed.riskAccepted ?? false,
      isMitigated,
      mitigated: isMitigated ? at : null,
      slaExpirationDate: seed.slaExpirationDate ?? null,
      date: seed.date ?? dayOf(at) ?? at.slice(0, 10),
      created: seed.created === null ? null : at,
      updated: at,
      lastStatusUpdate: at,
      reporter: seed.reporter ?? 1,
      jiraIssue: seed.jiraIssue ?? false,
      description: `${title}, seeded`,
    };
  }
  /** Adds or replaces findings, keeping `findingRows` in id order without re-sorting an appended run. */
  function putFindings(records: FindingRecord[]) {
    const fresh: FindingRecord[] = [];
    for (const record of records) {
      if (findings.has(record.id)) findingRows[findingIndex(record.id)] = record;
      else fresh.push(record);
      findings.set(record.id, record);
    }
    fresh.sort((a, b) => a.id - b.id);
    if (fresh.length > 0 && (findingRows.length === 0 || fresh[0].id > findingRows[findingRows.length - 1].id)) {
      findingRows = findingRows.concat(fresh);
    } else if (fresh.length > 0) {
      findingRows = findingRows.concat(fresh).sort((a, b) => a.id - b.id);
    }
    touched();
  }
  function findingIndex(id: number): number {
    let low = 0;
    let high = findingRows.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (findingRows[middle].id === id) return middle;
      if (findingRows[middle].id < id) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
  function existing<T>(table: Map<number, T>, what: string, id: number): T {
    const found = table.get(id);
    if (found === undefined) throw new Error(`dojo peer: no ${what} ${id}`);
    return found;
  }

  return {
    url: baseUrl,
    model,
    serviceToken,
    addServiceToken: (token) => serviceTokens.add(token),
    removeToken: (token) => {
      tokens.delete(token);
      serviceTokens.delete(token);
    },
    addUser: (user) => {
      const replacing = users.has(user.id);
      users.set(user.id, user);
      if (user.token) tokens.set(user.token, user.id);
      // add_user saves the GlobalRoleForm with the user; its role is None unless chosen.
      if (model === "RBAC" && !replacing && (user.madeBy ?? "ui") === "ui") setGlobalRole({ user: user.id, group: null }, user.globalRole ?? null);
    },
    updateUser: (id, changes) => users.set(id, { ...users.get(id)!, ...changes }),
    removeUser: (id) => {
      users.delete(id);
      for (const resource of ["product_members", "product_type_members", "dojo_group_members", "global_roles"] as const) {
        removeRows(resource, (row) => row.user === id);
      }
      for (const list of [...products.values(), ...productTypes.values()]) list.authorized.delete(id);
    },
    addProductType: ({ id, name, created = timestamp(), updated = created }) => {
      productTypes.set(id, { id, name, created, updated, authorized: productTypes.get(id)?.authorized ?? new Set() });
      touched();
    },
    addProduct: ({ id, name, productTypeId, created = timestamp(), tags = [], slaConfigurationId = 1, disableSlaBreachNotifications = false }) => {
      const authorized = products.get(id)?.authorized ?? new Set<number>();
      products.set(id, { id, name, productTypeId, created, updated: created, authorized, tags, slaConfigurationId, disableSlaBreachNotifications });
      touched();
    },
    addSlaConfiguration: (config) => {
      slaConfigurations.set(config.id, slaConfigurationRecord(config));
      touched();
    },
    removeProduct: (id) => {
      products.delete(id);
      removeRows("product_members", (row) => row.product === id);
      removeRows("product_groups", (row) => row.product === id);
      touched();
    },
    addEngagement: (seed) => {
      const created = seed.created === undefined ? timestamp() : seed.created;
      const targetStart = seed.targetStart ?? dayOf(created ?? timestamp())!;
      engagements.set(seed.id, {
        id: seed.id,
        productId: seed.productId,
        name: seed.name === undefined ? `eng ${seed.id}` : seed.name,
        status: seed.status === undefined ? "Not Started" : seed.status,
        created,
        updated: seed.updated === undefined ? created : seed.updated,
        targetStart,
        targetEnd: seed.targetEnd ?? targetStart,
      });
      touched();
    },
    updateEngagement: (id, { updated = timestamp(), ...changes }) => {
      Object.assign(existing(engagements, "engagement", id), definedOnly(changes), { updated });
      touched();
    },
    addTest: (seed) => {
      const created = seed.created === undefined ? timestamp() : seed.created;
      tests.set(seed.id, {
        id: seed.id,
        engagementId: seed.engagementId,
        title: seed.title === undefined ? `test ${seed.id}` : seed.title,
        testType: seed.testType ?? 1,
        testTypeName: seed.testTypeName ?? "ZAP Scan",
        created,
        updated: seed.updated === undefined ? created : seed.updated,
        targetStart: created ?? timestamp(),
      });
      touched();
    },
    addFinding: (seed) => putFindings([findingRecord(seed, seed.created ?? timestamp())]),
    updateFinding: (id, { updated = timestamp(), ...changes }) => {
      const finding = existing(findings, "finding", id);
      const before = { ...finding };
      Object.assign(finding, definedOnly(changes), { updated });
      const statusFields = ["active", "verified", "falseP", "outOfScope", "riskAccepted", "isMitigated"] as const;
      if (statusFields.some((field) => finding[field] !== before[field])) finding.lastStatusUpdate = updated;
      if (finding.isMitigated !== before.isMitigated) finding.mitigated = finding.isMitigated ? updated : null;
      touched();
    },
    removeFinding: (id) => {
      if (!findings.delete(id)) return;
      findingRows.splice(findingIndex(id), 1);
      for (const ti of testImports.values()) ti.actions = ti.actions.filter((a) => a.findingId !== id);
      for (const ra of riskAcceptances.values()) ra.acceptedFindings = ra.acceptedFindings.filter((f) => f !== id);
      touched();
    },
    seedFindings: (count, { firstId, testId, severity }) => {
      const at = timestamp();
      putFindings(Array.from({ length: count }, (_, i) => findingRecord({ id: firstId + i, testId, severity }, at)));
    },
    addTestImport: (seed) => {
      const findingIds = seed.actions.map((a) => a.findingId);
      if (new Set(findingIds).size !== findingIds.length) throw new Error(`dojo peer: test import ${seed.id} acts twice on one finding`);
      const created = seed.created ?? timestamp();
      testImports.set(seed.id, {
        id: seed.id,
        testId: seed.testId,
        type: seed.type ?? "import",
        created,
        modified: created,
        version: seed.version ?? null,
        branchTag: seed.branchTag ?? null,
        buildId: seed.buildId ?? null,
        commitHash: seed.commitHash ?? null,
        actions: seed.actions.map((a) => ({ id: nextImportActionId++, findingId: a.findingId, action: a.action, created, modified: created })),
      });
      touched();
    },
    addRiskAcceptance: (seed) => {
      const acceptedFindings = [...(seed.acceptedFindings ?? [])];
      const created = seed.created ?? timestamp();
      riskAcceptances.set(seed.id, {
        id: seed.id,
        engagementId: seed.engagementId,
        name: seed.name ?? `risk acceptance ${seed.id}`,
        acceptedFindings,
        expirationDate: seed.expirationDate,
        expirationDateWarned: seed.expirationDateWarned ?? null,
        expirationDateHandled: seed.expirationDateHandled ?? null,
        created,
        updated: seed.updated ?? created,
        owner: 1,
      });
      touched();
    },
    updateRiskAcceptance: (id, { updated = timestamp(), ...changes }) => {
      Object.assign(existing(riskAcceptances, "risk acceptance", id), definedOnly(changes), { updated });
      touched();
    },
    addProductMember: (product, user, role = DOJO_ROLES.READER) => addRow("product_members", { product, user, role }),
    removeProductMember: (product, user) => removeRows("product_members", (row) => row.product === product && row.user === user),
    addProductTypeMember: (productType, user, role = DOJO_ROLES.READER) => addRow("product_type_members", { product_type: productType, user, role }),
    removeProductTypeMember: (productType, user) =>
      removeRows("product_type_members", (row) => row.product_type === productType && row.user === user),
    addGroup: ({ id, name, madeBy = "ui" }) => putGroup(id, name, madeBy),
    addGroupMember: (group, user, role = DOJO_ROLES.READER) => {
      ensureGroup(group);
      addRow("dojo_group_members", { group, user, role });
    },
    removeGroupMember: (group, user) => removeRows("dojo_group_members", (row) => row.group === group && row.user === user),
    addProductGroup: (product, group, role = DOJO_ROLES.READER) => {
      ensureGroup(group);
      addRow("product_groups", { product, group, role });
    },
    removeProductGroup: (product, group) => removeRows("product_groups", (row) => row.product === product && row.group === group),
    addProductTypeGroup: (productType, group, role = DOJO_ROLES.READER) => {
      ensureGroup(group);
      addRow("product_type_groups", { product_type: productType, group, role });
    },
    removeProductTypeGroup: (productType, group) =>
      removeRows("product_type_groups", (row) => row.product_type === productType && row.group === group),
    addGlobalRole: ({ userId, groupId, role = DOJO_ROLES.READER }) => {
      if (groupId !== undefined) ensureGroup(groupId);
      setGlobalRole({ user: userId ?? null, group: groupId ?? null }, role);
    },
    removeGlobalRole: ({ userId, groupId }) =>
      removeRows("global_roles", (row) => row.user === (userId ?? null) && row.group === (groupId ?? null)),
    authorize: (target, userId) => accessList(target).add(userId),
    unauthorize: (target, userId) => accessList(target).delete(userId),
    version,
    setSystemSettings: (changes) => {
      Object.assign(systemSettings, changes);
    },
    systemSettings: () => ({ ...systemSettings }),
    addNotificationsRow: ({ user = null, product = null, template = false, channels = {} }) => {
      const id = nextSettingsRowId++;
      notificationsRows.set(id, { id, user, product, template, channels: { ...defaultNotificationChannels(), ...channels } });
      return id;
    },
    notificationsRows: () =>
      sortedBy(notificationsRows.values(), (a, b) => a.id - b.id).map((row) => ({
        id: row.id,
        user: row.user,
        product: row.product,
        template: row.template,
        channels: Object.fromEntries(
          DOJO_NOTIFICATION_FIELDS.map((field) => [field, DOJO_CHANNEL_IDS.filter((channel) => row.channels[field].includes(channel))]),
        ) as Record<DojoNotificationField, DojoChannelId[]>,
      })),
    addUserContactInfo: ({ userId, slackEmail = null, slackUserId = null }) => {
      for (const info of contactInfos.values()) if (info.userId === userId) contactInfos.delete(info.id);
      const id = nextSettingsRowId++;
      contactInfos.set(id, { id, userId, slackUsername: slackEmail, slackUserId });
    },
    addWebhookEndpoint: ({ name, url, headerName = null, headerValue = null, owner = null, status = "active" }) => {
      const id = nextSettingsRowId++;
      webhookEndpoints.set(id, { id, name, url, headerName, headerValue, status, note: null, owner, firstError: null, lastError: null });
      return id;
    },
    webhookEndpoints: () =>
      sortedBy(webhookEndpoints.values(), (a, b) => a.id - b.id).map(({ firstError: _first, lastError: _last, ...endpoint }) => ({ ...endpoint })),
    setWebhookStatus: (id, status, note) => {
      const endpoint = existing(webhookEndpoints, "webhook endpoint", id);
      endpoint.status = status;
      if (note !== undefined) endpoint.note = note;
      if (status !== "active") {
        endpoint.lastError = timestamp();
        endpoint.firstError ??= endpoint.lastError;
      }
    },
    writes,
    failWith: (status) => {
      profileFailure = status;
    },
    failApiWith: (status, resource) => {
      if (resource === undefined) {
        apiFailure = status;
        if (status === null) resourceFailures.clear();
      } else {
        const name = resource.replace(/^\/+|\/+$/g, "");
        if (status === null) resourceFailures.delete(name);
        else resourceFailures.set(name, status);
      }
    },
    get profileCalls() {
      return requests.length;
    },
    requests,
    apiCalls,
    apiRequests,
    ignoredParams,
    callsTo: (resource) => {
      const name = resource.replace(/^\/+|\/+$/g, "");
      return apiCalls.filter((path) => path.startsWith(`/api/v2/${name}/`)).length;
    },
    close: () => closeServer(server),

    // --- For DefectDojo's webhook sender ---
    webhookEndpointRows: () => sortedBy(webhookEndpoints.values(), (a, b) => a.id - b.id),
    webhookEndpointRow: (id) => webhookEndpoints.get(id),
  };
}

// ---------------------------------------------------------------------------------------------
// django-filter, as DefectDojo's FilterSets use it

type Endpoint = (res: ServerResponse, url: URL, id: number | undefined) => void;
type SortValue = number | string | null;
type OrderTerm = { field: string; descending: boolean };
/** How often a row is in the answer: a filter across a to-many relation joins, one row per match. */
type Verdict = boolean | number;
type FieldError = { message: string; code: string };
type ParsedFilter<R> = { error: FieldError } | { predicate?: (row: R) => Verdict; distinct?: boolean };
/** One filter, given every value of its parameter (Django's QueryDict.get keeps the last). */
type Filter<R> = (values: string[]) => ParsedFilter<R>;
/** A field's value, or its values across a to-many relation. */
type Joined<T> = T | readonly T[];

interface ListSpec<R extends { id: number }> {
  /** The rows in the endpoint's default order (its queryset's order_by). */
  rows(): readonly R[];
  /** `rows()` are in id order, so `o=id` and `o=-id` need no sort. */
  idOrdered?: boolean;
  render(row: R): unknown;
  filters: Record<string, Filter<R>>;
  /** The `o=` choices (each also with `-`); without it the endpoint has no `o`, which is then ignored. */
  ordering?: Record<string, (row: R) => SortValue>;
  /** Real DefectDojo filters the peer cannot answer truthfully: 501, never a silent guess. */
  unmodelled?: readonly string[];
  /** Real `o=` choices the peer cannot sort by: 501 too. */
  unmodelledOrdering?: readonly string[];
}

// The 2.x membership endpoints' filterset_fields, with the row field each one reads.
const RBAC_FILTERS: Record<RbacResource, Array<[param: string, field: string]>> = {
  product_members: [["id", "id"], ["product_id", "product"], ["user_id", "user"]],
  product_groups: [["id", "id"], ["product_id", "product"], ["group_id", "group"]],
  product_type_members: [["id", "id"], ["product_type_id", "product_type"], ["user_id", "user"]],
  product_type_groups: [["id", "id"], ["product_type_id", "product_type"], ["group_id", "group"]],
  dojo_groups: [["id", "id"], ["name", "name"]],
  dojo_group_members: [["id", "id"], ["group_id", "group"], ["user_id", "user"]],
  global_roles: [["id", "id"], ["user", "user"], ["group", "group"], ["role", "role"]],
};
const rowFilter = (field: string): Filter<Row> =>
  field === "name" ? textFilter((row) => row.name as string | null, "exact") : numberFilter((row) => row[field] as number | null);

const NO_FILTER = {};
/** A list of parameter names written as words. */
const names = (text: string) => text.trim().split(/\s+/);
const last = (values: string[]) => values[values.length - 1];
const NOT_A_NUMBER: FieldError = { message: "Enter a number.", code: "invalid" };
const INVALID_DATE: FieldError = { message: "Enter a valid date.", code: "invalid" };
const INVALID_DATETIME: FieldError = { message: "Enter a valid date/time.", code: "invalid" };
// ModelChoiceField names no value; ChoiceField and ModelMultipleChoiceField do.
const INVALID_FOREIGN_KEY: FieldError = { message: "Select a valid choice. That choice is not one of the available choices.", code: "invalid_choice" };
const invalidChoice = (value: string): FieldError => ({
  message: `Select a valid choice. ${value} is not one of the available choices.`,
  code: "invalid_choice",
});
// forms.DecimalField (NumberFilter) and an integer primary key.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const INTEGER = /^\s*[+-]?\d+\s*$/;
const countMatches = <T>(value: Joined<T>, test: (one: T) => boolean): Verdict =>
  Array.isArray(value) ? (value as readonly T[]).filter(test).length : test(value as T);

/** NumberFilter: exact. */
function numberFilter<R>(get: (row: R) => number | null): Filter<R> {
  return (values) => {
    const text = last(values).trim();
    if (text === "") return NO_FILTER;
    if (!DECIMAL.test(text)) return { error: NOT_A_NUMBER };
    const wanted = Number(text);
    return { predicate: (row) => get(row) === wanted };
  };
}

/** NumberInFilter: a comma-separated IN list. */
function numberInFilter<R>(get: (row: R) => number | null): Filter<R> {
  return (values) => {
    const text = last(values);
    if (text === "") return NO_FILTER;
    const parts = text.split(",").map((part) => part.trim());
    if (parts.some((part) => part !== "" && !DECIMAL.test(part))) return { error: NOT_A_NUMBER };
    const wanted = new Set(parts.filter((part) => part !== "").map(Number));
    return {
      predicate: (row) => {
        const value = get(row);
        return value !== null && wanted.has(value);
      },
    };
  };
}

/** ModelChoiceFilter (a foreign key): an id not in DefectDojo's table is a 400, not an empty list. */
function foreignKeyFilter<R>(get: (row: R) => Joined<number | null>, exists: (id: number) => boolean): Filter<R> {
  return (values) => {
    const text = last(values);
    if (text === "") return NO_FILTER;
    if (!INTEGER.test(text) || !exists(Number(text))) return { error: INVALID_FOREIGN_KEY };
    const wanted = Number(text);
    return { predicate: (row) => countMatches(get(row), (one) => one === wanted) };
  };
}

/** ModelMultipleChoiceFilter (many-to-many): repeat the parameter for OR (`a=1&a=2`, not `a=1,2`); it adds DISTINCT. */
function manyToManyFilter<R>(get: (row: R) => readonly number[], exists: (id: number) => boolean): Filter<R> {
  return (values) => {
    const bad = values.find((value) => !INTEGER.test(value));
    if (bad !== undefined) return { error: { message: `“${bad}” is not a valid value.`, code: "invalid_pk_value" } };
    const unknown = values.find((value) => !exists(Number(value)) || String(Number(value)) !== value);
    if (unknown !== undefined) return { error: invalidChoice(unknown) };
    const wanted = new Set(values.map(Number));
    return { predicate: (row) => get(row).some((id) => wanted.has(id)), distinct: true };
  };
}

/** CharFilter: the form field strips the value; a null field never matches. */
function textFilter<R>(get: (row: R) => string | null, lookup: "exact" | "iexact" | "icontains"): Filter<R> {
  return (values) => {
    const wanted = last(values).trim();
    if (wanted === "") return NO_FILTER;
    const lower = wanted.toLowerCase();
    const test = {
      exact: (value: string) => value === wanted,
      iexact: (value: string) => value.toLowerCase() === lower,
      icontains: (value: string) => value.toLowerCase().includes(lower),
    }[lookup];
    return {
      predicate: (row) => {
        const value = get(row);
        return value !== null && test(value);
      },
    };
  };
}

/** DefectDojo's `custom_filter`: a comma-separated list, each value exact and case-sensitive. */
function commaListFilter<R>(get: (row: R) => string): Filter<R> {
  return (values) => {
    const text = last(values).trim();
    if (text === "") return NO_FILTER;
    const wanted = new Set(text.split(","));
    return { predicate: (row) => wanted.has(get(row)) };
  };
}

/** ChoiceFilter (a model field with choices): a value outside them is a 400. */
function choiceFilter<R>(choices: readonly string[], get: (row: R) => Joined<string | null>): Filter<R> {
  return (values) => {
    const wanted = last(values);
    if (wanted === "") return NO_FILTER;
    if (!choices.includes(wanted)) return { error: invalidChoice(wanted) };
    return { predicate: (row) => countMatches(get(row), (one) => one === wanted) };
  };
}

// django-filter's own BooleanFilter reads Django's NullBooleanSelect: `1`, `0`, `TRUE` are no filter at all.
const DJANGO_BOOLEANS = new Map([["True", true], ["true", true], ["2", true], ["False", false], ["false", false], ["3", false]]);
// django_filters.rest_framework's BooleanFilter reads BooleanWidget, which lowercases first.
const DRF_BOOLEANS = new Map([["true", true], ["1", true], ["false", false], ["0", false]]);
function booleanFilter<R>(get: (row: R) => boolean, widget: "django" | "drf" = "django"): Filter<R> {
  return (values) => {
    const text = last(values);
    const wanted = widget === "drf" ? DRF_BOOLEANS.get(text.toLowerCase()) : DJANGO_BOOLEANS.get(text);
    return wanted === undefined ? NO_FILTER : { predicate: (row) => get(row) === wanted };
  };
}

type Lookup = "exact" | "gt" | "gte" | "lt" | "lte";
const COMPARE: Record<Lookup, (value: number | string, wanted: number | string) => boolean> = {
  exact: (value, wanted) => value === wanted,
  gt: (value, wanted) => value > wanted,
  gte: (value, wanted) => value >= wanted,
  lt: (value, wanted) => value < wanted,
  lte: (value, wanted) => value <= wanted,
};

/** DateFilter (forms.DateField; the peer reads its ISO input format, YYYY-MM-DD). */
function dateFilter<R>(get: (row: R) => string | null, lookup: Lookup): Filter<R> {
  return (values) => {
    const text = last(values).trim();
    if (text === "") return NO_FILTER;
    const wanted = isoDate(text);
    if (wanted === null) return { error: INVALID_DATE };
    return {
      predicate: (row) => {
        const value = get(row);
        return value !== null && COMPARE[lookup](value, wanted);
      },
    };
  };
}

/** DateTimeFilter and IsoDateTimeFilter: ISO 8601, naive meaning UTC (DefectDojo's TIME_ZONE); compared to the microsecond. */
function dateTimeFilter<R>(get: (row: R) => Joined<string | null>, lookup: Lookup): Filter<R> {
  return (values) => {
    const text = last(values).trim();
    if (text === "") return NO_FILTER;
    const wanted = parseMicros(text);
    if (wanted === null) return { error: INVALID_DATETIME };
    return {
      predicate: (row) =>
        countMatches(get(row), (value) => {
          const micros = value === null ? null : microsOf(value);
          return micros !== null && COMPARE[lookup](micros, wanted);
        }),
    };
  };
}

/** A datetime field's Meta lookups `exact`, `gt`, `lt`, `gte`, `lte`. */
function dateTimeLookups<R>(field: string, get: (row: R) => string | null): Record<string, Filter<R>> {
  return {
    [field]: dateTimeFilter(get, "exact"),
    [`${field}__gt`]: dateTimeFilter(get, "gt"),
    [`${field}__lt`]: dateTimeFilter(get, "lt"),
    [`${field}__gte`]: dateTimeFilter(get, "gte"),
    [`${field}__lte`]: dateTimeFilter(get, "lte"),
  };
}

/** DefectDojo's DateRangeFilter (dojo/filters.py): not a date but a code, 1 today … 7 past year, in UTC. */
function dateRangeFilter<R>(getDay: (row: R) => string | null): Filter<R> {
  return (values) => {
    const code = last(values);
    if (code === "" || code === "None") return NO_FILTER;
    const today = utcDay(Date.now());
    const since = (days: number) => (day: string) => day >= utcDay(Date.now() - days * 86_400_000) && day <= today;
    const windows: Record<string, (day: string) => boolean> = {
      "1": (day) => day === today,
      "2": since(7),
      "3": since(30),
      "4": since(90),
      "5": (day) => day.slice(0, 7) === today.slice(0, 7),
      "6": (day) => day.slice(0, 4) === today.slice(0, 4),
      "7": since(365),
    };
    const within = Object.hasOwn(windows, code) ? windows[code] : undefined;
    if (!within) return { error: invalidChoice(code) };
    return {
      predicate: (row) => {
        const day = getDay(row);
        return day !== null && within(day);
      },
    };
  };
}

/** ApiFindingFilter's `mitigated_on` (a bare date means that whole day) and `mitigated_after` (a bare date means after it). */
function mitigatedFilter<R>(get: (row: R) => string | null, kind: "on" | "after"): Filter<R> {
  return (values) => {
    const text = last(values).trim();
    if (text === "") return NO_FILTER;
    const wanted = parseMicros(text);
    if (wanted === null) return { error: INVALID_DATETIME };
    const day = 86_400_000_000;
    // Django looks at hour, minute and second only.
    const midnight = wanted % day < 1_000_000;
    const test =
      kind === "on"
        ? (micros: number) => (midnight ? micros >= wanted && micros < wanted + day : micros === wanted)
        : (micros: number) => micros > (midnight ? wanted + day - 1_000_000 : wanted);
    return {
      predicate: (row) => {
        const value = get(row);
        const micros = value === null ? null : microsOf(value);
        return micros !== null && test(micros);
      },
    };
  };
}

/** FindingSLAFilter (dojo/filters.py): 1 = open findings past their SLA date, 0 = SLA date after today or none. */
function outsideOfSlaFilter(): Filter<FindingRecord> {
  return (values) => {
    const code = last(values);
    if (code === "" || code === "None") return NO_FILTER;
    if (code !== "0" && code !== "1") return { error: invalidChoice(code) };
    const today = utcDay(Date.now());
    if (code === "0") return { predicate: (f) => f.slaExpirationDate === null || f.slaExpirationDate > today };
    return {
      predicate: (f) =>
        f.active &&
        !f.falseP &&
        !f.duplicate &&
        !f.outOfScope &&
        !f.riskAccepted &&
        !f.isMitigated &&
        f.mitigated === null &&
        f.slaExpirationDate !== null &&
        f.slaExpirationDate < today,
    };
  };
}

/**
 * A DojoFilter's tag filters (`tag`, `tags`, `tags__and`, `not_…`, `has_tags`, also across relations).
 * The peer's objects carry no tags, so the positive ones match nothing and the negated ones everything.
 */
function tagFilters<R>(paths: readonly string[]): Record<string, Filter<R>> {
  const nothing: Filter<R> = (values) => (last(values).trim() === "" ? NO_FILTER : { predicate: () => false });
  const everything: Filter<R> = () => NO_FILTER;
  const filters: Record<string, Filter<R>> = { tag: nothing, not_tag: everything, has_tags: booleanFilter(() => false) };
  for (const path of paths) {
    filters[`${path}tags`] = nothing;
    filters[`${path}tags__and`] = nothing;
    filters[`not_${path}tags`] = everything;
  }
  return filters;
}

/** An OrderingFilter's value: comma-separated choices, each maybe `-`; the first one not offered is a 400. */
function readOrdering<R extends { id: number }>(
  values: string[],
  spec: ListSpec<R>,
): { terms: OrderTerm[] } | { error: FieldError } | { unmodelled: string } {
  const terms: OrderTerm[] = [];
  for (const choice of last(values).split(",")) {
    if (choice === "") continue;
    const field = choice.replace(/^-/, "");
    if (spec.unmodelledOrdering?.includes(field)) return { unmodelled: field };
    if (!Object.hasOwn(spec.ordering!, field)) return { error: invalidChoice(choice) };
    terms.push({ field, descending: choice.startsWith("-") });
  }
  return { terms };
}

/** How many times a row passes all filters (0 = not at all). */
function admitted<R>(row: R, predicates: ReadonlyArray<(row: R) => Verdict>): number {
  let times = 1;
  for (const predicate of predicates) {
    times *= Number(predicate(row));
    if (times === 0) break;
  }
  return times;
}

function filtered<R>(rows: readonly R[], predicates: ReadonlyArray<(row: R) => Verdict>, distinct: boolean): readonly R[] {
  if (predicates.length === 0) return rows;
  const chosen: R[] = [];
  for (const row of rows) {
    const times = distinct ? Math.min(1, admitted(row, predicates)) : admitted(row, predicates);
    for (let i = 0; i < times; i++) chosen.push(row);
  }
  return chosen;
}

/** Postgres order: NULLs after everything ascending (so first descending), text by locale. */
function compareSortValues(a: SortValue, b: SortValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return collator.compare(String(a), String(b));
}

/** DRF's ValidationError as DefectDojo's exception handler sends it: the errors, and `message`, their Python repr. */
function validationErrorBody(errors: Array<[string, FieldError]>): Record<string, unknown> {
  const body: Record<string, unknown> = Object.fromEntries(errors.map(([param, error]) => [param, [error.message]]));
  const repr = errors.map(([param, e]) => `${pyRepr(param)}: [ErrorDetail(string=${pyRepr(e.message)}, code=${pyRepr(e.code)})]`);
  body.message = `{${repr.join(", ")}}`;
  return body;
}

function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

function notModelled(res: ServerResponse, what: string): void {
  json(res, 501, { detail: `dojo peer: DefectDojo's ${what} is real but not modelled here` });
}

// ---------------------------------------------------------------------------------------------
// DRF serializer fields, as DefectDojo's writable notification settings use them

/** One resource's write: `id` undefined for a create on the list route. */
type Write = (res: ServerResponse, id: number | undefined, body: Record<string, unknown>) => void;

/** A model field as its ModelSerializer field reads it (blank=True allows "", null=True allows null). */
type DrfField =
  | { kind: "boolean" }
  | { kind: "integer"; nullable?: boolean }
  | { kind: "char"; maxLength: number; blank: boolean; nullable: boolean }
  /** Django's URLField: not blank, not null. */
  | { kind: "url"; maxLength: number };
const BOOLEAN: DrfField = { kind: "boolean" };
const char = (maxLength: number): DrfField => ({ kind: "char", maxLength, blank: true, nullable: false });

// serializers.BooleanField's TRUE_VALUES and FALSE_VALUES.
const DRF_TRUE = new Set<unknown>([true, 1, "1", "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
const DRF_FALSE = new Set<unknown>([false, 0, "0", "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]);

/** A value as the serializer field takes it (CharField strips whitespace first), or its error. */
function drfValue(field: DrfField, value: unknown): { value: unknown } | { error: FieldError } {
  if (value === null) {
    return (field.kind === "char" || field.kind === "integer") && field.nullable
      ? { value: null }
      : { error: { message: "This field may not be null.", code: "null" } };
  }
  switch (field.kind) {
    case "boolean":
      if (DRF_TRUE.has(value)) return { value: true };
      if (DRF_FALSE.has(value)) return { value: false };
      return { error: { message: "Must be a valid boolean.", code: "invalid" } };
    case "integer":
      return typeof value === "number" && Number.isInteger(value) ? { value } : typeof value === "string" && /^\s*-?\d+\s*$/.test(value)
        ? { value: Number(value) }
        : { error: { message: "A valid integer is required.", code: "invalid" } };
    case "char":
    case "url": {
      if (typeof value !== "string" && typeof value !== "number") return { error: { message: "Not a valid string.", code: "invalid" } };
      const text = String(value).trim();
      const blank = field.kind === "char" && field.blank;
      if (text === "" && !blank) return { error: { message: "This field may not be blank.", code: "blank" } };
      if (text.length > field.maxLength) {
        return { error: { message: `Ensure this field has no more than ${field.maxLength} characters.`, code: "max_length" } };
      }
      if (field.kind === "url" && !djangoUrl(text)) return { error: { message: "Enter a valid URL.", code: "invalid" } };
      return { value: text };
    }
  }
}

/**
 * Django's URLValidator, as far as a webhook URL goes: http(s) or ftp(s); a host that is localhost, an
 * IPv4 or bracketed IPv6 address, or a dotted name whose last label (the TLD) is letters; a port; a path.
 */
function djangoUrl(text: string): boolean {
  const match = /^(?:https?|ftps?):\/\/(?:[^\s:@/]+(?::[^\s:@/]*)?@)?(\[[0-9a-f:.]+\]|[^\s:/?#[\]]+)(?::(\d{1,5}))?(?:[/?#]\S*)?$/i.exec(text);
  if (!match) return false;
  const [, host, port] = match;
  if (port !== undefined && Number(port) > 65535) return false;
  if (host.startsWith("[") || host.toLowerCase() === "localhost") return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) return host.split(".").every((octet) => Number(octet) <= 255);
  const labels = host.replace(/\.$/, "").split(".");
  const label = /^[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?$/i;
  const tld = /^(?:[a-z\u00a1-\uffff]{2,63}|xn--[a-z0-9]{1,59})$/i;
  return labels.length >= 2 && labels.slice(0, -1).every((part) => label.test(part)) && tld.test(labels[labels.length - 1]);
}

/** PrimaryKeyRelatedField(allow_null=True). */
function primaryKey(value: unknown, exists: (pk: number) => boolean): { value: number | null } | { error: FieldError } {
  if (value === null) return { value: null };
  if (typeof value === "boolean" || (typeof value !== "number" && typeof value !== "string") || !/^\d+$/.test(String(value))) {
    const type = Array.isArray(value) ? "list" : typeof value === "boolean" ? "bool" : typeof value === "string" ? "str" : "dict";
    return { error: { message: `Incorrect type. Expected pk value, received ${type}.`, code: "incorrect_type" } };
  }
  if (!exists(Number(value))) return { error: { message: `Invalid pk "${value}" - object does not exist.`, code: "does_not_exist" } };
  return { value: Number(value) };
}

/** MultipleChoiceField over NOTIFICATION_CHOICES: a list (a string is refused), each a choice. */
function multipleChoice(value: unknown): { value: string[] } | { error: FieldError } {
  if (!Array.isArray(value)) {
    const type = typeof value === "string" ? "str" : typeof value === "number" ? "int" : typeof value === "boolean" ? "bool" : "dict";
    return { error: { message: `Expected a list of items but got type "${type}".`, code: "not_a_list" } };
  }
  const bad = value.find((item) => !(DOJO_CHANNEL_IDS as readonly unknown[]).includes(item));
  if (bad !== undefined) return { error: { message: `"${pyStr(bad)}" is not a valid choice.`, code: "invalid_choice" } };
  return { value: [...new Set(value as string[])] };
}

/** The ChoiceField DRF makes of an undeclared MultiSelectField: "" or a single channel id, compared as `str(value)`. */
function singleChoice(value: unknown): { value: string[] } | { error: FieldError } {
  if (value === "") return { value: [] };
  if (typeof value === "string" && (DOJO_CHANNEL_IDS as readonly string[]).includes(value)) return { value: [value] };
  return { error: { message: `"${pyStr(value)}" is not a valid choice.`, code: "invalid_choice" } };
}

/** Python's str() of a JSON value, as DRF's messages quote one. */
function pyStr(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (typeof item === "string" ? pyRepr(item) : pyStr(item))).join(", ")}]`;
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "object") return `{${Object.entries(value as object).map(([k, v]) => `${pyRepr(k)}: ${typeof v === "string" ? pyRepr(v) : pyStr(v)}`).join(", ")}}`;
  return String(value);
}

/** A new Notifications row's channels: `DEFAULT_NOTIFICATION` (alert) per field, none for scan_added_empty. */
function defaultNotificationChannels(): Record<DojoNotificationField, string[]> {
  return Object.fromEntries(DOJO_NOTIFICATION_FIELDS.map((field) => [field, field === "scan_added_empty" ? [] : ["alert"]])) as Record<
    DojoNotificationField,
    string[]
  >;
}

/** System_Settings' notification fields (dojo/system_settings/models.py): their serializer fields and model defaults. */
const SYSTEM_SETTINGS_FIELDS: Record<string, { field: DrfField; initial: string | number | boolean | null }> = {
  email_from: { field: char(200), initial: "no-reply@example.com" },
  enable_slack_notifications: { field: BOOLEAN, initial: false },
  slack_channel: { field: char(100), initial: "" },
  slack_token: { field: char(100), initial: "" },
  slack_username: { field: char(100), initial: "" },
  enable_msteams_notifications: { field: BOOLEAN, initial: false },
  msteams_url: { field: char(400), initial: "" },
  enable_mail_notifications: { field: BOOLEAN, initial: false },
  mail_notifications_to: { field: char(200), initial: "" },
  enable_webhooks_notifications: { field: BOOLEAN, initial: false },
  webhooks_notifications_timeout: { field: { kind: "integer" }, initial: 10 },
  team_name: { field: char(100), initial: "" },
  enable_finding_sla: { field: BOOLEAN, initial: true },
  // The SLA notices' switches and the risk acceptance heads-up (null: off), with the model's defaults.
  enable_notify_sla_active: { field: BOOLEAN, initial: false },
  enable_notify_sla_active_verified: { field: BOOLEAN, initial: false },
  enable_notify_sla_jira_only: { field: BOOLEAN, initial: false },
  enable_notify_sla_exponential_backoff: { field: BOOLEAN, initial: false },
  risk_acceptance_notify_before_expiration: { field: { kind: "integer", nullable: true }, initial: 10 },
  disclaimer_notifications: { field: char(3000), initial: "" },
};
/** The rest of System_Settings' fields (3.2.0; 2.x also has enable_credentials and default_group*): real, not modelled. */
const UNMODELLED_SYSTEM_SETTINGS = names(`
  enable_deduplication delete_duplicates max_dupes enable_jira enable_jira_web_hook disable_jira_webhook_secret
  jira_webhook_secret jira_minimum_severity jira_labels add_vulnerability_id_to_jira_label enable_github
  enforce_verified_status enforce_verified_status_jira enforce_verified_status_product_grading
  enforce_verified_status_metrics false_positive_history retroactive_false_positive_history url_prefix
  enable_product_grade product_grade_a product_grade_b product_grade_c product_grade_d product_grade_f
  enable_product_tag_inheritance enable_benchmark enable_similar_findings engagement_auto_close
  engagement_auto_close_days allow_anonymous_survey_repsonse disclaimer_reports disclaimer_reports_forced
  disclaimer_notes risk_acceptance_form_default_days enable_credentials
  enable_questionnaires enable_checklists enable_endpoint_metadata_import enable_user_profile_editable
  enable_product_tracking_files enable_finding_groups enable_ui_table_based_searching enable_calendar default_group
  default_group_role default_group_email_pattern minimum_password_length maximum_password_length
  number_character_required special_character_required lowercase_character_required uppercase_character_required
  non_common_password_required api_expose_error_details filter_string_matching
`);

// ---------------------------------------------------------------------------------------------
// Time, as DefectDojo (Postgres, USE_TZ, TIME_ZONE UTC) keeps it

/** Now as DRF renders a stored timestamp: ISO 8601, microseconds, `Z`. */
function timestamp(): string {
  return new Date().toISOString().replace(/Z$/, "000Z");
}

const utcDay = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

// ISO 8601 as Python's datetime.fromisoformat reads it: a date, then maybe a time and an offset.
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Microseconds since the epoch, or null when Django would refuse the text. */
function parseMicros(text: string): number | null {
  const match = ISO_DATETIME.exec(text);
  if (!match) return null;
  const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "", zone] = match;
  const ms = Date.UTC(+year, +month - 1, +day, +hour, +minute, +second);
  const at = new Date(ms);
  if (at.getUTCMonth() !== +month - 1 || at.getUTCDate() !== +day || +hour > 23 || +minute > 59 || +second > 59) return null;
  return (ms - offsetMinutes(zone) * 60_000) * 1000 + Number(fraction.padEnd(6, "0"));
}

/** `Z`, `+02`, `+0200` or `-02:00` in minutes east of UTC; none means UTC. */
function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === "Z") return 0;
  const digits = zone.slice(1).replace(":", "");
  return (zone[0] === "-" ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0"));
}

// Seeded timestamps repeat (seedFindings shares one), so their parse is remembered.
const parsedTimestamps = new Map<string, number | null>();
function microsOf(text: string | null): number | null {
  if (text === null) return null;
  let micros = parsedTimestamps.get(text);
  if (micros === undefined) {
    micros = parseMicros(text);
    parsedTimestamps.set(text, micros);
  }
  return micros;
}

/** The UTC calendar day of a timestamp. */
function dayOf(text: string | null): string | null {
  const micros = microsOf(text);
  return micros === null ? null : utcDay(Math.floor(micros / 1000));
}

/** A YYYY-MM-DD date, or null. */
function isoDate(text: string): string | null {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (!match) return null;
  const at = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
  return at.getUTCMonth() === +match[2] - 1 && at.getUTCDate() === +match[3] ? utcDay(at.getTime()) : null;
}

/** An SLA_Configuration with the model's defaults (dojo/models.py SLA_Configuration) where the seed is silent. */
function slaConfigurationRecord(seed: DojoPeerSlaConfiguration): SlaConfigurationRecord {
  return {
    id: seed.id,
    name: seed.name ?? `sla ${seed.id}`,
    critical: seed.critical ?? 7,
    enforceCritical: seed.enforceCritical ?? true,
    high: seed.high ?? 30,
    enforceHigh: seed.enforceHigh ?? true,
    medium: seed.medium ?? 90,
    enforceMedium: seed.enforceMedium ?? true,
    low: seed.low ?? 120,
    enforceLow: seed.enforceLow ?? true,
  };
}

/** Drops the keys given as undefined, so that an update changes only what it names. */
function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
