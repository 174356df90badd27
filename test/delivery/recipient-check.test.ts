import { createDojoClient } from "../../src/defectdojo/dojo-client";
import { createDojoDirectory, DIRECTORY_TTL_MS, DojoDirectory } from "../../src/defectdojo/directory";
import { createRecipientCheck, RecipientCheck } from "../../src/delivery/recipient-check";
import { DojoEvent } from "../../src/events/dojo-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { DojoAuthorizationModel, DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { digestEntry, digestEvent, findingRef } from "../support/digest-events";
import { webhookFixture } from "../support/fixtures";

// The check a personal message gets just before it is sent, against the DefectDojo stand-in.
// alice (2) may view product 4 only; bob (3) product 9 only; both made as DefectDojo's UI makes users
// (a Global_Role row with role None: DefectDojo 2.58.2-changelog dojo/user/views.py add_user).

const scanAdded = (productId: number): DojoEvent => {
  const body = webhookFixture("scan_added");
  return parseWebhookPayload("scan_added", null, { ...body, product: { ...(body.product as object), id: productId }, product_type: null });
};

describe.each<DojoAuthorizationModel>(["RBAC", "LEGACY"])("the recipient check before a personal send (DefectDojo %s)", (model) => {
  let peer: DojoPeer;
  let clock: number;
  let directory: DojoDirectory;
  let check: RecipientCheck;
  const stored = new Map<number, DojoEvent>();

  beforeEach(async () => {
    peer = await startDojoPeer({ model });
    peer.addUser({ id: 1, username: "admin", isSuperuser: true });
    peer.addUser({ id: 2, username: "alice", email: "alice@example.com" });
    peer.addUser({ id: 3, username: "bob", email: "bob@example.com" });
    peer.addProductType({ id: 4, name: "type 4" });
    peer.addProductType({ id: 5, name: "type 5" });
    peer.addProduct({ id: 4, name: "notif prod", productTypeId: 4 });
    peer.addProduct({ id: 9, name: "elsewhere", productTypeId: 5 });
    if (model === "RBAC") {
      peer.addProductMember(4, 2);
      peer.addProductMember(9, 3);
    } else {
      peer.authorize({ productId: 4 }, 2);
      peer.authorize({ productId: 9 }, 3);
    }
    clock = 1_000_000;
    directory = createDojoDirectory(createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken, retries: 0 }), { now: () => clock });
    stored.clear();
    stored.set(101, scanAdded(4));
    stored.set(102, scanAdded(9));
    check = createRecipientCheck({ directory, loadEvents: async (ids) => new Map(ids.filter((id) => stored.has(id)).map((id) => [id, stored.get(id)!])) });
  });
  afterEach(() => peer.close());

  const twoProducts = () => digestEvent([digestEntry(101, "scan_added", [findingRef(1, "High")]), digestEntry(102, "scan_added", [findingRef(2, "High"), findingRef(3, "Low")])], { groupLabel: null });

  it("lets a message through to a recipient who may still view its product, and says why not otherwise", async () => {
    expect(await check({ recipientUserId: 2, event: scanAdded(4) })).toEqual({ send: scanAdded(4), droppedEntries: 0 });
    expect(await check({ recipientUserId: 3, event: scanAdded(4) })).toEqual({ skip: "no_access", reason: "recipient may no longer view product 4" });
    expect(await check({ recipientUserId: 1, event: scanAdded(4) })).toMatchObject({ droppedEntries: 0 });
  });

  it("tells a deactivated recipient from one DefectDojo no longer has", async () => {
    peer.updateUser(2, { isActive: false });
    peer.removeUser(3);
    clock += DIRECTORY_TTL_MS;
    expect(await check({ recipientUserId: 2, event: scanAdded(4) })).toEqual({ skip: "recipient_inactive", reason: "recipient no longer active in DefectDojo" });
    expect(await check({ recipientUserId: 3, event: scanAdded(9) })).toEqual({ skip: "recipient_gone", reason: "recipient no longer exists in DefectDojo" });
  });

  it("narrows a digest to the events the recipient may still view, and skips one with none left", async () => {
    const narrowed = await check({ recipientUserId: 2, event: twoProducts() });
    expect(narrowed).toMatchObject({ droppedEntries: 1 });
    const sent = "send" in narrowed ? narrowed.send : null;
    expect(sent?.title).toBe("1 notification");
    expect(sent?.findingCount).toBe(1);
    expect(sent?.digest?.entries.map((entry) => entry.eventId)).toEqual([101]);
    // Superusers keep it all.
    expect(await check({ recipientUserId: 1, event: twoProducts() })).toEqual({ send: twoProducts(), droppedEntries: 0 });

    if (model === "RBAC") peer.removeProductMember(4, 2);
    else peer.unauthorize({ productId: 4 }, 2);
    directory.invalidate({ productId: 4 });
    expect(await check({ recipientUserId: 2, event: twoProducts() })).toEqual({ skip: "no_access", reason: "recipient may no longer view products 4, 9" });
  });

  it("leaves out a digest entry whose event is no longer stored rather than send it unchecked", async () => {
    stored.delete(102);
    expect(await check({ recipientUserId: 1, event: twoProducts() })).toMatchObject({ droppedEntries: 1 });
  });

  it("reads again what was read before `since`, once for a whole burst, and nothing on a first attempt", async () => {
    await check({ recipientUserId: 2, event: scanAdded(4) });
    const warm = peer.apiCalls.length;
    // A first attempt right after fan-out: the directory's cache, no request.
    for (let i = 0; i < 50; i++) await check({ recipientUserId: 2, event: scanAdded(4) });
    expect(peer.apiCalls.length).toBe(warm);

    // Fifty messages held since before a change: the first re-check reads again, the others share it.
    const heldSince = clock + 1;
    clock += 1_000;
    if (model === "RBAC") peer.removeProductMember(4, 2);
    else peer.unauthorize({ productId: 4 }, 2);
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => check({ recipientUserId: 2, event: scanAdded(4), since: heldSince })));
    expect(new Set(verdicts.map((verdict) => ("skip" in verdict ? verdict.reason : "sent")))).toEqual(new Set(["recipient may no longer view product 4"]));
    const reads = peer.apiCalls.slice(warm);
    expect(reads.filter((path) => path === "/api/v2/users/")).toHaveLength(1);
    // RBAC: users, global roles, the product's and its type's members and groups, group members; LEGACY: users, product, type.
    expect(reads.length).toBe(model === "RBAC" ? 7 : 3);
  });
});
