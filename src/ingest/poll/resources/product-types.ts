import { productTypeRow } from "../api-rows";
import { productTypeAdded } from "../dojo-events";
import { advancedCursor, describeIdCursor, IdCursor, isNewRow, PollResource } from "../resource";

/**
 * New product types (3.x: organizations). DefectDojo offers no ordering on product_types/, so the
 * whole (short) list is read and compared with the highest id seen.
 */
export const productTypes: PollResource<IdCursor> = {
  name: "product_types",
  async initial(ctx, since) {
    if (since !== null) return { lastId: 0, since };
    const all = await ctx.client.list("product_types/", {}, productTypeRow);
    return advancedCursor({ lastId: 0 }, all);
  },
  async poll(ctx, cursor) {
    const all = await ctx.client.list("product_types/", {}, productTypeRow);
    const added = all.filter((row) => isNewRow(cursor, row)).sort((a, b) => a.id - b.id);
    return {
      events: added.map((row) => ({ event: productTypeAdded(row, ctx.links), occurredAt: Date.parse(row.created ?? "") || ctx.now })),
      state: advancedCursor(cursor, all),
    };
  },
  describe: describeIdCursor,
};
