import { Max, Min } from "class-validator";
import { ArgsType, Field, Int } from "type-graphql";
import { DeliveryStatus } from "./enums";

export const DEFAULT_PAGE_SIZE = 20;
/** Largest page: bounds the rows (and event payloads) one request loads. */
export const MAX_PAGE_SIZE = 100;

/** Relay forward pagination. A class (not two @Arg) so the SDL lists `first` before `after`. */
@ArgsType()
export class DeliveriesArgs {
  @Field(() => Int, { nullable: true, description: `At most ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when absent.` })
  @Min(0, { message: `must be from 0 to ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `must be from 0 to ${MAX_PAGE_SIZE}` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "An `endCursor` from an earlier page." })
  after?: string | null;

  @Field(() => DeliveryStatus, { nullable: true, description: "Only deliveries in this status; all when absent." })
  status?: DeliveryStatus | null;
}
