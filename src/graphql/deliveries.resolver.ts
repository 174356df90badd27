import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { FindOptionsWhere, In } from "typeorm";
import { Database } from "../storage/database";
import { DeliveryEntity } from "../storage/entities/delivery.entity";
import { EventEntity } from "../storage/entities/event.entity";
import { SUPERUSER } from "./auth-checker";
import { Caller, RelayContext } from "./context";
import { DeliveriesArgs } from "./deliveries.args";
import { DeliveryConnection, DeliveryEventSummary, DeliveryType, toDeliveryType } from "./delivery.type";
import { Channel, DeliveryStatus } from "./enums";
import { badUserInput, notFound, parseRowId } from "./errors";
import { newestFirstPage, pageComplexity } from "./newest-first-page";

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
    complexity: pageComplexity,
  })
  async deliveries(
    // `first` is range-checked by validateInput before this runs.
    @Args(() => DeliveriesArgs) args: DeliveriesArgs,
    @Ctx() { caller, services }: RelayContext,
  ): Promise<DeliveryConnection> {
    return newestFirstPage(services.db.manager, DeliveryEntity, {
      kind: "delivery",
      scope: { ...visibleTo(caller), ...(args.status && { status: args.status }) },
      args,
      toNodes: async (rows) => {
        const events = await loadEvents(services.db, rows.map((row) => row.eventId));
        return rows.map((row) => shownTo(caller, toDeliveryType(row, events.get(row.eventId))));
      },
    });
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
