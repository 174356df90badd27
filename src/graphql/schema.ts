import { GraphQLSchema, printSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { relayAuthChecker } from "./auth-checker";
import { DefectDojoResolver } from "./defectdojo.resolver";
import { DeliveriesResolver } from "./deliveries.resolver";
import "./enums";
import { KeptAsideResolver } from "./kept-aside.resolver";
import { MeResolver } from "./me.resolver";
import { MessageTemplatesResolver } from "./message-templates.resolver";
import { PollerStatusResolver } from "./poller-status.resolver";
import { RoutingRulesResolver } from "./routing-rules.resolver";
import { SlackManifestResolver } from "./slack-manifest.resolver";
import { SystemNotificationsResolver } from "./system-notifications.resolver";
import { SystemSettingsResolver } from "./system-settings.resolver";
import { UsersResolver } from "./users.resolver";
import { validateInput } from "./validation";

/** The committed SDL, relative to the repository root; `npm run schema` rewrites it. */
export const SCHEMA_FILE = "schema/schema.graphql";

const SCHEMA_FILE_HEADER =
  "# Generated from the type-graphql classes in src/graphql by `npm run schema`. Do not edit.\n\n";

/** The whole GraphQL schema. Built once at start-up (and by the schema script and tests). */
export function buildRelaySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      SystemSettingsResolver,
      SystemNotificationsResolver,
      DeliveriesResolver,
      SlackManifestResolver,
      MeResolver,
      UsersResolver,
      PollerStatusResolver,
      MessageTemplatesResolver,
      RoutingRulesResolver,
      DefectDojoResolver,
      KeptAsideResolver,
    ],
    authChecker: relayAuthChecker,
    authMode: "error",
    validateFn: validateInput,
  });
}

/**
 * The SDL as committed in schema/schema.graphql. Not sorted: arguments and enum values keep their
 * declared order (`deliveries(first, after)`, NotificationEvent in DefectDojo's order), as
 * introspection shows them.
 */
export function printRelaySchema(schema: GraphQLSchema): string {
  return SCHEMA_FILE_HEADER + printSchema(schema) + "\n";
}
