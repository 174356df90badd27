import { productRow } from "../api-rows";
import { productAdded } from "../dojo-events";
import { advancedCursor, describeIdCursor, IdCursor, initialIdCursor, isNewRow, newestRows, PollResource } from "../resource";

/** New products (3.x: assets), newest first by id down to the last one seen. */
export const products: PollResource<IdCursor> = {
  name: "products",
  initial: (ctx, since) => initialIdCursor(ctx, since, "products/", "-id", productRow),
  async poll(ctx, cursor) {
    const added = await newestRows(ctx, "products/", { o: "-id" }, productRow, (row) => isNewRow(cursor, row));
    const events = [];
    for (const product of added) {
      const productType = await ctx.objects.productType(product.prod_type);
      events.push({ event: productAdded(product, productType, ctx.links), occurredAt: ctx.now });
    }
    return { events, state: advancedCursor(cursor, added) };
  },
  describe: describeIdCursor,
};
