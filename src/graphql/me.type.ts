import { Field, Int, ObjectType } from "type-graphql";
import { Caller } from "./context";

/**
 * A DefectDojo user as DefectDojo knows them. `contact` and `notifications` are resolved by
 * MeResolver from the preferences store, only when a query asks for them.
 */
@ObjectType("Me", { description: "A DefectDojo user and their personal notification settings." })
export class MeType {
  @Field(() => Int, { description: "The DefectDojo user id." })
  id: number;

  @Field(() => String)
  username: string;

  @Field(() => String, { description: "The e-mail DefectDojo has for the user; may be empty." })
  email: string;

  @Field(() => Boolean)
  isSuperuser: boolean;
}

/** Only the four DefectDojo fields: whatever else a Caller ever carries stays out of the API. */
export function toMe(user: Caller): MeType {
  return { id: user.id, username: user.username, email: user.email, isSuperuser: user.isSuperuser };
}
