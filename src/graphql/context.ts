import { Channel } from "../vocabulary/channel";
import { WebhookAllowlist } from "../channels/msteams/webhook-allowlist";
import { DefectDojoAccess } from "../defectdojo/connection";
import { Caller } from "../defectdojo/user-profile";
import { Database } from "../storage/database";
import { DojoEvent } from "../events/dojo-event";
import { RoutePreview } from "../routing/preview";
import { DeliveryEntity } from "../storage/entities/delivery.entity";
import { PreferencesStore } from "../storage/preferences-store";
import { RoutingRuleStore } from "../storage/routing-rule-store";
import { SettingsStore } from "../storage/settings-store";
import { TemplateStore } from "../storage/template-store";

export type { Caller };

/** What resolvers may use; built once in the composition root. */
export interface GraphqlServices {
  db: Database;
  settings: SettingsStore;
  preferences: PreferencesStore;
  templates: TemplateStore;
  /** DOJO_URL: where previewed messages link when the event names no page of its own. */
  dojoUrl: string | null;
  /** Where a user's personal Teams URL may point (PERSONAL_WEBHOOK_ALLOWLIST). */
  webhookAllowlist: WebhookAllowlist;
  /** SYSTEM_WEBHOOK_ALLOWLIST: private hosts a superuser's Teams URL (settings, rules) may name. */
  systemWebhookAllowlist: WebhookAllowlist;
  /**
   * The DefectDojo user with this id, or null when DefectDojo has none. Called only by
   * superuser operations on another user (`user`, `setUserNotification`), once per operation;
   * throws when DefectDojo cannot be asked.
   */
  lookupUser(id: number): Promise<Caller | null>;
  /** Queues a test message on the channel's system-wide target and makes the first attempt at once. */
  sendTestNotification(channel: Channel): Promise<DeliveryEntity>;
  /** Puts a FAILED delivery back in the outbox and wakes the worker; false when it was not FAILED. */
  requeueFailedDelivery(id: number): Promise<boolean>;
  rules: RoutingRuleStore;
  /** DOJO_URL and DOJO_API_KEY are both set: rules on tags and finding status can be checked. */
  dojoApiConfigured: boolean;
  /** Where the event would go system-wide, asking DefectDojo what rules need; stores and sends nothing. */
  previewRouting(event: DojoEvent): Promise<RoutePreview[]>;
  /** DefectDojo's API with the service key, for importing from it and registering the webhook; absent or null without DOJO_URL and DOJO_API_KEY. */
  defectDojo?: DefectDojoAccess | null;
}

export interface RelayContext {
  caller: Caller;
  services: GraphqlServices;
}
