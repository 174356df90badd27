import { Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { DefectDojoAccess, DefectDojoConnection, NO_OUTAGES } from "../defectdojo/connection";
import { DojoApiError } from "../defectdojo/dojo-client";
import { importFromDefectDojo } from "../defectdojo/settings-import";
import { DOJO_WEBHOOK_HEADER_MAX_LENGTH, endpointUrlFor, registerWebhook, WebhookRegistration } from "../defectdojo/webhook-registration";
import { SUPERUSER } from "./auth-checker";
import { GraphqlServices, RelayContext } from "./context";
import { DefectDojoStatusType, ImportReportType, WebhookRegistrationType } from "./defectdojo.type";
import { badUserInput, defectDojoFailed, notConfigured } from "./errors";
import { RegisterWebhookArgs } from "./register-webhook.args";

/** First run: connecting the bridge to DefectDojo with its service key. Superusers only. */
@Resolver()
export class DefectDojoResolver {
  @Authorized(SUPERUSER)
  @Query(() => DefectDojoStatusType, {
    description: "Asks DefectDojo now: reachable with DOJO_API_KEY, its version and authorization model, the bridge's webhook status there.",
  })
  async defectDojoConnection(@Ctx() { services }: RelayContext): Promise<DefectDojoConnection> {
    if (!services.defectDojo) {
      return {
        reachable: false,
        version: null,
        authorizationModel: null,
        webhookStatus: null,
        webhookNote: null,
        problem: missing(services),
        ...NO_OUTAGES,
      };
    }
    return services.defectDojo.connection();
  }

  @Authorized(SUPERUSER)
  @Mutation(() => ImportReportType, {
    description:
      "Copies DefectDojo's notification settings into the bridge: system settings, system notifications, personal notifications, " +
      "Slack e-mails. Writes only what differs; DefectDojo failing while it is read changes nothing.",
  })
  async importFromDefectDojo(@Ctx() { services }: RelayContext): Promise<ImportReportType> {
    const dojo = configured(services, "import from DefectDojo");
    const report = await askDefectDojo(() =>
      importFromDefectDojo({
        client: dojo.client,
        settings: services.settings,
        preferences: services.preferences,
        systemWebhookAllowlist: services.systemWebhookAllowlist,
      }),
    );
    return { ...report, importedCount: report.imported.length, unchangedCount: report.unchanged.length, skippedCount: report.skipped.length };
  }

  @Authorized(SUPERUSER)
  @Mutation(() => WebhookRegistrationType, {
    description:
      "Creates or updates the bridge's system webhook endpoint in DefectDojo (`<publicUrl>/webhooks/defectdojo`, with WEBHOOK_HEADER_NAME " +
      "and WEBHOOK_HEADER_VALUE), turns DefectDojo's webhook notifications on and adds webhooks to every event of its system notifications; " +
      "with stopDirectNotifications also takes DefectDojo's own Slack, Teams and mail out of them. Safe to run again.",
  })
  async registerDefectDojoWebhook(
    @Args(() => RegisterWebhookArgs) { publicUrl, stopDirectNotifications }: RegisterWebhookArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<WebhookRegistration> {
    const target = endpointUrlFor(publicUrl);
    if ("problem" in target) throw badUserInput("publicUrl", target.problem);
    const dojo = configured(services, "register the webhook in DefectDojo");
    const { name, value } = dojo.webhookHeader;
    if (value === null) {
      throw notConfigured("WEBHOOK_HEADER_VALUE is not set: the bridge refuses every webhook without it, so none is registered");
    }
    if (value.length > DOJO_WEBHOOK_HEADER_MAX_LENGTH || name.length > DOJO_WEBHOOK_HEADER_MAX_LENGTH) {
      throw notConfigured(`WEBHOOK_HEADER_NAME and WEBHOOK_HEADER_VALUE must be at most ${DOJO_WEBHOOK_HEADER_MAX_LENGTH} characters, what DefectDojo keeps`);
    }
    const registration = await askDefectDojo(
      () => registerWebhook({ client: dojo.client, headerName: name, headerValue: value }, { url: target.url, stopDirectNotifications: stopDirectNotifications ?? false }),
      (error) =>
        // Django's URLField is stricter than a URL parser (a host name needs a dot, or is localhost or an IP).
        error.fields.includes("url") ? badUserInput("publicUrl", "DefectDojo refuses it as a webhook URL (a host name with a dot, an IP address or localhost)") : null,
    );
    // /readyz and /metrics see the endpoint as it is now, not as cached.
    dojo.webhookStatus.refresh().catch(() => undefined);
    return registration;
  }
}

function missing(services: GraphqlServices): string {
  return services.dojoUrl ? "DOJO_API_KEY is not set (a DefectDojo superuser's API v2 key)" : "DOJO_URL and DOJO_API_KEY are not set";
}

function configured(services: GraphqlServices, what: string): DefectDojoAccess {
  if (!services.defectDojo) throw notConfigured(`${missing(services)}: the bridge needs both to ${what}`);
  return services.defectDojo;
}

/** DefectDojo's errors as coded GraphQL errors (their messages name the call, never a secret); `special` may say it better. */
async function askDefectDojo<T>(work: () => Promise<T>, special?: (error: DojoApiError) => Error | null): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof DojoApiError)) throw error;
    throw special?.(error) ?? defectDojoFailed(error.message, error.kind);
  }
}
