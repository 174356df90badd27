import { z } from "zod";

/** The DefectDojo API rows the directory reads, checked where they enter. */

const id = z.number().int();
const tags = z.array(z.string()).nullish();
export const productRow = z.object({ id, name: z.string(), prod_type: id, authorized_users: z.array(id).optional(), tags });
export const findingFactsRow = z.object({ id, verified: z.boolean(), active: z.boolean(), duplicate: z.boolean(), tags });
export const productTypeRow = z.object({ id, name: z.string(), authorized_users: z.array(id).optional() });
export const engagementRow = z.object({ id, product: id });
export const testRow = z.object({ id, engagement: id });
export const findingRow = z.object({ id, test: id });
// RBAC rows (2.x): `{id, product(_type), user | group, role}`. Every role may view, and a member's
// role is never null (2.58.2-changelog dojo/models.py), so only a global role's is read.
export const productMemberRow = z.object({ product: id, user: id });
export const productGroupRow = z.object({ product: id, group: id });
export const productTypeMemberRow = z.object({ product_type: id, user: id });
export const productTypeGroupRow = z.object({ product_type: id, group: id });
// Global_Role.role is nullable: DefectDojo's UI saves a row with role None for every user it adds or
// edits and every group it creates, and its permission queries skip them (2.58.2-changelog
// dojo/product/queries.py `role__isnull=False`, dojo/user/queries.py `role__in=roles`,
// dojo/authorization/authorization.py `role is not None`). Such a row grants nothing.
export const globalRoleRow = z.object({ user: id.nullish(), group: id.nullish(), role: id.nullable() });
export const groupMemberRow = z.object({ group: id, user: id });

export type ProductRow = z.infer<typeof productRow>;
export type ProductTypeRow = z.infer<typeof productTypeRow>;
export type GlobalRoleRow = z.infer<typeof globalRoleRow>;
export type ProductMemberRow = z.infer<typeof productMemberRow>;
export type ProductGroupRow = z.infer<typeof productGroupRow>;
export type ProductTypeMemberRow = z.infer<typeof productTypeMemberRow>;
export type ProductTypeGroupRow = z.infer<typeof productTypeGroupRow>;
