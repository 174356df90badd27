import { z } from "zod";
import { DojoEvent } from "../events/dojo-event";
import { DojoApiError, DojoClient } from "./dojo-client";

/** A DefectDojo user, as far as deciding who gets a notification goes. */
export interface DojoUser {
  id: number;
  username: string;
  email: string;
  isActive: boolean;
  isSuperuser: boolean;
  isStaff: boolean;
}

/** RBAC: DefectDojo 2.x and Pro (members, groups, global roles). LEGACY: 3.x open source (`authorized_users`). */
export type AuthorizationModel = "RBAC" | "LEGACY";

/** What an event is about, as far as permissions go. Both null: about no product (superusers only). */
export interface ProductScope {
  productId: number | null;
  productTypeId: number | null;
}

export interface ViewerCheck {
  mayView(user: DojoUser): boolean;
}

/**
 * Who exists in DefectDojo and who may view what, read with the service key and cached briefly.
 * Failing to read DefectDojo rejects: no check is ever made up.
 */
export interface DojoDirectory {
  authorizationModel(): Promise<AuthorizationModel>;
  /** Active users by id: one paged listing. */
  activeUsers(): Promise<Map<number, DojoUser>>;
  /** Any user by id (active or not), or null when DefectDojo has none. */
  user(id: number): Promise<DojoUser | null>;
  productScope(event: DojoEvent): Promise<ProductScope>;
  viewersOf(scope: ProductScope): Promise<ViewerCheck>;
  /** Drops cached memberships and products (a product or membership changed). */
  invalidate(): void;
}

/**
 * How long users, memberships and products are reused. Short: a removed member must stop getting
 * notifications soon; long enough that a burst of events costs DefectDojo a handful of requests.
 */
export const DIRECTORY_TTL_MS = 60_000;

const userRow = z.object({
  id: z.number().int(),
  username: z.string(),
  email: z.string().nullish().transform((email) => email ?? ""),
  is_active: z.boolean(),
  is_superuser: z.boolean(),
  // DefectDojo 2.x serialises is_staff too; be lenient if an old version omits it.
  is_staff: z.boolean().optional().default(false),
});
const productRow = z.object({
  id: z.number().int(),
  name: z.string(),
  prod_type: z.number().int(),
  authorized_users: z.array(z.number().int()).optional(),
});
const productTypeRow = z.object({ id: z.number().int(), name: z.string(), authorized_users: z.array(z.number().int()).optional() });
const engagementRow = z.object({ id: z.number().int(), product: z.number().int() });
const testRow = z.object({ id: z.number().int(), engagement: z.number().int() });
const findingRow = z.object({ id: z.number().int(), test: z.number().int() });
/** A member, group or global-role row: each names a user or a group that holds a role. */
const roleRow = z.object({ user: z.number().int().nullish(), group: z.number().int().nullish() });
const groupMemberRow = z.object({ group: z.number().int(), user: z.number().int() });

// DefectDojo's combined SLA title; 3.x relabels product types and products.
const SLA_COMBINED_TITLE = /^SLA alert \([^)]*\): (?:Product Type|Organization) '(.*)', (?:Product|Asset) '(.*)'$/;

const NO_PRODUCT: ProductScope = { productId: null, productTypeId: null };

