import { DojoDirectory, DojoUser, ProductScope } from "../defectdojo/directory";
import { DigestEntry, DojoEvent } from "../events/dojo-event";
import { digestTitle } from "./digest-windows";

/** Why a personal message was not sent: the `reason` label of dojo_relay_deliveries_total. */
export type SkipReason = "recipient_inactive" | "recipient_gone" | "no_access" | "not_checkable";

export type RecipientVerdict =
  /** Send this: the row's event, or a digest narrowed to the entries the recipient may still view. */
  | { send: DojoEvent; droppedEntries: number }
  | { skip: SkipReason; reason: string };

/**
 * Checks again, just before a personal message is sent, that its recipient still exists, is active
 * and may view what it is about, as fan-out checked when the event came in. Rejects with the
 * directory's `unavailable` error when DefectDojo cannot be read: the caller holds the message.
 */
export type RecipientCheck = (input: {
  recipientUserId: number;
  event: DojoEvent;
  /** Answers read before this moment (epoch ms) are read again; absent: the directory's cache is fine. */
  since?: number;
}) => Promise<RecipientVerdict>;

export function createRecipientCheck(deps: {
  directory: DojoDirectory;
  /** The stored events a digest lists, by id (the bridge's own database). */
  loadEvents(ids: number[]): Promise<Map<number, DojoEvent>>;
}): RecipientCheck {
  const { directory } = deps;

  async function recipient(userId: number, since: number | undefined): Promise<DojoUser | { skip: SkipReason; reason: string }> {
    const active = (await directory.activeUsers({ since })).get(userId);
    if (active) return active;
    // Not cached, but asked only when a message is about to be skipped: the reason is worth the call.
    const known = await directory.user(userId);
    if (known?.isActive) return known;
    return known
      ? { skip: "recipient_inactive", reason: "recipient no longer active in DefectDojo" }
      : { skip: "recipient_gone", reason: "recipient no longer exists in DefectDojo" };
  }

  async function mayView(user: DojoUser, event: DojoEvent, since: number | undefined): Promise<ProductScope | null> {
    const scope = await directory.productScope(event);
    return (await directory.viewersOf(scope, { since }, [user])).mayView(user) ? null : scope;
  }

  return async ({ recipientUserId, event, since }) => {
    const user = await recipient(recipientUserId, since);
    if ("skip" in user) return user;
    if (!event.digest) {
      const denied = await mayView(user, event, since);
      return denied ? noAccess([denied]) : { send: event, droppedEntries: 0 };
    }
    // A digest lists events of any number of products: each is checked on its own.
    const stored = await deps.loadEvents([...new Set(event.digest.entries.map((entry) => entry.eventId))]);
    const kept: DigestEntry[] = [];
    const denied: ProductScope[] = [];
    for (const entry of event.digest.entries) {
      const original = stored.get(entry.eventId);
      // An event no longer stored cannot be checked: it is left out rather than sent unchecked.
      const scope = original ? await mayView(user, original, since) : { productId: null, productTypeId: null };
      if (scope) denied.push(scope);
      else kept.push(entry);
    }
    if (kept.length === 0) return noAccess(denied);
    return { send: kept.length === event.digest.entries.length ? event : narrowedDigest(event, kept), droppedEntries: denied.length };
  };
}

/** The digest with only `entries`, its title and finding count to match. */
function narrowedDigest(event: DojoEvent, entries: DigestEntry[]): DojoEvent {
  const digest = event.digest!;
  return {
    ...event,
    title: digestTitle(entries.length, digest.groupLabel),
    findingCount: entries.reduce((sum, entry) => sum + entry.findings.length, 0),
    digest: { ...digest, entries },
  };
}

function noAccess(scopes: ProductScope[]): { skip: SkipReason; reason: string } {
  const products = [...new Set(scopes.filter((s) => s.productId !== null).map((s) => s.productId!))].sort((a, b) => a - b);
  const types = [...new Set(scopes.filter((s) => s.productId === null && s.productTypeId !== null).map((s) => s.productTypeId!))].sort((a, b) => a - b);
  const what = [
    ...(products.length > 0 ? [`${products.length === 1 ? "product" : "products"} ${products.join(", ")}`] : []),
    ...(types.length > 0 ? [`${types.length === 1 ? "product type" : "product types"} ${types.join(", ")}`] : []),
    ...(scopes.some((s) => s.productId === null && s.productTypeId === null) ? ["events about no product (superusers only)"] : []),
  ];
  return { skip: "no_access", reason: `recipient may no longer view ${what.join(" or ")}` };
}
