import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { nonPublicLiteralReason } from "../channels/msteams/webhook-allowlist";
import { SystemSettings, SystemSettingsUpdate } from "../storage/settings-store";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { badUserInput } from "./errors";
import { SystemSettingsInput } from "./system-settings.input";
import { SystemSettingsType } from "./system-settings.type";

@Resolver()
export class SystemSettingsResolver {
  @Authorized(SUPERUSER)
  @Query(() => SystemSettingsType)
  async systemSettings(@Ctx() { services }: RelayContext): Promise<SystemSettings> {
    return services.settings.publicSystemSettings();
  }

  /** Runs only after the input passed validation (validateInput), so a bad field changes nothing. */
  @Authorized(SUPERUSER)
  @Mutation(() => SystemSettingsType)
  async updateSystemSettings(
    @Arg("input", () => SystemSettingsInput) input: SystemSettingsInput,
    @Ctx() { services }: RelayContext,
  ): Promise<SystemSettings> {
    // GraphQL lets a client send null for an optional field; here it means "unchanged", like absent.
    const update: SystemSettingsUpdate = Object.fromEntries(
      Object.entries(input).filter(([, value]) => value !== null && value !== undefined),
    );
    const refused = update.msteamsUrl ? nonPublicLiteralReason(services.systemWebhookAllowlist, update.msteamsUrl) : null;
    if (refused) throw badUserInput("msteamsUrl", refused);
    return services.settings.updateSystemSettings(update);
  }
}
