import { DOJO_ROLES, DojoPeer, startDojoPeer } from "./dojo-peer";

// The peer's users, groups, global roles, user profile and OpenAPI schema over real HTTP, each
// expectation restating DefectDojo's source at the ref named beside it.

let peer: DojoPeer;
afterEach(() => peer.close());

async function get(path: string, token?: string, accept?: string): Promise<{ status: number; body: any; type: string }> {
  const response = await fetch(`${peer.url}/api/v2/${path}`, {
    headers: { Authorization: `Token ${token ?? peer.serviceToken}`, ...(accept && { Accept: accept }) },
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // YAML
  }
  return { status: response.status, body, type: response.headers.get("content-type") ?? "" };
}

describe("users/", () => {
  // DefectDojo 2.58.2-changelog dojo/api_v2/serializers.py UserSerializer.Meta.fields: no is_staff.
  it("has no is_staff in 2.58", async () => {
    peer = await startDojoPeer({ model: "RBAC", version: "2.58.4" });
    peer.addUser({ id: 2, username: "alice", isStaff: true });
    const [alice] = (await get("users/")).body.results;
    expect(alice).toMatchObject({ id: 2, username: "alice", is_active: true, is_superuser: false });
    expect("is_staff" in alice).toBe(false);
    expect("is_staff" in (await get("users/2/")).body).toBe(false);
  });

  // DefectDojo 3.2 (HEAD) dojo/user/api/serializer.py UserSerializer.Meta.fields: is_staff between is_active and is_superuser.
  it("has is_staff in 3.2", async () => {
    peer = await startDojoPeer({ model: "LEGACY" });
    peer.addUser({ id: 2, username: "alice", isStaff: true });
    expect(Object.keys((await get("users/2/")).body)).toEqual(expect.arrayContaining(["is_active", "is_staff", "is_superuser"]));
    expect((await get("users/2/")).body.is_staff).toBe(true);
  });
});

describe("global_roles/ (2.58 RBAC)", () => {
  beforeEach(async () => {
    peer = await startDojoPeer({ model: "RBAC" });
  });
  const globalRoles = async () => (await get("global_roles/?limit=100")).body.results as Array<Record<string, unknown>>;

  // DefectDojo 2.58.2-changelog dojo/user/views.py add_user saves GlobalRoleForm (role None unless chosen) with every
  // user it adds; dojo/group/views.py AddGroupView likewise with every group; the API's POST users/ and
  // dojo_groups/ save none (dojo/api_v2/serializers.py).
  it("holds a null-role row for each user and group made as DefectDojo's UI makes them, none for API-made ones", async () => {
    peer.addUser({ id: 2, username: "alice" });
    peer.addUser({ id: 3, username: "bob", madeBy: "api" });
    peer.addUser({ id: 4, username: "carol", globalRole: DOJO_ROLES.OWNER });
    peer.addGroup({ id: 11, name: "ui group" });
    peer.addGroup({ id: 12, name: "api group", madeBy: "api" });
    const rows = await globalRoles();
    expect(rows.map(({ user, group, role }) => ({ user, group, role }))).toEqual([
      { user: 2, group: null, role: null },
      { user: 4, group: null, role: DOJO_ROLES.OWNER },
      { user: null, group: 11, role: null },
    ]);
    // GlobalRoleSerializer: fields "__all__".
    expect(Object.keys(rows[0]).sort()).toEqual(["group", "id", "role", "user"]);
  });

  // DefectDojo 2.58.2-changelog dojo/models.py: Global_Role.user and .group are OneToOneFields.
  it("keeps one row per user or group: setting a global role updates it", async () => {
    peer.addUser({ id: 2, username: "alice" });
    peer.addGroupMember(11, 2);
    peer.addGlobalRole({ userId: 2, role: DOJO_ROLES.READER });
    peer.addGlobalRole({ groupId: 11, role: DOJO_ROLES.WRITER });
    expect((await globalRoles()).map(({ user, group, role }) => ({ user, group, role }))).toEqual([
      { user: 2, group: null, role: DOJO_ROLES.READER },
      { user: null, group: 11, role: DOJO_ROLES.WRITER },
    ]);
  });
});

describe("user_profile/", () => {
  // DefectDojo 3.2 (HEAD) dojo/user/api/serializer.py UserProfileSerializer and dojo/user/api/views.py UserProfileView:
  // `user` and `user_contact_info` only.
  it("is the user and their contact info only in 3.2", async () => {
    peer = await startDojoPeer({ model: "LEGACY" });
    peer.addUser({ id: 2, username: "alice", token: "alice-key" });
    const bare = (await get("user_profile/", "alice-key")).body;
    expect(Object.keys(bare).sort()).toEqual(["user", "user_contact_info"]);
    expect(bare.user_contact_info).toBeNull();
    peer.addUserContactInfo({ userId: 2, slackEmail: "alice@slack.example" });
    expect((await get("user_profile/", "alice-key")).body.user_contact_info).toMatchObject({ user: 2, slack_username: "alice@slack.example" });
  });

  // DefectDojo 2.58.2-changelog dojo/api_v2/serializers.py UserProfileSerializer and dojo/api_v2/views.py UserProfileView:
  // also the user's Global_Role row (None without one) and their member rows.
  it("adds the global role and memberships in 2.58, the UI's null-role row included", async () => {
    peer = await startDojoPeer({ model: "RBAC" });
    peer.addUser({ id: 2, username: "alice", token: "alice-key" });
    peer.addUser({ id: 3, username: "bob", token: "bob-key", madeBy: "api" });
    peer.addProduct({ id: 4, name: "p", productTypeId: 4 });
    peer.addProductMember(4, 2);
    const alice = (await get("user_profile/", "alice-key")).body;
    expect(Object.keys(alice).sort()).toEqual(["dojo_group_member", "global_role", "product_member", "product_type_member", "user", "user_contact_info"]);
    expect(alice.global_role).toMatchObject({ user: 2, group: null, role: null });
    expect(alice.product_member).toEqual([expect.objectContaining({ product: 4, user: 2, role: DOJO_ROLES.READER })]);
    expect("is_staff" in alice.user).toBe(false);
    expect((await get("user_profile/", "bob-key")).body.global_role).toBeNull();
  });
});

describe("oa3/schema/", () => {
  // DefectDojo 2.58.2-changelog and 3.2 dojo/api_v2/views.py DojoSpectacularAPIView:
  // renderer_classes = [DojoOpenApiJsonRenderer, *SpectacularAPIView.renderer_classes] (JSON first, YAML on request).
  it.each([["RBAC", "2.58.4"], ["LEGACY", "3.2.0"]] as const)("answers JSON first in %s (%s), YAML only when asked", async (model, version) => {
    peer = await startDojoPeer({ model });
    const plain = await get("oa3/schema/");
    expect(plain.type).toMatch(/^application\/json/);
    expect(plain.body.info.version).toBe(version);
    const anything = await get("oa3/schema/", undefined, "*/*");
    expect(anything.type).toMatch(/^application\/json/);
    const yaml = await get("oa3/schema/?format=yaml");
    expect(yaml.type).toMatch(/^application\/vnd\.oai\.openapi/);
    expect(yaml.body).toContain(`version: ${version}`);
  });
});
