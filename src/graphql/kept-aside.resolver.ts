import { Max, Min } from "class-validator";
import { Args, ArgsType, Authorized, Ctx, Field, Int, Query, Resolver } from "type-graphql";
import { LessThan, MoreThanOrEqual } from "typeorm";
import { KeptAsideRequestEntity } from "../storage/entities/kept-aside-request.entity";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { perRow } from "./cost";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./deliveries.args";
import { badUserInput } from "./errors";
import { KeptAsideRequestConnection, toKeptAsideRequestType } from "./kept-aside.type";

const CURSOR_PREFIX = "kept_aside:";

/** Opaque to clients; inside, the row id, since newest-first is descending id order. */
export function encodeKeptAsideCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, "utf8").toString("base64");
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64").toString("utf8");
  const id = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  // Re-encoding must give the same string, so junk that happens to decode is refused too.
  if (!Number.isSafeInteger(id) || id < 1 || encodeKeptAsideCursor(id) !== cursor) {
    throw badUserInput("after", "is not a cursor from this API");
  }
  return id;
}

/** Relay forward pagination. */
@ArgsType()
export class KeptAsideRequestsArgs {
  @Field(() => Int, { nullable: true, description: `At most ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when absent.` })
  @Min(0, { message: `must be from 0 to ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `must be from 0 to ${MAX_PAGE_SIZE}` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "An `endCursor` from an earlier page." })
  after?: string | null;
}

@Resolver()
export class KeptAsideResolver {
  @Authorized(SUPERUSER)
  @Query(() => KeptAsideRequestConnection, {
    description:
      "Authenticated webhook requests the bridge could not use (answered 202 so that DefectDojo keeps the endpoint on, never sent), newest first. Superusers only.",
    complexity: perRow(({ first }) => (typeof first === "number" ? Math.min(Math.max(first, 0), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE)),
  })
  async keptAsideRequests(
    @Args(() => KeptAsideRequestsArgs) { first, after }: KeptAsideRequestsArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<KeptAsideRequestConnection> {
    const pageSize = first ?? DEFAULT_PAGE_SIZE;
    const afterId = after ? decodeCursor(after) : undefined;
    const { manager } = services.db;
    // One row more than asked tells whether there is a next page without counting.
    const rows = await manager.find(KeptAsideRequestEntity, {
      where: afterId === undefined ? {} : { id: LessThan(afterId) },
      order: { id: "DESC" },
      take: pageSize + 1,
    });
    const edges = rows.slice(0, pageSize).map((row) => ({ cursor: encodeKeptAsideCursor(row.id), node: toKeptAsideRequestType(row) }));
    const hasPreviousPage = afterId !== undefined && (await manager.exists(KeptAsideRequestEntity, { where: { id: MoreThanOrEqual(afterId) } }));
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
}
