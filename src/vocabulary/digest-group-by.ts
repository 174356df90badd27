/** How a routing rule's digest groups its events: one message per product, per engagement, or one for all. */
export enum DigestGroupBy {
  NONE = "NONE",
  PRODUCT = "PRODUCT",
  ENGAGEMENT = "ENGAGEMENT",
}
