import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from "type-graphql";
import { ImportItem, ImportReport } from "../defectdojo/settings-import";
import { WebhookRegistration } from "../defectdojo/webhook-registration";

/** The GraphQL face of the directory's AuthorizationModel; the values are the same strings. */
export enum AuthorizationModelEnum {
  RBAC = "RBAC",
  LEGACY = "LEGACY",
}
registerEnumType(AuthorizationModelEnum, {
  name: "AuthorizationModel",
  description: "RBAC: DefectDojo 2.x and Pro (members, groups, global roles). LEGACY: 3.x open source (authorized users).",
});

@ObjectType("ImportItem", { description: "One thing the import looked at, e.g. `system setting slackChannel`." })
export class ImportItemType implements ImportItem {
  @Field(() => String)
  what: string;

  @Field(() => String, { nullable: true, description: "Why it was skipped; null otherwise." })
  reason: string | null;
}

@ObjectType("ImportReport", { description: "What importFromDefectDojo did; secrets are named, never shown." })
export class ImportReportType implements ImportReport {
  @Field(() => [ImportItemType], { description: "Written into the bridge: they differed." })
  imported: ImportItem[];

  @Field(() => [ImportItemType], { description: "Already the same in the bridge: nothing written." })
  unchanged: ImportItem[];

  @Field(() => [ImportItemType], { description: "Not imported, each with its reason." })
  skipped: ImportItem[];

  @Field(() => Int)
  importedCount: number;

  @Field(() => Int)
  unchangedCount: number;

  @Field(() => Int)
  skippedCount: number;
}

@ObjectType("WebhookRegistration", { description: "The bridge's system webhook endpoint in DefectDojo; its header value is never returned." })
export class WebhookRegistrationType implements WebhookRegistration {
  @Field(() => Int, { description: "DefectDojo's id of the endpoint." })
  endpointId: number;

  @Field(() => String, { description: "Where DefectDojo posts: `<publicUrl>/webhooks/defectdojo`." })
  url: string;

  @Field(() => Boolean, { description: "A new endpoint; false: the bridge's existing one (same URL or named Dojo Relay) was updated." })
  created: boolean;

  @Field(() => String, { description: "DefectDojo's status of the endpoint: active, active_tmp, inactive_tmp or inactive_permanent." })
  status: string;

  @Field(() => Int, { description: "Events of DefectDojo's system notifications that include webhooks now and did not before." })
  eventsAdded: number;

  @Field(() => Boolean, { description: "DefectDojo's own Slack, Teams and mail are out of its system notifications: only the bridge sends them." })
  directChannelsStopped: boolean;

  @Field(() => [String], { description: "What else was done, or is left to do in DefectDojo's UI." })
  notes: string[];
}

@ObjectType("SkippedWindow", {
  description: "A time in which DefectDojo skipped its webhook to the bridge (its endpoint inactive): the poller recovers what it can infer, not the rest.",
})
export class SkippedWindowType {
  @Field(() => GraphQLISODateTime, { description: "The endpoint's first_error in DefectDojo." })
  from: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "When the bridge healed it or saw it active again; null while DefectDojo still skips it." })
  to: Date | null;

  @Field(() => Boolean, { description: "Ended by the bridge re-creating the endpoint." })
  healed: boolean;

  @Field(() => String, { description: "When, and which kinds of event may be missing." })
  message: string;
}

/**
 * Not named "…Connection": Relay-aware tools (Apollo's relayStylePagination, graphql-eslint's relay
 * rules) take any such type for a paginated list with edges and pageInfo (test/graphql/schema-lint.test.ts).
 */
@ObjectType("DefectDojoStatus", { description: "What the bridge sees of DefectDojo with its service key (DOJO_API_KEY)." })
export class DefectDojoStatusType {
  @Field(() => Boolean, { description: "DefectDojo answered the service key's requests." })
  reachable: boolean;

  @Field(() => String, { nullable: true, description: "DefectDojo's version (its OpenAPI schema's info.version); null when unavailable." })
  version: string | null;

  @Field(() => AuthorizationModelEnum, { nullable: true })
  authorizationModel: AuthorizationModelEnum | null;

  @Field(() => String, {
    nullable: true,
    description:
      "DefectDojo's status of the bridge's webhook endpoint (active, active_tmp, inactive_tmp, inactive_permanent); null when none is registered. DefectDojo sends nothing while inactive_*.",
  })
  webhookStatus: string | null;

  @Field(() => String, { nullable: true, description: "DefectDojo's note on the endpoint's last error, e.g. `Response status code: 401`." })
  webhookNote: string | null;

  @Field(() => String, { nullable: true, description: "Why DefectDojo is not reachable (or not configured)." })
  problem: string | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: "When the bridge last re-created its webhook endpoint after DefectDojo had turned it off for good (inactive_permanent); null: never.",
  })
  lastHealedAt: Date | null;

  @Field(() => SkippedWindowType, { nullable: true, description: "The latest window in which DefectDojo skipped its webhook to the bridge; null: none." })
  skippedWindow: SkippedWindowType | null;

  @Field(() => [SkippedWindowType], { description: "The latest such windows, newest first (a short history)." })
  skippedWindows: SkippedWindowType[];
}
