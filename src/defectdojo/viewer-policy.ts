import {
  GlobalRoleRow,
  ProductGroupRow,
  ProductMemberRow,
  ProductRow,
  ProductTypeGroupRow,
  ProductTypeMemberRow,
  ProductTypeRow,
} from "./directory-rows";

/**
 * Who may view a product or product type, by DefectDojo's rules, as plain functions over rows
 * already read: nothing here asks DefectDojo anything.
 */

/** A DefectDojo user, as far as deciding who gets a notification goes. */
export interface DojoUser {
  id: number;
  username: string;
  email: string;
  isActive: boolean;
  isSuperuser: boolean;
  isStaff: boolean;
}

/** Who may view one scope, decided from data already read: `mayView` asks DefectDojo nothing. */
export interface ViewerCheck {
  mayView(user: DojoUser): boolean;
}

/** What an event about no product may be seen by. */
export const SUPERUSERS_ONLY: ViewerCheck = { mayView: (user) => user.isActive && user.isSuperuser };

/** The RBAC rows that bear on one scope (2.x and Pro), as DefectDojo answered them. */
export interface RbacRows {
  globalRoles: readonly GlobalRoleRow[];
  productMembers: readonly ProductMemberRow[];
  productGroups: readonly ProductGroupRow[];
  productTypeMembers: readonly ProductTypeMemberRow[];
  productTypeGroups: readonly ProductTypeGroupRow[];
  /** Group id → its members' user ids. */
  groupMembers: ReadonlyMap<number, readonly number[]>;
}

/** Everyone who holds a role on the scope or globally, directly or through a group (2.x RBAC). */
export function rbacViewerIds(rows: RbacRows, productId: number | null, productTypeId: number | null): Set<number> {
  // Rows are checked against the scope again: should a DefectDojo version ignore the filter, its
  // answer (every product's members) must not let anyone through.
  const granting: { user?: number | null; group?: number | null }[] = [
    ...rows.globalRoles.filter((row) => row.role !== null),
    ...[...rows.productMembers, ...rows.productGroups].filter((row) => row.product === productId),
    ...[...rows.productTypeMembers, ...rows.productTypeGroups].filter((row) => row.product_type === productTypeId),
  ];
  const viewers = new Set<number>();
  for (const row of granting) {
    if (row.user != null) viewers.add(row.user);
    if (row.group != null) for (const user of rows.groupMembers.get(row.group) ?? []) viewers.add(user);
  }
  return viewers;
}

/** Users in `authorized_users` of the product or its product type (3.x legacy authorization). */
export function legacyViewerIds(product: ProductRow | null, productType: ProductTypeRow | null): Set<number> {
  return new Set([...(product?.authorized_users ?? []), ...(productType?.authorized_users ?? [])]);
}

/** 2.58.2-changelog dojo/authorization/authorization.py: RBAC asks no is_staff. */
export function rbacViewerCheck(viewerIds: ReadonlySet<number>): ViewerCheck {
  return { mayView: (user) => user.isActive && (user.isSuperuser || viewerIds.has(user.id)) };
}

/** 3.2 dojo/authorization/query_registrations.py `_is_unrestricted`: staff users see every product. */
export function legacyViewerCheck(authorizedIds: ReadonlySet<number>): ViewerCheck {
  return { mayView: (user) => user.isActive && (user.isSuperuser || user.isStaff || authorizedIds.has(user.id)) };
}

/**
 * `check`, answering for `users` alone: it was decided from what bears on them, so asking it about
 * anyone else is the caller's mistake, and throws rather than answer on a guess.
 */
export function onlyFor(users: readonly DojoUser[], check: ViewerCheck): ViewerCheck {
  const ids = new Set(users.map((user) => user.id));
  return {
    mayView: (user) => {
      if (!ids.has(user.id)) throw new Error(`viewer check asked about user ${user.id}, who was not among the users it was made for`);
      return check.mayView(user);
    },
  };
}
