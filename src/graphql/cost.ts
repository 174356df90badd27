import { ComplexityEstimator } from "graphql-query-complexity";

/**
 * Every field costs 1 plus what it selects (graphql-query-complexity's simpleEstimator). A list
 * field declares `complexity: perRow(rows)` so that what it selects counts once per row it can
 * return: `deliveries(first: 100) { … }` weighs a hundred times its selection, not once.
 */
export function perRow(rows: number | ((args: Record<string, unknown>) => number)): ComplexityEstimator {
  return ({ args, childComplexity }) => 1 + childComplexity * (typeof rows === "number" ? rows : rows(args));
}
