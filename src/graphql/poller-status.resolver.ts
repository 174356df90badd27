import { Authorized, Ctx, Field, GraphQLISODateTime, Int, ObjectType, Query, Resolver } from "type-graphql";
import { POLL_RESOURCES } from "../ingest/poll/poller";
import { PollCursorEntity } from "../storage/entities/poll-cursor.entity";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { perRow } from "./cost";

@ObjectType("PollerStatus", { description: "Where polling one DefectDojo resource stands." })
export class PollerStatusType {
  @Field(() => String, { description: "e.g. `findings`, `test_imports`, `sla`." })
  resource: string;

  @Field(() => String, { nullable: true, description: "The saved cursor, e.g. `id 1234`; null before the first poll." })
  cursor: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  lastRunAt: Date | null;

  @Field(() => String, { nullable: true, description: "Why the last run failed; null after one that succeeded." })
  lastError: string | null;

  @Field(() => Int, { description: "Events found since the cursor was created (webhook duplicates included)." })
  eventsFound: number;
}

@Resolver()
export class PollerStatusResolver {
  @Authorized(SUPERUSER)
  @Query(() => [PollerStatusType], {
    description: "The DefectDojo API poller, per resource, in polling order.",
    complexity: perRow(POLL_RESOURCES.length),
  })
  async pollerStatus(@Ctx() { services }: RelayContext): Promise<PollerStatusType[]> {
    const rows = new Map((await services.db.manager.find(PollCursorEntity)).map((row) => [row.resource, row]));
    return POLL_RESOURCES.map(({ name }) => {
      const row = rows.get(name);
      return {
        resource: name,
        cursor: row?.cursor ?? null,
        lastRunAt: row?.lastRunAt ? new Date(row.lastRunAt) : null,
        lastError: row?.lastError ?? null,
        eventsFound: row?.eventsFound ?? 0,
      };
    });
  }
}
