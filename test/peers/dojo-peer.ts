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

export interface DojoPeer {
  /** Base URL, e.g. http://127.0.0.1:41234 — what DOJO_URL would be. */
  url: string;
  model: DojoAuthorizationModel;
  /** The service account's key (DOJO_API_KEY); a superuser's key, as DefectDojo's own API needs for users/. */
  serviceToken: string;
  /** Adds or replaces a user (by id); a `token` lets them call the API (user_profile/) as themselves. */
  addUser(user: DojoPeerUser): void;
  /** Changes a user (e.g. `{ isActive: false }`). */
  updateUser(id: number, changes: Partial<DojoPeerUser>): void;
  /** Forgets a token, as revoking a key in DefectDojo would. */
  removeToken(token: string): void;
  addProductType(productType: { id: number; name: string }): void;
  addProduct(product: { id: number; name: string; productTypeId: number }): void;
  addEngagement(engagement: { id: number; productId: number }): void;
  addTest(test: { id: number; engagementId: number }): void;
  addFinding(finding: { id: number; testId: number }): void;
  /** RBAC memberships (a role, Reader by default: every role may view). */
  addProductMember(productId: number, userId: number): void;
  removeProductMember(productId: number, userId: number): void;
  addProductTypeMember(productTypeId: number, userId: number): void;
  addGroupMember(groupId: number, userId: number): void;
  addProductGroup(productId: number, groupId: number): void;
  addProductTypeGroup(productTypeId: number, groupId: number): void;
  addGlobalRole(holder: { userId?: number; groupId?: number }): void;
  /** LEGACY: puts a user in `authorized_users` of a product or product type. */
  authorize(target: { productId?: number; productTypeId?: number }, userId: number): void;
  unauthorize(target: { productId?: number; productTypeId?: number }, userId: number): void;
  /** Makes the next user-profile calls answer this status instead (e.g. 500, 502); null restores. */
  failWith(status: number | null): void;
  /** Makes every other API call answer this status (e.g. 503); null restores. */
  failApiWith(status: number | null): void;
  /** `GET /api/v2/user_profile/` calls so far, answered or not. */
  readonly profileCalls: number;
  /** The Authorization and Accept headers of every user-profile call, in order. */
  readonly requests: ReadonlyArray<{ authorization: string | undefined; accept: string | undefined }>;
  /** Every other API call's path (without query), in order. */
  readonly apiCalls: string[];
  close(): Promise<void>;
}

const READER_ROLE = 5;
// Endpoints DefectDojo 3.x open source no longer has: they answer 404 there.
const RBAC_ONLY = new Set(["product_members", "product_type_members", "product_groups", "product_type_groups", "dojo_group_members", "global_roles"]);

/**
 * A stand-in for DefectDojo's REST API v2 on 127.0.0.1, faithful where the bridge reads it: token
 * auth (DRF's 401 `{"detail": …}`), limit/offset pagination (`count`, absolute `next`/`previous`,
 * default limit 25), exact-match filters, and either authorization model.
 */
