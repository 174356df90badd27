import { TestRow, testRow } from "../api-rows";
import { testAdded } from "../dojo-events";
import { advancedCursor, describeIdCursor, IdCursor, initialIdCursor, isNewRow, newestRows, PollResource } from "../resource";

/**
 * New tests. tests/ cannot be ordered by id, but by `created`, which grows with the id: the walk
 * runs newest first by creation down to the highest id seen. `created` is nullable
 * (dojo/test/models.py): a test without one is passed over.
 */
const created = (row: TestRow) => row.created;

export const tests: PollResource<IdCursor> = {
  name: "tests",
  initial: (ctx, since) => initialIdCursor(ctx, since, "tests/", "-created", testRow, created),
  async poll(ctx, cursor) {
    const added = await newestRows(ctx, "tests/", { o: "-created" }, testRow, (row) => isNewRow(cursor, row), { sortKey: created });
    const events = [];
    for (const test of added) {
      events.push({ event: testAdded(await ctx.objects.chain(test.id)), occurredAt: ctx.now });
    }
    return { events, state: advancedCursor(cursor, added) };
  },
  describe: describeIdCursor,
};
