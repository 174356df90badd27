import { Max, Min } from "class-validator";
import { ArgsType, Field, Int, ObjectType } from "type-graphql";
import { EntityManager, EntityTarget, FindOptionsWhere, LessThan, MoreThanOrEqual } from "typeorm";
import { perRow } from "./cost";
import { badUserInput } from "./errors";

export const DEFAULT_PAGE_SIZE = 20;
/** Largest page: bounds the rows (and event payloads) one request loads. */
export const MAX_PAGE_SIZE = 100;

/** Relay forward pagination. A class (not two @Arg) so the SDL lists `first` before `after`. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `At most ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when absent.` })
  @Min(0, { message: `must be from 0 to ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `must be from 0 to ${MAX_PAGE_SIZE}` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "An `endCursor` from an earlier page." })
  after?: string | null;
}

/** Weighs a page by the rows asked for; a `first` out of range is refused by validation, not by the cost limit. */
export const pageComplexity = perRow(({ first }) =>
  typeof first === "number" ? Math.min(Math.max(first, 0), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE,
);

/** Relay's PageInfo. */
@ObjectType("PageInfo")
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage: boolean;

  @Field(() => Boolean)
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/** Opaque to clients; inside, the kind and the row id, since newest-first is descending id order. */
export function encodeCursor(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`, "utf8").toString("base64");
}

function decodeCursor(kind: string, cursor: string): number {
  const text = Buffer.from(cursor, "base64").toString("utf8");
  const id = text.startsWith(`${kind}:`) ? Number(text.slice(kind.length + 1)) : NaN;
  // Re-encoding must give the same string, so junk that happens to decode is refused too.
  if (!Number.isSafeInteger(id) || id < 1 || encodeCursor(kind, id) !== cursor) {
    throw badUserInput("after", "is not a cursor from this API");
  }
  return id;
}

/**
 * One page of rows in `scope`, newest (highest id) first, as Relay edges. `kind` names the rows in
 * their cursors, so one list's cursor is refused by another.
 */
export async function newestFirstPage<Row extends { id: number }, Node>(
  manager: EntityManager,
  entity: EntityTarget<Row>,
  options: { kind: string; scope: FindOptionsWhere<Row>; args: PageArgs; toNodes: (rows: Row[]) => Promise<Node[]> | Node[] },
): Promise<{ edges: Array<{ cursor: string; node: Node }>; pageInfo: PageInfo }> {
  const { kind, scope, args } = options;
  const pageSize = args.first ?? DEFAULT_PAGE_SIZE;
  const afterId = args.after ? decodeCursor(kind, args.after) : undefined;
  // One row more than asked tells whether there is a next page without counting.
  const rows = await manager.find(entity, {
    where: afterId === undefined ? scope : { ...scope, id: LessThan(afterId) },
    order: { id: "DESC" } as never,
    take: pageSize + 1,
  });
  const page = rows.slice(0, pageSize);
  const nodes = await options.toNodes(page);
  const edges = page.map((row, i) => ({ cursor: encodeCursor(kind, row.id), node: nodes[i] }));
  // "Anything newer than this page", the cursor's own row included.
  const hasPreviousPage = afterId !== undefined && (await manager.exists(entity, { where: { ...scope, id: MoreThanOrEqual(afterId) } }));
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
