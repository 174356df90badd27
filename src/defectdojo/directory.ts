import { z } from "zod";
import { createSharedAnswers } from "../cache/shared-answers";
import { DojoEvent } from "../events/dojo-event";
import { DojoApiError, DojoClient } from "./dojo-client";
import {
  engagementRow,
  findingFactsRow,
  findingRow,
  globalRoleRow,
  groupMemberRow,
  productGroupRow,
  productMemberRow,
  productRow,
  productTypeGroupRow,
  productTypeMemberRow,
  productTypeRow,
  testRow,
} from "./directory-rows";
import { dojoUserRow } from "./user-row";
import {
  DojoUser,
  legacyViewerCheck,
  legacyViewerIds,
  onlyFor,
  rbacViewerCheck,
  rbacViewerIds,
  SUPERUSERS_ONLY,
  ViewerCheck,
} from "./viewer-policy";

export type { DojoUser, ViewerCheck };

/** What DefectDojo says about a finding beyond the webhook's fields: what routing rules may ask. */
export interface FindingFacts {
  verified: boolean;
  active: boolean;
  /** DefectDojo marks findings duplicates after an import, sometimes after sending `scan_added`. */
  duplicate: boolean;
  tags: string[];
}

/** RBAC: DefectDojo 2.x and Pro (members, groups, global roles). LEGACY: 3.x open source (`authorized_users`). */
export type AuthorizationModel = "RBAC" | "LEGACY";

/** What an event is about, as far as permissions go. Both null: about no product (superusers only). */
export interface ProductScope {
  productId: number | null;
  productTypeId: number | null;
}

/**
 * What a product or product type event changed: the object it created or deleted, when the event
 * names one (DefectDojo's `product_deleted` and `product_type_deleted` name none).
 */
export interface ProductChange {
  productId?: number | null;
  productTypeId?: number | null;
}

/**
 * For a re-check before a held or repeated message is sent: cached answers read before `since`
 * (epoch ms, this process's clock) are read again, so a change made while the message waited is seen.
 */
export interface Freshness {
  since?: number;
}

/**
 * Who exists in DefectDojo and who may view what, read with the service key and cached for
 * DIRECTORY_TTL_MS. Every method rejects with DojoApiError `unavailable` when DefectDojo cannot be
 * read (down, refusing the key, answering nonsense): no check is ever made up, and the caller
 * holds the personal notifications and tries again later.
 */
export interface DojoDirectory {
  /** Detected once: RBAC when `global_roles/` exists (2.x, Pro), LEGACY when it answers 404 (3.x open source). */
  authorizationModel(): Promise<AuthorizationModel>;
  /** Active users by id: one paged listing, cached. */
  activeUsers(freshness?: Freshness): Promise<Map<number, DojoUser>>;
  /** Any user by id (active or not), or null when DefectDojo has none. Not cached. */
  user(id: number): Promise<DojoUser | null>;
  /**
   * The product and product type an event is about: from the event's own objects when it names
   * them, otherwise looked up from its subject (engagement, test, finding, risk acceptance) or, for
   * `sla_breach_combined`, from the names in its title. An object DefectDojo no longer has gives
   * the empty scope (superusers only).
   */
  productScope(event: DojoEvent): Promise<ProductScope>;
  /**
   * Who may view the scope by DefectDojo's rules, in the model the instance speaks. Given `among`,
   * the users the caller will ask about, the check answers for them alone, and the scope's own
   * listings are read only if instance-wide answers (active, superuser, global role; staff in
   * LEGACY) leave one of them undecided: a burst about ever new products then costs DefectDojo
   * nothing while every subscriber sees everything.
   */
  viewersOf(scope: ProductScope, freshness?: Freshness, among?: readonly DojoUser[]): Promise<ViewerCheck>;
  /**
   * The engagement an event is about when it names none itself (a test, or a finding by its link);
   * null when it is about none, or DefectDojo no longer has it.
   */
  engagementOf(event: DojoEvent): Promise<number | null>;
  /** A product's tags (cached like products); [] when DefectDojo has no such product. */
  productTags(productId: number): Promise<string[]>;
  /** Status and tags of findings by id, for routing rules; ids DefectDojo no longer has are missing. Not cached. */
  findingFacts(ids: number[]): Promise<Map<number, FindingFacts>>;
  /**
   * Drops what a product or product type event changed: that object, its own members and groups, and
   * the lookups by name. Users, global roles and group members are kept: creating or deleting a
   * product changes none of them, and they grow with the users, so an event costs a few requests.
   */
  invalidate(change: ProductChange): void;
}

