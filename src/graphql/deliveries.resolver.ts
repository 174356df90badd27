import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { FindOptionsWhere, In, LessThan, MoreThanOrEqual } from "typeorm";
import { Database } from "../storage/database";
import { DeliveryEntity } from "../storage/entities/delivery.entity";
import { EventEntity } from "../storage/entities/event.entity";
import { SUPERUSER } from "./auth-checker";
import { Caller, RelayContext } from "./context";
import { perRow } from "./cost";
import { DEFAULT_PAGE_SIZE, DeliveriesArgs, MAX_PAGE_SIZE } from "./deliveries.args";
import { DeliveryConnection, DeliveryEventSummary, DeliveryType, toDeliveryType } from "./delivery.type";
import { Channel, DeliveryStatus } from "./enums";
import { badUserInput, notFound, parseRowId } from "./errors";

const CURSOR_PREFIX = "delivery:";

/** Opaque to clients; inside, the row id, since newest-first is descending id order. */
export function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, "utf8").toString("base64");
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64").toString("utf8");
  const id = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  // Re-encoding must give the same string, so junk that happens to decode is refused too.
  if (!Number.isSafeInteger(id) || id < 1 || encodeCursor(id) !== cursor) {
    throw badUserInput("after", "is not a cursor from this API");
  }
  return id;
}

/** Superusers see every delivery; everyone else only the ones addressed to them personally. */
function visibleTo(caller: Caller): FindOptionsWhere<DeliveryEntity> {
  return caller.isSuperuser ? {} : { recipientUserId: caller.id };
}

async function loadEvents(db: Database, eventIds: number[]): Promise<Map<number, DeliveryEventSummary>> {
  if (eventIds.length === 0) return new Map();
  const events = await db.manager.find(EventEntity, {
    where: { id: In([...new Set(eventIds)]) },
    select: { id: true, name: true, title: true },
  });
  return new Map(events.map((event) => [event.id, { name: event.name, title: event.title || null }]));
}

/**
 * A SKIPPED personal delivery's recipient may no longer see what it was about: they see that it was
 * skipped and why, not the event's title (superusers see everything).
 */
function shownTo(caller: Caller, delivery: DeliveryType): DeliveryType {
  return delivery.status === DeliveryStatus.SKIPPED && !caller.isSuperuser ? { ...delivery, eventTitle: null } : delivery;
}

@Resolver()
export class DeliveriesResolver {
  @Authorized()
  @Query(() => DeliveryConnection, {
    description: "Deliveries, newest first: all of them for superusers, your own personal ones otherwise.",
    // Weighs by the page asked for; a `first` out of range is refused by validation, not by the cost limit.
    complexity: perRow(({ first }) =>
      typeof first === "number" ? Math.min(Math.max(first, 0), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE,
    ),
  })
  async deliveries(
    // `first` is range-checked by validateInput before this runs.
    @Args(() => DeliveriesArgs) { first, after, status }: DeliveriesArgs,
    @Ctx() { caller, services }: RelayContext,
  ): Promise<DeliveryConnection> {
    const pageSize = first ?? DEFAULT_PAGE_SIZE;
    const afterId = after ? decodeCursor(after) : undefined;
    const scope = { ...visibleTo(caller), ...(status && { status }) };
    const { manager } = services.db;

    // One row more than asked tells whether there is a next page without counting.
    const rows = await manager.find(DeliveryEntity, {
      where: afterId === undefined ? scope : { ...scope, id: LessThan(afterId) },
      order: { id: "DESC" },
      take: pageSize + 1,
    });
    const page = rows.slice(0, pageSize);
    const events = await loadEvents(services.db, page.map((row) => row.eventId));
    const edges = page.map((row) => ({ cursor: encodeCursor(row.id), node: shownTo(caller, toDeliveryType(row, events.get(row.eventId))) }));
    // "Anything newer than this page", the cursor's own row included.
    const hasPreviousPage =
      afterId !== undefined && (await manager.exists(DeliveryEntity, { where: { ...scope, id: MoreThanOrEqual(afterId) } }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > pageSize,
        hasPreviousPage,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  @Authorized()
  @Mutation(() => DeliveryType, {
    description:
      "Sends a FAILED delivery again, from its first attempt (superusers: any; others: their own personal ones). " +
      "NOT_FOUND when you cannot see it; BAD_USER_INPUT when it is not FAILED.",
  })
  async retryDelivery(@Arg("id", () => ID) id: string, @Ctx() { caller, services }: RelayContext): Promise<DeliveryType> {
    const deliveryId = parseRowId(id, "id", "a delivery");
    const where = { ...visibleTo(caller), id: deliveryId };
    if (!(await services.db.manager.exists(DeliveryEntity, { where }))) throw notFound("id", "there is no delivery with this id");
    if (!(await services.requeueFailedDelivery(deliveryId))) throw badUserInput("id", "only a FAILED delivery can be retried");
    const row = await services.db.manager.findOneByOrFail(DeliveryEntity, where);
    return toDeliveryType(row, (await loadEvents(services.db, [row.eventId])).get(row.eventId));
  }

  @Authorized(SUPERUSER)
  @Mutation(() => DeliveryType, {
    description: "Sends a test message to the channel's system-wide target (enabled or not) and returns its delivery after the first attempt.",
  })
  async sendTestNotification(
    @Arg("channel", () => Channel) channel: Channel,
    @Ctx() { services }: RelayContext,
  ): Promise<DeliveryType> {
    const row = await services.sendTestNotification(channel);
    const events = row.event
      ? new Map([[row.eventId, { name: row.event.name, title: row.event.title || null }]])
      : await loadEvents(services.db, [row.eventId]);
    return toDeliveryType(row, events.get(row.eventId));
  }
}
