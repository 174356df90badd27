import { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { DocumentNode, GraphQLError, GraphQLSchema, ValidationContext, ValidationRule } from "graphql";
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity";

/** What one operation may ask for; every operation is measured against these before it runs. */
export interface GraphqlLimits {
  /** Deepest selection (GRAPHQL_MAX_DEPTH). */
  maxDepth: number;
  /** Largest cost: 1 per field, list fields once per row they can return (GRAPHQL_MAX_COST). */
  maxCost: number;
  /** Most aliased fields, which would otherwise run one resolver many times (GRAPHQL_MAX_ALIASES). */
  maxAliases: number;
}

/**
 * Several times what real operations need (test/graphql/limits.test.ts measures them): the
 * deepest is 4 (`deliveries { edges { node { id } } }`), the costliest a full page of
 * `deliveries(first: 100)` with every field, 2,001. Aliases: a client that sets a whole
 * notifications table with one aliased setSystemNotification per event uses 18 (one per
 * NotificationEvent); twice that and some fits, though setSystemNotifications does it without any.
 */
export const DEFAULT_GRAPHQL_LIMITS: Readonly<GraphqlLimits> = { maxDepth: 10, maxCost: 10_000, maxAliases: 40 };

/**
 * Fixed limits, far above any real operation. Tokens bound the parser's work (graphql-js's own
 * `maxTokens`; the standard introspection query has ~185, our largest operation ~50); directives
 * (`@include`, `@skip`) have no other use here.
 */
export const MAX_TOKENS = 2_000;
export const MAX_DIRECTIVES = 50;

/** The field estimators of the cost limit: a field's own `complexity` (see cost.ts), else 1 plus its selection. */
const COST_ESTIMATORS = [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })];

/**
 * graphql-armor's depth, alias and directive rules. Armor's rules throw by default, which Apollo
 * would answer with a 500; reporting the error on the validation context instead makes Apollo
 * answer 400 GRAPHQL_VALIDATION_FAILED without running anything.
 */
export function limitValidationRules(limits: GraphqlLimits): ValidationRule[] {
  const report = (limit: string, setting?: string) => ({
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(
          new GraphQLError(
            // Armor prefixes "Syntax Error: ", which these are not.
            error.message.replace(/^Syntax Error: /, "").replace(/\.$/, setting ? ` (limit set by ${setting}).` : "."),
            { extensions: { limit } },
          ),
        ),
    ],
  });
  return [
    // `__schema` is left to graphql-js's MaxIntrospectionDepthRule (always on), which stops its
    // cycles (`fields { type { fields … } }`); the standard introspection query nests 15 deep.
    // Fragments count as the fields they hold: they do not nest the response.
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...report("depth", "GRAPHQL_MAX_DEPTH") }),
    maxAliasesRule({ n: limits.maxAliases, ...report("aliases", "GRAPHQL_MAX_ALIASES") }),
    maxDirectivesRule({ n: MAX_DIRECTIVES, ...report("directives") }),
  ];
}

/** The cost of the operation a request runs, with its variables (`deliveries(first: $first)`). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string,
): number {
  return getComplexity({ schema, query: document, variables, operationName, estimators: COST_ESTIMATORS });
}

/**
 * The cost limit, with graphql-query-complexity. A plugin rather than a validation rule: the cost
 * depends on variables, which validation does not see. It runs after validation and before
 * execution; a refusal is 400 GRAPHQL_VALIDATION_FAILED, like the other limits.
 */
export function costLimitPlugin(maxCost: number): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // No operation to run (an unknown or missing operationName): execution refuses the request.
          if (!operation) return;
          let cost: number;
          try {
            cost = operationCost(schema, document, request.variables ?? {}, operation.name?.value);
          } catch (error) {
            // What cannot be measured is a client's mistake: variables that do not fit their types
            // (execution would refuse them just the same), or over 10,000 fields through fragments.
            throw new GraphQLError((error as Error).message, { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
          }
          if (cost > maxCost) {
            throw new GraphQLError(`Query cost limit of ${maxCost} exceeded, found ${cost} (limit set by GRAPHQL_MAX_COST).`, {
              extensions: { code: "GRAPHQL_VALIDATION_FAILED", limit: "cost", http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
