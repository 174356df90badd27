import { Channel } from "../channels/channel-id";
import { WebhookAllowlist } from "../channels/msteams/webhook-allowlist";
import { Caller } from "../defectdojo/user-profile";
import { Database } from "../storage/database";
import { DeliveryEntity } from "../storage/entities/delivery.entity";
import { PreferencesStore } from "../storage/preferences-store";
import { SettingsStore } from "../storage/settings-store";

export type { Caller };

/** What resolvers may use; built once in the composition root. */
export interface GraphqlServices {
  db: Database;
  settings: SettingsStore;
  preferences: PreferencesStore;
  /** Where a user's personal Teams URL may point (PERSONAL_WEBHOOK_ALLOWLIST). */
  webhookAllowlist: WebhookAllowlist;
  /**
   * The DefectDojo user with this id, or null when DefectDojo has none. Called only by
   * superuser operations on another user (`user`, `setUserNotification`), once per operation;
   * throws when DefectDojo cannot be asked.
   */
  lookupUser(id: number): Promise<Caller | null>;
  /** Queues a test message on the channel's system-wide target and makes the first attempt at once. */
  sendTestNotification(channel: Channel): Promise<DeliveryEntity>;
}

export interface RelayContext {
  caller: Caller;
  services: GraphqlServices;
}
