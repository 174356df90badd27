import { Channel } from "../channels/channel-id";
import { Database } from "../storage/database";
import { DeliveryEntity } from "../storage/entities/delivery.entity";
import { SettingsStore } from "../storage/settings-store";

/** The DefectDojo user behind a GraphQL request, as DefectDojo's user profile says. */
export interface Caller {
  id: number;
  username: string;
  email: string;
  isSuperuser: boolean;
}

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