/**
 * How long users, memberships and products are reused. Short: a removed member must stop getting
 * notifications soon; long enough that a burst of events costs DefectDojo a handful of requests.
 */
export const DIRECTORY_TTL_MS = 60_000;
/** Answers kept at once (objects, listings, memberships): each is small; a burst names a few hundred. */
export const DIRECTORY_CACHE_MAX = 10_000;

/** Ids per `findings/?id=` request: keeps the query string far below common URL limits. */
const FINDING_IDS_PER_REQUEST = 100;
// DefectDojo's combined SLA title; 3.x relabels product types and products.
const SLA_COMBINED_TITLE = /^SLA alert \([^)]*\): (?:Product Type|Organization) '(.*)', (?:Product|Asset) '(.*)'$/;

const NO_PRODUCT: ProductScope = { productId: null, productTypeId: null };
/** The rows of a scope part that is not there (one object, so memoized viewers stay recognisable). */
const NO_ROWS: never[] = [];
const NO_IDS: ReadonlySet<number> = new Set();
/** Scopes whose viewers are remembered at once (see `memoized`). */
const MAX_VIEWER_SETS = 1000;
const ACTIVE_USERS_KEY = "active_users";
/** Product lookups by name (`sla_breach_combined`) kept at once: a few per product with SLA alerts. */
const PRODUCT_NAMES_MAX = 1000;

/** A listing's cache key: its path and filters, e.g. `product_members/?product_id=4`. */
const listKey = (path: string, query: Record<string, number>) =>
  `${path}?${Object.entries(query).map(([key, value]) => `${key}=${value}`).join("&")}`;

