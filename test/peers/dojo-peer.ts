import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "./http-peer";

/** A DefectDojo user as the peer knows it; `token`, when given, is the user's API v2 key. */
export interface DojoPeerUser {
  id: number;
  username: string;
  email?: string;
  isSuperuser?: boolean;
  isStaff?: boolean;
  isActive?: boolean;
  token?: string;
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

  addProductType(productType: { id: number; name: string }): void;
  addProduct(product: { id: number; name: string; productTypeId: number }): void;
  /** Deletes a product: products/<id>/ answers 404, and its memberships go with it. */
  removeProduct(id: number): void;
  addEngagement(engagement: { id: number; productId: number }): void;
  addTest(test: { id: number; engagementId: number }): void;
  addFinding(finding: { id: number; testId: number }): void;

  /** RBAC membership rows; `role` is Reader unless given (every role may view). */
  addProductMember(productId: number, userId: number, role?: number): void;
  removeProductMember(productId: number, userId: number): void;
  addProductTypeMember(productTypeId: number, userId: number, role?: number): void;
  removeProductTypeMember(productTypeId: number, userId: number): void;
  /** An RBAC group (dojo_groups/); addGroupMember creates an unnamed one when needed. */
  addGroup(group: { id: number; name: string }): void;
  addGroupMember(groupId: number, userId: number, role?: number): void;
  removeGroupMember(groupId: number, userId: number): void;
  addProductGroup(productId: number, groupId: number, role?: number): void;
  removeProductGroup(productId: number, groupId: number): void;
  addProductTypeGroup(productTypeId: number, groupId: number, role?: number): void;
  removeProductTypeGroup(productTypeId: number, groupId: number): void;
  /** A global role for a user or a group (Reader unless given). */
  addGlobalRole(holder: { userId?: number; groupId?: number; role?: number }): void;
  removeGlobalRole(holder: { userId?: number; groupId?: number }): void;

  /** LEGACY: puts a user in `authorized_users` of a product or product type. */
  authorize(target: DojoPeerTarget, userId: number): void;
  unauthorize(target: DojoPeerTarget, userId: number): void;

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
  /** How many calls went to one resource (`"users"`, `"product_members"`), list and detail alike. */
  callsTo(resource: string): number;
  close(): Promise<void>;
}

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

// DRF's LimitOffsetPagination with DefectDojo's PAGE_SIZE; it sets no max_limit.
const DEFAULT_LIMIT = 25;

/** Query parameters each list endpoint filters on, as DefectDojo declares them; others are ignored. */
type Filter = "exact" | "in" | "icontains" | "iexact" | "boolean";
const FILTERS: Record<string, Record<string, [field: string, kind: Filter]>> = {
  // ApiUserFilter
  users: {
    id: ["id", "exact"],
    username: ["username", "icontains"],
    first_name: ["first_name", "icontains"],
    last_name: ["last_name", "icontains"],
    email: ["email", "icontains"],
    is_active: ["is_active", "boolean"],
    is_superuser: ["is_superuser", "boolean"],
  },
  // ApiProductFilter: `name` is a substring match, `name_exact` ignores case.
  products: { id: ["id", "in"], name: ["name", "icontains"], name_exact: ["name", "iexact"], prod_type: ["prod_type", "in"] },
  product_types: { id: ["id", "exact"], name: ["name", "exact"] },
  // 2.x filterset_fields: the foreign keys are filtered as `<field>_id`; `?product=` is silently ignored.
  product_members: { id: ["id", "exact"], product_id: ["product", "exact"], user_id: ["user", "exact"] },
  product_groups: { id: ["id", "exact"], product_id: ["product", "exact"], group_id: ["group", "exact"] },
  product_type_members: { id: ["id", "exact"], product_type_id: ["product_type", "exact"], user_id: ["user", "exact"] },
  product_type_groups: { id: ["id", "exact"], product_type_id: ["product_type", "exact"], group_id: ["group", "exact"] },
  dojo_groups: { id: ["id", "exact"], name: ["name", "exact"] },
  dojo_group_members: { id: ["id", "exact"], group_id: ["group", "exact"], user_id: ["user", "exact"] },
  global_roles: { id: ["id", "exact"], user: ["user", "exact"], group: ["group", "exact"], role: ["role", "exact"] },
};