export async function startDojoPeer(options: { model?: DojoAuthorizationModel } = {}): Promise<DojoPeer> {
  const model = options.model ?? "RBAC";
  const serviceToken = "dojo-service-key-000000000000";
  const users = new Map<number, DojoPeerUser>();
  const tokens = new Map<string, number>();
  const productTypes = new Map<number, { id: number; name: string; authorized: Set<number> }>();
  const products = new Map<number, { id: number; name: string; productTypeId: number; authorized: Set<number> }>();
  const engagements = new Map<number, { id: number; productId: number }>();
  const tests = new Map<number, { id: number; engagementId: number }>();
  const findings = new Map<number, { id: number; testId: number }>();
  const rows: Record<string, Array<Record<string, number | null>>> = Object.fromEntries([...RBAC_ONLY].map((name) => [name, []]));
  let nextRowId = 1;
  const requests: Array<{ authorization: string | undefined; accept: string | undefined }> = [];
  const apiCalls: string[] = [];
  let profileFailure: number | null = null;
  let apiFailure: number | null = null;
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
  });
  const productBody = (p: { id: number; name: string; productTypeId: number; authorized: Set<number> }) => ({
    id: p.id,
    name: p.name,
    prod_type: p.productTypeId,
    ...(model === "LEGACY" ? { authorized_users: [...p.authorized] } : {}),
  });
  const productTypeBody = (pt: { id: number; name: string; authorized: Set<number> }) => ({
    id: pt.id,
    name: pt.name,
    ...(model === "LEGACY" ? { authorized_users: [...pt.authorized] } : {}),
  });

  function page(res: ServerResponse, url: URL, all: unknown[]) {
    const limit = Number(url.searchParams.get("limit") ?? 25);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const link = (at: number) => {
      const next = new URL(url.pathname + url.search, baseUrl);
      next.searchParams.set("limit", String(limit));
      next.searchParams.set("offset", String(at));
      return next.href;
    };
    json(res, 200, {
      count: all.length,
      next: offset + limit < all.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results: all.slice(offset, offset + limit),
    });
  }

  /** Keeps the rows whose fields equal every filter given in the query (DefectDojo's exact filters). */
  function filtered<T extends Record<string, unknown>>(url: URL, items: T[], fields: string[]): T[] {
    return items.filter((item) =>
      fields.every((field) => {
        const wanted = url.searchParams.get(field);
        return wanted === null || String(item[field]) === wanted;
      }),
    );
  }

  function api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const match = /^\/api\/v2\/([a-z_]+)\/(?:(\d+)\/)?$/.exec(url.pathname);
    if (!match) return json(res, 404, { detail: "Not found." });
    const [, resource, idText] = match;
    const id = idText === undefined ? undefined : Number(idText);
    const token = /^Token (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return json(res, 401, { detail: "Authentication credentials were not provided." });
    if (token !== serviceToken && !tokens.has(token)) return json(res, 401, { detail: "Invalid token." });
    apiCalls.push(url.pathname);
    if (apiFailure !== null) return json(res, apiFailure, { detail: "A server error occurred." });
    if (model === "LEGACY" && RBAC_ONLY.has(resource)) return json(res, 404, { detail: "Not found." });

    const one = (item: unknown) => (item === undefined ? json(res, 404, { detail: "No Product matches the given query." }) : json(res, 200, item));
    switch (resource) {
      case "users": {
        const all = [...users.values()].map(userBody);
        if (id !== undefined) return one(all.find((u) => u.id === id));
        return page(res, url, filtered(url, all, ["id", "is_active", "is_superuser", "username"]));
      }
      case "products": {
        const all = [...products.values()].map(productBody);
        if (id !== undefined) return one(all.find((p) => p.id === id));
        return page(res, url, filtered(url, all, ["id", "name", "prod_type"]));
      }
      case "product_types": {
        const all = [...productTypes.values()].map(productTypeBody);
        if (id !== undefined) return one(all.find((p) => p.id === id));
        return page(res, url, filtered(url, all, ["id", "name"]));
      }
      case "engagements":
        return one(id === undefined ? undefined : engagements.has(id) ? { id, product: engagements.get(id)!.productId, name: `eng ${id}` } : undefined);
      case "tests":
        return one(id === undefined ? undefined : tests.has(id) ? { id, engagement: tests.get(id)!.engagementId, title: `test ${id}` } : undefined);
      case "findings":
        return one(id === undefined ? undefined : findings.has(id) ? { id, test: findings.get(id)!.testId, title: `finding ${id}` } : undefined);
      default:
        if (RBAC_ONLY.has(resource)) {
          if (id !== undefined) return one(rows[resource].find((row) => row.id === id));
          return page(res, url, filtered(url, rows[resource], ["product", "product_type", "group", "user"]));
        }
        return json(res, 404, { detail: "Not found." });
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

  const addRow = (resource: string, row: Record<string, number | null>) => rows[resource].push({ id: nextRowId++, ...row });
  const scoped = (target: { productId?: number; productTypeId?: number }) =>
    target.productId !== undefined ? products.get(target.productId)!.authorized : productTypes.get(target.productTypeId!)!.authorized;

  return {
    url: baseUrl,
    model,
    serviceToken,
    addUser: (user) => {
      users.set(user.id, user);
      if (user.token) tokens.set(user.token, user.id);
    },
    updateUser: (id, changes) => users.set(id, { ...users.get(id)!, ...changes }),
    removeToken: (token) => tokens.delete(token),
    addProductType: ({ id, name }) => productTypes.set(id, { id, name, authorized: new Set() }),
    addProduct: ({ id, name, productTypeId }) => products.set(id, { id, name, productTypeId, authorized: new Set() }),
    addEngagement: (engagement) => engagements.set(engagement.id, engagement),
    addTest: (test) => tests.set(test.id, test),
    addFinding: (finding) => findings.set(finding.id, finding),
    addProductMember: (product, user) => addRow("product_members", { product, user, role: READER_ROLE }),
    removeProductMember: (product, user) => {
      rows.product_members = rows.product_members.filter((row) => !(row.product === product && row.user === user));
    },
    addProductTypeMember: (productType, user) => addRow("product_type_members", { product_type: productType, user, role: READER_ROLE }),
    addGroupMember: (group, user) => addRow("dojo_group_members", { group, user, role: READER_ROLE }),
    addProductGroup: (product, group) => addRow("product_groups", { product, group, role: READER_ROLE }),
    addProductTypeGroup: (productType, group) => addRow("product_type_groups", { product_type: productType, group, role: READER_ROLE }),
    addGlobalRole: ({ userId, groupId }) => addRow("global_roles", { user: userId ?? null, group: groupId ?? null, role: READER_ROLE }),
    authorize: (target, userId) => scoped(target).add(userId),
    unauthorize: (target, userId) => scoped(target).delete(userId),
    failWith: (status) => {
      profileFailure = status;
    },
    failApiWith: (status) => {
      apiFailure = status;
    },
    get profileCalls() {
      return requests.length;
    },
    requests,
    apiCalls,
    close: () => closeServer(server),
  };
}

/** DefectDojo 2.x `UserProfileSerializer` output for a user without contact info or memberships. */
function profileBody(user: Record<string, unknown>) {
  return {
    user: { ...user, token_last_reset: null, password_last_reset: null, configuration_permissions: [] },
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
