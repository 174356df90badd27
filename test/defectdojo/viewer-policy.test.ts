import {
  DojoUser,
  legacyViewerCheck,
  legacyViewerIds,
  RbacRows,
  rbacViewerCheck,
  rbacViewerIds,
  SUPERUSERS_ONLY,
} from "../../src/defectdojo/viewer-policy";

const user = (id: number, flags: Partial<DojoUser> = {}): DojoUser => ({
  id,
  username: `user${id}`,
  email: `user${id}@example.test`,
  isActive: true,
  isSuperuser: false,
  isStaff: false,
  ...flags,
});

const noRows: RbacRows = {
  globalRoles: [],
  productMembers: [],
  productGroups: [],
  productTypeMembers: [],
  productTypeGroups: [],
  groupMembers: new Map(),
};

describe("viewer policy (who may view, over rows already read)", () => {
  describe("RBAC (DefectDojo 2.58.2-changelog)", () => {
    // 2.58.2-changelog dojo/product/queries.py `role__isnull=False`; dojo/authorization/authorization.py `role is not None`
    it("a global role row whose role is null grants nothing, for a user or a group", () => {
      const rows: RbacRows = {
        ...noRows,
        globalRoles: [
          { user: 1, group: null, role: null },
          { user: null, group: 7, role: null },
          { user: 3, group: null, role: 4 },
        ],
        groupMembers: new Map([[7, [2]]]),
      };
      expect([...rbacViewerIds(rows, 10, 20)].sort()).toEqual([3]);
    });

    it("product and product type members and groups grant their own scope only", () => {
      const rows: RbacRows = {
        ...noRows,
        productMembers: [
          { product: 10, user: 1 },
          { product: 11, user: 2 },
        ],
        productGroups: [{ product: 10, group: 5 }],
        productTypeMembers: [
          { product_type: 20, user: 3 },
          { product_type: 21, user: 4 },
        ],
        productTypeGroups: [{ product_type: 21, group: 6 }],
        groupMembers: new Map([
          [5, [7]],
          [6, [8]],
        ]),
      };
      expect([...rbacViewerIds(rows, 10, 20)].sort()).toEqual([1, 3, 7]);
    });

    // 2.58.2-changelog dojo/authorization/authorization.py: user_has_permission asks is_superuser, never is_staff
    it("staff is nobody special; a superuser sees everything; an inactive user nothing", () => {
      const check = rbacViewerCheck(new Set([1]));
      expect(check.mayView(user(2, { isStaff: true }))).toBe(false);
      expect(check.mayView(user(2, { isSuperuser: true }))).toBe(true);
      expect(check.mayView(user(1))).toBe(true);
      expect(check.mayView(user(1, { isActive: false }))).toBe(false);
      expect(check.mayView(user(2, { isSuperuser: true, isActive: false }))).toBe(false);
    });
  });

  describe("LEGACY (DefectDojo 3.2.0)", () => {
    const product = { id: 10, name: "p", prod_type: 20, authorized_users: [1], tags: null };
    const productType = { id: 20, name: "t", authorized_users: [2] };

    // 3.2.0 dojo/authorization: authorized_users of the product or of its product type
    it("the product's and the product type's authorized users may view", () => {
      expect([...legacyViewerIds(product, productType)].sort()).toEqual([1, 2]);
      expect([...legacyViewerIds(null, productType)]).toEqual([2]);
      expect([...legacyViewerIds(null, null)]).toEqual([]);
    });

    // 3.2.0 dojo/authorization/query_registrations.py `_is_unrestricted`: superusers and staff see every product
    it("staff and superusers see every product; an inactive user nothing", () => {
      const check = legacyViewerCheck(new Set([1]));
      expect(check.mayView(user(2, { isStaff: true }))).toBe(true);
      expect(check.mayView(user(2, { isSuperuser: true }))).toBe(true);
      expect(check.mayView(user(2))).toBe(false);
      expect(check.mayView(user(1))).toBe(true);
      expect(check.mayView(user(1, { isActive: false }))).toBe(false);
      expect(check.mayView(user(2, { isStaff: true, isActive: false }))).toBe(false);
    });
  });

  it("an event about no product: active superusers only, staff not", () => {
    expect(SUPERUSERS_ONLY.mayView(user(1, { isSuperuser: true }))).toBe(true);
    expect(SUPERUSERS_ONLY.mayView(user(1, { isStaff: true }))).toBe(false);
    expect(SUPERUSERS_ONLY.mayView(user(1, { isSuperuser: true, isActive: false }))).toBe(false);
  });
});
