import { Channel } from "../channels/channel-id";
import { Caller } from "../defectdojo/user-profile";
import { Database } from "../storage/database";
import { DeliveryEntity } from "../storage/entities/delivery.entity";
import { SettingsStore } from "../storage/settings-store";

export type { Caller };

/** What resolvers may use; built once in the composition root. */
export interface GraphqlServices {
  db: Database;
  settings: SettingsStore;
  /** Queues a test message on the channel's system-wide target and makes the first attempt at once. */
  sendTestNotification(channel: Channel): Promise<DeliveryEntity>;
}

export interface RelayContext {
  caller: Caller;
  services: GraphqlServices;
}
