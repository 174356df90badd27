import { ArgsType, Field } from "type-graphql";
import { DeliveryStatus } from "./enums";
import { PageArgs } from "./newest-first-page";

@ArgsType()
export class DeliveriesArgs extends PageArgs {
  @Field(() => DeliveryStatus, { nullable: true, description: "Only deliveries in this status; all when absent." })
  status?: DeliveryStatus | null;
}