export function createDojoDirectory(
  client: DojoClient,
  options: { ttlMs?: number; now?: () => number; maxEntries?: number } = {},
): DojoDirectory {
  const ttlMs = options.ttlMs ?? DIRECTORY_TTL_MS;
  const now = options.now ?? Date.now;
  // Events name ever new findings and tests: the bound keeps the cache small between expiries.
  const cache = createSharedAnswers<unknown>({ max: options.maxEntries ?? DIRECTORY_CACHE_MAX, ttlMs, now });
  // Apart from the rest: any product event may change what a name finds, so they all go at once,
  // without looking through every other answer.
  const productsByName = createSharedAnswers<number | null>({ max: PRODUCT_NAMES_MAX, ttlMs, now });
  let model: Promise<AuthorizationModel> | undefined;

  /** One shared answer per key (see SharedAnswers); one read before `since` is read again. */
  const cached = <T>(key: string, load: () => Promise<T>, since = 0): Promise<T> =>
    cache.get(key, load, { since }) as Promise<T>;

  /** A single object, or null when DefectDojo says it has none. */
  const objectOrNull = <T>(path: string, schema: z.ZodType<T>, since?: number): Promise<T | null> =>
    cached(
      path,
      () =>
        client.get(path, {}, schema).catch((error) => {
          if (error instanceof DojoApiError && error.kind === "not_found") return null;
          throw error;
        }),
      since,
    );

  const product = (productId: number, since?: number) => objectOrNull(`products/${productId}/`, productRow, since);
  const productType = (productTypeId: number, since?: number) => objectOrNull(`product_types/${productTypeId}/`, productTypeRow, since);
  async function engagementProduct(engagementId: number): Promise<number | null> {
    return (await objectOrNull(`engagements/${engagementId}/`, engagementRow))?.product ?? null;
  }
  async function testEngagement(testId: number): Promise<number | null> {
    return (await objectOrNull(`tests/${testId}/`, testRow))?.engagement ?? null;
  }
  async function findingEngagement(findingId: number): Promise<number | null> {
    const finding = await objectOrNull(`findings/${findingId}/`, findingRow);
    return finding && testEngagement(finding.test);
  }
  async function testProduct(testId: number): Promise<number | null> {
    const test = await objectOrNull(`tests/${testId}/`, testRow);
    return test && engagementProduct(test.engagement);
  }
  async function findingProduct(findingId: number): Promise<number | null> {
    const finding = await objectOrNull(`findings/${findingId}/`, findingRow);
    return finding && testProduct(finding.test);
  }

  async function scopeOfProduct(productId: number | null): Promise<ProductScope> {
    if (productId === null) return NO_PRODUCT;
    const found = await product(productId);
    return found ? { productId, productTypeId: found.prod_type } : NO_PRODUCT;
  }

  /** The product an SLA title names. Product names are unique in DefectDojo; the type's name settles any doubt. */
  const productByNames = (productTypeName: string, productName: string) =>
    productsByName.get(`${productTypeName}\u0000${productName}`, async (): Promise<number | null> => {
      // `name` is a substring filter in DefectDojo; `name_exact` ignores case only.
      const candidates = (await client.list("products/", { name_exact: productName }, productRow)).filter((p) => p.name === productName);
      if (candidates.length <= 1) return candidates[0]?.id ?? null;
      const types = await Promise.all(candidates.map((candidate) => productType(candidate.prod_type)));
      const matching = candidates.filter((_, i) => types[i]?.name === productTypeName);
      return matching.length === 1 ? matching[0].id : null;
    });

  /** A 2.x-only list. A 404 means the instance now speaks the other model: detect it again next time. */
  const rbacList = <T>(path: string, query: Record<string, number>, row: z.ZodType<T>, since?: number): Promise<T[]> =>
    cached(
      listKey(path, query),
      () =>
        client.list(path, query, row).catch((error) => {
          if (error instanceof DojoApiError && error.kind === "not_found") model = undefined;
          throw error;
        }),
      since,
    );
  // Grouped once per listing read: kept beside the listing, never cached on its own, so a re-check's
  // `since` reaches the listing itself.
  const byGroupOf = new WeakMap<object, Map<number, number[]>>();
  async function groupMembers(since?: number): Promise<Map<number, number[]>> {
    const rows = await rbacList("dojo_group_members/", {}, groupMemberRow, since);
    let byGroup = byGroupOf.get(rows);
    if (!byGroup) {
      byGroup = new Map();
      for (const row of rows) byGroup.set(row.group, [...(byGroup.get(row.group) ?? []), row.user]);
      byGroupOf.set(rows, byGroup);
    }
    return byGroup;
  }

  /** Everyone a global role lets see every product, directly or through a group (2.x RBAC). */
  async function rbacGlobalViewers(since?: number): Promise<Set<number>> {
    const inputs = await Promise.all([rbacList("global_roles/", {}, globalRoleRow, since), groupMembers(since)] as const);
    return memoized("rbac:global", inputs, () => {
      const [globalRoles, groupMembers] = inputs;
      return rbacViewerIds(
        { globalRoles, productMembers: NO_ROWS, productGroups: NO_ROWS, productTypeMembers: NO_ROWS, productTypeGroups: NO_ROWS, groupMembers },
        null,
        null,
      );
    });
  }

  /** Everyone who holds a role on the scope or globally, directly or through a group (2.x RBAC). */
  async function rbacViewers(productId: number | null, productTypeId: number | null, since?: number): Promise<Set<number>> {
    const none = NO_ROWS;
    const inputs = await Promise.all([
      rbacList("global_roles/", {}, globalRoleRow, since),
      productId === null ? none : rbacList("product_members/", { product_id: productId }, productMemberRow, since),
      productId === null ? none : rbacList("product_groups/", { product_id: productId }, productGroupRow, since),
      productTypeId === null ? none : rbacList("product_type_members/", { product_type_id: productTypeId }, productTypeMemberRow, since),
      productTypeId === null ? none : rbacList("product_type_groups/", { product_type_id: productTypeId }, productTypeGroupRow, since),
      groupMembers(since),
    ] as const);
    return memoized(`rbac:${productId}:${productTypeId}`, inputs, () => {
      const [globalRoles, productMembers, productGroups, productTypeMembers, productTypeGroups, groupMembers] = inputs;
      return rbacViewerIds(
        { globalRoles, productMembers, productGroups, productTypeMembers, productTypeGroups, groupMembers },
        productId,
        productTypeId,
      );
    });
  }

  /**
   * A scope's viewers, worked out again only when one of the cached answers it came from changed: a
   * personal message is checked again before it is sent, so a burst asks this once per message.
   */
  const viewerSets = new Map<string, { inputs: readonly unknown[]; viewers: Set<number> }>();
  function memoized(key: string, inputs: readonly unknown[], compute: () => Set<number>): Set<number> {
    const known = viewerSets.get(key);
    if (known && known.inputs.length === inputs.length && known.inputs.every((input, i) => input === inputs[i])) return known.viewers;
    const viewers = compute();
    // Scopes come and go with events: keep the memo as small as the cache.
    if (viewerSets.size >= MAX_VIEWER_SETS) viewerSets.clear();
    viewerSets.set(key, { inputs, viewers });
    return viewers;
  }

  /** Users in `authorized_users` of the product or its product type (3.x legacy authorization). */
  async function legacyViewers(productId: number | null, productTypeId: number | null, since?: number): Promise<Set<number>> {
    const [p, pt] = await Promise.all([
      productId === null ? null : product(productId, since),
      productTypeId === null ? null : productType(productTypeId, since),
    ]);
    for (const [what, found] of [[`products/${productId}/`, p], [`product_types/${productTypeId}/`, pt]] as const) {
      // Without the list nobody can be told apart: refuse rather than notify no one (or everyone).
      if (found && found.authorized_users === undefined) {
        throw new DojoApiError("bad_response", `GET /api/v2/${what}: no authorized_users, though DefectDojo has no global_roles/`);
      }
    }
    return memoized(`legacy:${productId}:${productTypeId}`, [p, pt], () => legacyViewerIds(p, pt));
  }

  async function scopeOf(event: DojoEvent): Promise<ProductScope> {
    if (event.product) {
      return event.productType ? { productId: event.product.id, productTypeId: event.productType.id } : scopeOfProduct(event.product.id);
    }
    if (event.engagement) return scopeOfProduct(await engagementProduct(event.engagement.id));
    if (event.test) return scopeOfProduct(await testProduct(event.test.id));
    if (event.productType) return { productId: null, productTypeId: event.productType.id };
    const names = event.name === "sla_breach_combined" ? SLA_COMBINED_TITLE.exec(event.title) : null;
    if (names) return scopeOfProduct(await productByNames(names[1], names[2]));
    const subject = event.subject;
    if (!subject) return NO_PRODUCT;
    switch (subject.kind) {
      case "product":
        return scopeOfProduct(subject.id);
      case "product_type":
        return (await productType(subject.id)) ? { productId: null, productTypeId: subject.id } : NO_PRODUCT;
      case "engagement":
        return scopeOfProduct(await engagementProduct(subject.id));
      case "risk_acceptance":
        return subject.engagementId === undefined ? NO_PRODUCT : scopeOfProduct(await engagementProduct(subject.engagementId));
      case "test":
        return scopeOfProduct(await testProduct(subject.id));
      case "finding":
        return scopeOfProduct(await findingProduct(subject.id));
    }
  }

  async function detectModel(): Promise<AuthorizationModel> {
    try {
      // One small request: the endpoint exists in 2.x and Pro, and answers 404 in 3.x open source.
      await client.get("global_roles/", { limit: 1 }, z.object({ count: z.number() }));
      return "RBAC";
    } catch (error) {
      if (error instanceof DojoApiError && error.kind === "not_found") return "LEGACY";
      model = undefined;
      throw error;
    }
  }

  const directory: DojoDirectory = {
    authorizationModel: () => unavailableOnFailure((model ??= detectModel())),

    activeUsers: (freshness) =>
      unavailableOnFailure(
        cached(
          ACTIVE_USERS_KEY,
          async () => {
            const rows = await client.list("users/", { is_active: "true" }, dojoUserRow);
            return new Map(rows.filter((row) => row.is_active).map((row) => [row.id, toUser(row)]));
          },
          freshness?.since,
        ),
      ),

    user: (userId) =>
      unavailableOnFailure(
        client.get(`users/${userId}/`, {}, dojoUserRow).then(toUser, (error) => {
          if (error instanceof DojoApiError && error.kind === "not_found") return null;
          throw error;
        }),
      ),

    productScope: (event) => unavailableOnFailure(scopeOf(event)),

    viewersOf: (scope, freshness, among) =>
      unavailableOnFailure(
        (async (): Promise<ViewerCheck> => {
          if (scope.productId === null && scope.productTypeId === null) return SUPERUSERS_ONLY;
          const since = freshness?.since;
          const authorization = await directory.authorizationModel();
          if (among) {
            // Who sees every product whatever the scope: a user it decides needs no listing of the scope.
            const everywhere = authorization === "RBAC" ? rbacViewerCheck(await rbacGlobalViewers(since)) : legacyViewerCheck(NO_IDS);
            if (among.every((user) => !user.isActive || everywhere.mayView(user))) return onlyFor(among, everywhere);
          }
          // A product's viewers include its product type's: find the type if the caller did not say.
          const productTypeId =
            scope.productTypeId ?? (scope.productId === null ? null : ((await product(scope.productId, since))?.prod_type ?? null));
          if (authorization === "RBAC") {
            return rbacViewerCheck(await rbacViewers(scope.productId, productTypeId, since));
          }
          return legacyViewerCheck(await legacyViewers(scope.productId, productTypeId, since));
        })(),
      ),

    engagementOf: (event) =>
      unavailableOnFailure(
        (async () => {
          if (event.engagement) return event.engagement.id;
          if (event.test) return testEngagement(event.test.id);
          const subject = event.subject;
          if (subject?.kind === "engagement") return subject.id;
          if (subject?.kind === "risk_acceptance") return subject.engagementId ?? null;
          if (subject?.kind === "test") return testEngagement(subject.id);
          if (subject?.kind === "finding") return findingEngagement(subject.id);
          return null;
        })(),
      ),

    productTags: (productId) => unavailableOnFailure(product(productId).then((found) => found?.tags ?? [])),

    findingFacts: (ids) =>
      unavailableOnFailure(
        (async () => {
          const facts = new Map<number, FindingFacts>();
          const unique = [...new Set(ids)];
          for (let start = 0; start < unique.length; start += FINDING_IDS_PER_REQUEST) {
            const chunk = unique.slice(start, start + FINDING_IDS_PER_REQUEST);
            const rows = await client.list("findings/", { id: chunk.join(",") }, findingFactsRow);
            // Checked again: a DefectDojo that ignored the filter must not lend one finding's status to another.
            for (const row of rows) {
              if (chunk.includes(row.id)) facts.set(row.id, { verified: row.verified, active: row.active, duplicate: row.duplicate, tags: row.tags ?? [] });
            }
          }
          return facts;
        })(),
      ),

    // The viewers memoized for a scope are worked out again by themselves: a listing read again is a new input.
    invalidate({ productId, productTypeId }) {
      const changed: string[] = [];
      if (productId != null) {
        changed.push(`products/${productId}/`, listKey("product_members/", { product_id: productId }), listKey("product_groups/", { product_id: productId }));
      }
      if (productTypeId != null) {
        changed.push(
          `product_types/${productTypeId}/`,
          listKey("product_type_members/", { product_type_id: productTypeId }),
          listKey("product_type_groups/", { product_type_id: productTypeId }),
        );
      }
      for (const key of changed) cache.delete(key);
      // A new product can make a name resolve; a deleted one, a name two products shared.
      productsByName.clear();
    },
  };
  return directory;
}

/** Any failure to read DefectDojo as the one error callers act on: hold the notifications and retry. */
function unavailableOnFailure<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (error instanceof DojoApiError && error.kind === "unavailable") throw error;
    const reason =
      error instanceof DojoApiError ? `${error.message} [${error.kind}]` : error instanceof Error ? error.message : String(error);
    throw new DojoApiError("unavailable", `DefectDojo could not be read: ${reason}`, { cause: error });
  });
}

function toUser(row: z.infer<typeof dojoUserRow>): DojoUser {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    isActive: row.is_active,
    isSuperuser: row.is_superuser,
    isStaff: row.is_staff,
  };
}