export function createDojoDirectory(client: DojoClient, options: { ttlMs?: number; now?: () => number } = {}): DojoDirectory {
  const ttlMs = options.ttlMs ?? DIRECTORY_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { expiresAt: number; value: Promise<unknown> }>();
  let model: Promise<AuthorizationModel> | undefined;

  /** One shared, expiring answer per key; a failed read is forgotten at once so the next call asks again. */
  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now()) return hit.value as Promise<T>;
    const value = load();
    cache.set(key, { expiresAt: now() + ttlMs, value });
    value.catch(() => cache.delete(key));
    return value;
  }

  const orNull = <T>(read: Promise<T>): Promise<T | null> =>
    read.catch((error) => {
      if (error instanceof DojoApiError && error.kind === "not_found") return null;
      throw error;
    });

  const product = (id: number) => cached(`product:${id}`, () => orNull(client.get(`products/${id}/`, {}, productRow)));
  const productType = (id: number) => cached(`product_type:${id}`, () => orNull(client.get(`product_types/${id}/`, {}, productTypeRow)));
  const groupMembers = () =>
    cached("group_members", async () => {
      const byGroup = new Map<number, number[]>();
      for (const row of await client.list("dojo_group_members/", {}, groupMemberRow)) {
        byGroup.set(row.group, [...(byGroup.get(row.group) ?? []), row.user]);
      }
      return byGroup;
    });

  async function scopeOfProduct(productId: number | null): Promise<ProductScope> {
    if (productId === null) return NO_PRODUCT;
    const found = await product(productId);
    return found ? { productId, productTypeId: found.prod_type } : NO_PRODUCT;
  }

  const engagementProduct = async (id: number) =>
    (await cached(`engagement:${id}`, () => orNull(client.get(`engagements/${id}/`, {}, engagementRow))))?.product ?? null;
  const testProduct = async (id: number) => {
    const test = await cached(`test:${id}`, () => orNull(client.get(`tests/${id}/`, {}, testRow)));
    return test ? engagementProduct(test.engagement) : null;
  };
  const findingProduct = async (id: number) => {
    const finding = await cached(`finding:${id}`, () => orNull(client.get(`findings/${id}/`, {}, findingRow)));
    return finding ? testProduct(finding.test) : null;
  };

  async function productByNames(productTypeName: string, productName: string): Promise<number | null> {
    const candidates = await client.list("products/", { name: productName }, productRow);
    if (candidates.length <= 1) return candidates[0]?.id ?? null;
    for (const candidate of candidates) {
      if ((await productType(candidate.prod_type))?.name === productTypeName) return candidate.id;
    }
    return null;
  }

  /** Everyone who holds a role on the scope, directly or through a group (RBAC). */
  async function rbacMembers(scope: ProductScope): Promise<Set<number>> {
    const lists = [cached("global_roles", () => client.list("global_roles/", {}, roleRow))];
    if (scope.productId !== null) {
      lists.push(client.list("product_members/", { product: scope.productId }, roleRow));
      lists.push(client.list("product_groups/", { product: scope.productId }, roleRow));
    }
    if (scope.productTypeId !== null) {
      lists.push(client.list("product_type_members/", { product_type: scope.productTypeId }, roleRow));
      lists.push(client.list("product_type_groups/", { product_type: scope.productTypeId }, roleRow));
    }
    const [rows, members] = await Promise.all([Promise.all(lists), groupMembers()]);
    const ids = new Set<number>();
    for (const row of rows.flat()) {
      if (row.user != null) ids.add(row.user);
      if (row.group != null) for (const user of members.get(row.group) ?? []) ids.add(user);
    }
    return ids;
  }

  /** Users listed in `authorized_users` of the product or its product type (LEGACY). */
  async function legacyAuthorized(scope: ProductScope): Promise<Set<number>> {
    const [p, pt] = await Promise.all([
      scope.productId === null ? null : product(scope.productId),
      scope.productTypeId === null ? null : productType(scope.productTypeId),
    ]);
    return new Set([...(p?.authorized_users ?? []), ...(pt?.authorized_users ?? [])]);
  }

  const directory: DojoDirectory = {
    authorizationModel() {
      // One small request: the endpoint exists in 2.x and Pro, and answers 404 in 3.x open source.
      model ??= client.get("global_roles/", { limit: 1 }, z.object({ count: z.number() })).then(
        () => "RBAC" as const,
        (error) => {
          model = undefined;
          if (error instanceof DojoApiError && error.kind === "not_found") {
            model = Promise.resolve("LEGACY");
            return "LEGACY" as const;
          }
          throw error;
        },
      );
      return model;
    },

    activeUsers: () =>
      cached("active_users", async () => {
        const rows = await client.list("users/", { is_active: "true" }, userRow);
        return new Map(rows.filter((row) => row.is_active).map((row) => [row.id, toUser(row)]));
      }),

    async user(id) {
      const row = await orNull(client.get(`users/${id}/`, {}, userRow));
      return row && toUser(row);
    },

    async productScope(event) {
      if (event.product) {
        return event.productType ? { productId: event.product.id, productTypeId: event.productType.id } : scopeOfProduct(event.product.id);
      }
      if (event.productType) return { productId: null, productTypeId: event.productType.id };
      const names = SLA_COMBINED_TITLE.exec(event.title);
      if (event.name === "sla_breach_combined" && names) return scopeOfProduct(await productByNames(names[1], names[2]));
      const subject = event.subject;
      if (!subject) return NO_PRODUCT;
      switch (subject.kind) {
        case "product":
          return scopeOfProduct(subject.id);
        case "product_type":
          return { productId: null, productTypeId: subject.id };
        case "engagement":
          return scopeOfProduct(await engagementProduct(subject.id));
        case "risk_acceptance":
          return subject.engagementId === undefined ? NO_PRODUCT : scopeOfProduct(await engagementProduct(subject.engagementId));
        case "test":
          return scopeOfProduct(await testProduct(subject.id));
        case "finding":
          return scopeOfProduct(await findingProduct(subject.id));
      }
    },

    async viewersOf(scope) {
      if (scope.productId === null && scope.productTypeId === null) return { mayView: (user) => user.isSuperuser };
      const key = `viewers:${scope.productId}:${scope.productTypeId}`;
      if ((await directory.authorizationModel()) === "RBAC") {
        const members = await cached(key, () => rbacMembers(scope));
        return { mayView: (user) => user.isSuperuser || members.has(user.id) };
      }
      const authorized = await cached(key, () => legacyAuthorized(scope));
      // 3.x "legacy authorization": staff users see every product.
      return { mayView: (user) => user.isSuperuser || user.isStaff || authorized.has(user.id) };
    },

    invalidate() {
      for (const key of [...cache.keys()]) if (key !== "active_users") cache.delete(key);
    },
  };
  return directory;
}

function toUser(row: z.infer<typeof userRow>): DojoUser {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    isActive: row.is_active,
    isSuperuser: row.is_superuser,
    isStaff: row.is_staff,
  };
}
