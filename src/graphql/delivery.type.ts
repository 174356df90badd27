import { Field, GraphQLISODateTime, ID, Int, ObjectType } from "type-graphql";
import { DeliveryEntity } from "../storage/entities/delivery.entity";
import { EventEntity } from "../storage/entities/event.entity";
import { Channel, DeliveryStatus } from "./enums";
import { PageInfo } from "./newest-first-page";

/** One message to one target, as the delivery log shows it. */
@ObjectType("Delivery", { description: "One message to one target: queued, retrying, sent, failed or skipped." })
export class DeliveryType {
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: "DefectDojo's event name, e.g. `product_added`." })
  event: string;

  @Field(() => String, { nullable: true, description: "The event's title; null on a SKIPPED delivery for anyone but superusers." })
  eventTitle: string | null;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => String, { description: "Slack channel, mail addresses, or a label for a Teams URL; never a secret." })
  target: string;

  @Field(() => DeliveryStatus)
  status: DeliveryStatus;

  @Field(() => Int)
  attempts: number;

  @Field(() => String, { nullable: true })
  lastError: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  sentAt: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "When the next attempt is due; null once SENT, FAILED or SKIPPED." })
  nextAttemptAt: Date | null;
}

/** The event fields a delivery shows; the rest of the event is not loaded for the log. */
export type DeliveryEventSummary = Pick<EventEntity, "name"> & { title: string | null };

export function toDeliveryType(row: DeliveryEntity, event: DeliveryEventSummary | undefined): DeliveryType {
  const waiting = row.status === DeliveryStatus.PENDING || row.status === DeliveryStatus.RETRYING;
  return {
    id: String(row.id),
    // The event row is deleted only with its deliveries (ON DELETE CASCADE), so this is a fallback for a race.
    event: event?.name ?? "unknown",
    eventTitle: event?.title ?? null,
    channel: row.channel,
    target: row.target,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    sentAt: row.sentAt === null ? null : new Date(row.sentAt),
    nextAttemptAt: waiting ? new Date(row.nextAttemptAt) : null,
  };
}

@ObjectType("DeliveryEdge")
export class DeliveryEdge {
  @Field(() => String)
  cursor: string;

  @Field(() => DeliveryType)
  node: DeliveryType;
}

@ObjectType("DeliveryConnection", { description: "Deliveries, newest first (Relay cursor connection)." })
export class DeliveryConnection {
  @Field(() => [DeliveryEdge])
  edges: DeliveryEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