/**
 * A stand-in for DefectDojo's REST API v2 on 127.0.0.1, faithful where the bridge reads it: token
 * auth (DRF's 401 `{"detail": …}`, superuser-only users/ and global_roles/), limit/offset pagination
 * (`count`, absolute `next`/`previous`, default limit 25, no maximum), DefectDojo's own filter names
 * and lookups (unknown parameters ignored), and either authorization model: RBAC (2.x, Pro) with
 * member, group and global-role endpoints, or LEGACY (3.x open source) where those answer 404 and
 * products and product types carry `authorized_users`.
 *
 * Simplification: a user key that is not a superuser's is refused (403) by every endpoint but
 * user_profile/, where DefectDojo would answer with what that user may see.
 */
export async function startDojoPeer(options: { model?: DojoAuthorizationModel } = {}): Promise<DojoPeer> {
  const model = options.model ?? "RBAC";
  const serviceToken = "dojo-service-key-000000000000";
  const serviceTokens = new Set([serviceToken]);
  const users = new Map<number, DojoPeerUser>();
  const tokens = new Map<string, number>();
  const productTypes = new Map<number, { id: number; name: string; authorized: Set<number> }>();
  const products = new Map<number, { id: number; name: string; productTypeId: number; authorized: Set<number> }>();
  const engagements = new Map<number, { id: number; productId: number }>();
  const tests = new Map<number, { id: number; engagementId: number }>();
  const findings = new Map<number, { id: number; testId: number }>();
  const rows = Object.fromEntries(RBAC_ONLY.map((name) => [name, [] as Row[]])) as Record<RbacResource, Row[]>;
  let nextRowId = 1;
  const requests: Array<{ authorization: string | undefined; accept: string | undefined }> = [];
  const apiCalls: string[] = [];
  const apiRequests: DojoPeerRequest[] = [];
  let profileFailure: number | null = null;
  let apiFailure: number | null = null;
  const resourceFailures = new Map<string, number>();
  let baseUrl = "";

  const userBody = (user: DojoPeerUser) => ({
    id: user.id,
    username: user.username,
    first_name: "",
    last_name: "",
    email: user.email ?? "",
    date_joined: "2024-01-15T09:30:00.000000Z",
    last_login: "2025-06-01T12:00:00.000000Z",
    is_active: user.isActive ?? true,
    is_staff: user.isStaff ?? false,
    is_superuser: user.isSuperuser ?? false,
    token_last_reset: null,
    password_last_reset: null,
    configuration_permissions: [],
  });
  const productBody = (p: { id: number; name: string; productTypeId: number; authorized: Set<number> }) => ({
    id: p.id,
    findings_count: 0,
    findings_list: [],
    tags: [],
    product_meta: [],
    name: p.name,
    description: `${p.name}, seeded`,
    created: "2024-02-01T10:00:00.000000Z",
    prod_type: p.productTypeId,
    business_criticality: null,
    ...(model === "LEGACY" ? { authorized_users: [...p.authorized].sort((a, b) => a - b) } : {}),
  });
  const productTypeBody = (pt: { id: number; name: string; authorized: Set<number> }) => ({
    id: pt.id,
    name: pt.name,
    description: null,
    critical_product: false,
    key_product: false,
    created: "2024-02-01T10:00:00.000000Z",
    updated: "2024-02-01T10:00:00.000000Z",
    ...(model === "LEGACY" ? { authorized_users: [...pt.authorized].sort((a, b) => a - b) } : {}),
  });

  /** DRF's LimitOffsetPagination: a bad or non-positive limit means the default, a bad offset 0. */
  function page(res: ServerResponse, url: URL, all: unknown[]) {
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
      results: all.slice(offset, offset + limit),
    });
  }

  /** Applies the resource's declared filters (django-filter); answers 400 like DRF for a malformed number. */
  function filtered<T extends Record<string, unknown>>(res: ServerResponse, url: URL, resource: string, items: T[]): T[] | null {
    let result = items;
    for (const [param, [field, kind]] of Object.entries(FILTERS[resource] ?? {})) {
      const wanted = url.searchParams.get(param);
      if (wanted === null || wanted === "") continue;
      const value = (item: T) => item[field];
      switch (kind) {
        case "exact":
        case "in": {
          const accepted = kind === "in" ? wanted.split(",") : [wanted];
          const numeric = field !== "name";
          if (numeric && accepted.some((text) => !/^-?\d+$/.test(text.trim()))) {
            json(res, 400, { [param]: ["Enter a number."] });
            return null;
          }
          result = result.filter((item) => accepted.some((text) => String(value(item)) === text.trim()));
          break;
        }
        case "icontains":
          result = result.filter((item) => String(value(item) ?? "").toLowerCase().includes(wanted.toLowerCase()));
          break;
        case "iexact":
          result = result.filter((item) => String(value(item) ?? "").toLowerCase() === wanted.toLowerCase());
          break;
        case "boolean": {
          const flag = { true: true, "1": true, false: false, "0": false }[wanted.toLowerCase()];
          if (flag !== undefined) result = result.filter((item) => value(item) === flag);
          break;
        }
      }
    }
    return result;
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
    const rbacResource = (RBAC_ONLY as readonly string[]).includes(resource) ? (resource as RbacResource) : null;
    const known = rbacResource ? model === "RBAC" : ["users", "products", "product_types", "engagements", "tests", "findings"].includes(resource);
    if (!known) return json(res, 404, { detail: "Not found." });
    if (!authenticate(req, res)) return;

    const id = idText === undefined ? undefined : Number(idText);
    const one = (item: unknown) => (item === undefined ? json(res, 404, { detail: "Not found." }) : json(res, 200, item));
    const listOrOne = <T extends { id: unknown }>(all: T[]) => {
      if (id !== undefined) return one(all.find((item) => item.id === id));
      const chosen = filtered(res, url, resource, all);
      if (chosen) page(res, url, chosen);
    };
    switch (resource) {
      case "users":
        return listOrOne(sortById([...users.values()]).map(userBody));
      case "products":
        return listOrOne(sortById([...products.values()]).map(productBody));
      case "product_types":
        return listOrOne(sortById([...productTypes.values()]).map(productTypeBody));
      case "engagements":
        return listOrOne(
          sortById([...engagements.values()]).map((e) => ({ id: e.id, name: `eng ${e.id}`, product: e.productId, active: true, status: "In Progress" })),
        );
      case "tests":
        return listOrOne(sortById([...tests.values()]).map((t) => ({ id: t.id, title: `test ${t.id}`, engagement: t.engagementId, test_type: 1 })));
      case "findings":
        return listOrOne(
          sortById([...findings.values()]).map((f) => ({ id: f.id, title: `finding ${f.id}`, test: f.testId, severity: "High", active: true })),
        );
      default:
        return listOrOne(rows[rbacResource!]);
    }
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://dojo");
    if (req.method !== "GET") return json(res, 405, { detail: `Method "${req.method}" not allowed.` });
    if (url.pathname !== "/api/v2/user_profile/") return api(req, res, url);
    requests.push({ authorization: req.headers.authorization, accept: req.headers.accept });
    if (profileFailure !== null) return json(res, profileFailure, { detail: "A server error occurred." });

    const match = /^Token (\S+)$/.exec(req.headers.authorization ?? "");
    if (!match) return json(res, 401, { detail: "Authentication credentials were not provided." });
    const user = users.get(tokens.get(match[1]) ?? -1);
    if (!user) return json(res, 401, { detail: "Invalid token." });
    // DRF's TokenAuthentication refuses inactive users itself.
    if (user.isActive === false) return json(res, 401, { detail: "User inactive or deleted." });
    return json(res, 200, profileBody(userBody(user)));
  });
  const port = await listenOnLoopback(server);
  baseUrl = `http://127.0.0.1:${port}`;

  const addRow = (resource: RbacResource, row: Omit<Row, "id">) => rows[resource].push({ id: nextRowId++, ...row });
  const removeRows = (resource: RbacResource, matches: (row: Row) => boolean) => {
    rows[resource] = rows[resource].filter((row) => !matches(row));
  };
  const ensureGroup = (group: number) => {
    if (!rows.dojo_groups.some((row) => row.id === group)) rows.dojo_groups.push({ id: group, name: `group ${group}`, description: null });
  };
  function accessList(target: DojoPeerTarget): Set<number> {
    const found = target.productId !== undefined ? products.get(target.productId) : productTypes.get(target.productTypeId ?? -1);
    if (!found) throw new Error(`dojo peer: no such product or product type ${JSON.stringify(target)}`);
    return found.authorized;
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
      users.set(user.id, user);
      if (user.token) tokens.set(user.token, user.id);
    },
    updateUser: (id, changes) => users.set(id, { ...users.get(id)!, ...changes }),
    removeUser: (id) => {
      users.delete(id);
      for (const resource of ["product_members", "product_type_members", "dojo_group_members", "global_roles"] as const) {
        removeRows(resource, (row) => row.user === id);
      }
      for (const list of [...products.values(), ...productTypes.values()]) list.authorized.delete(id);
    },
    addProductType: ({ id, name }) => productTypes.set(id, { id, name, authorized: productTypes.get(id)?.authorized ?? new Set() }),
    addProduct: ({ id, name, productTypeId }) => products.set(id, { id, name, productTypeId, authorized: products.get(id)?.authorized ?? new Set() }),
    removeProduct: (id) => {
      products.delete(id);
      removeRows("product_members", (row) => row.product === id);
      removeRows("product_groups", (row) => row.product === id);
    },
    addEngagement: (engagement) => engagements.set(engagement.id, engagement),
    addTest: (test) => tests.set(test.id, test),
    addFinding: (finding) => findings.set(finding.id, finding),
    addProductMember: (product, user, role = DOJO_ROLES.READER) => addRow("product_members", { product, user, role }),
    removeProductMember: (product, user) => removeRows("product_members", (row) => row.product === product && row.user === user),
    addProductTypeMember: (productType, user, role = DOJO_ROLES.READER) => addRow("product_type_members", { product_type: productType, user, role }),
    removeProductTypeMember: (productType, user) =>
      removeRows("product_type_members", (row) => row.product_type === productType && row.user === user),
    addGroup: ({ id, name }) => {
      removeRows("dojo_groups", (row) => row.id === id);
      rows.dojo_groups.push({ id, name, description: null });
    },
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
      addRow("global_roles", { user: userId ?? null, group: groupId ?? null, role });
    },
    removeGlobalRole: ({ userId, groupId }) =>
      removeRows("global_roles", (row) => row.user === (userId ?? null) && row.group === (groupId ?? null)),
    authorize: (target, userId) => accessList(target).add(userId),
    unauthorize: (target, userId) => accessList(target).delete(userId),
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
    callsTo: (resource) => {
      const name = resource.replace(/^\/+|\/+$/g, "");
      return apiCalls.filter((path) => path.startsWith(`/api/v2/${name}/`)).length;
    },
    close: () => closeServer(server),
  };
}

const sortById = <T extends { id: number }>(items: T[]) => items.sort((a, b) => a.id - b.id);

/** DefectDojo 2.x `UserProfileSerializer` output for a user without contact info or memberships. */
function profileBody(user: Record<string, unknown>) {
  return {
    user,
    user_contact_info: null,
    global_role: null,
    dojo_group_member: [],
    product_type_member: [],
    product_member: [],
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
