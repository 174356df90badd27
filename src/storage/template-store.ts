import { ALL_CHANNELS, Channel } from "../vocabulary/channel";
import { MessageTemplate } from "../channels/message-template";
import { ALL_NOTIFICATION_EVENTS, NotificationEvent } from "../events/notification-event";
import { Database } from "./database";
import { plainFind } from "./plain-find";
import { MessageTemplateEntity } from "./entities/message-template.entity";

/** A stored template with the event setting and channel it is for. */
export interface StoredMessageTemplate extends MessageTemplate {
  event: NotificationEvent;
  channel: Channel;
}

/**
 * Reads and writes superusers' message templates. Nothing is cached, as in SettingsStore: the
 * delivery worker reads them all with each claim of rows, so a change is in effect for the next
 * claim on every replica. Templates are validated (validateTemplate) before they reach `set`.
 */
export class TemplateStore {
  constructor(private readonly db: Database) {}

  /** Every stored template, in DefectDojo's event order, then channel order. */
  async list(): Promise<StoredMessageTemplate[]> {
    const rows = await plainFind(this.db.manager, MessageTemplateEntity, "");
    const order = (row: MessageTemplateEntity) =>
      ALL_NOTIFICATION_EVENTS.indexOf(row.event) * ALL_CHANNELS.length + ALL_CHANNELS.indexOf(row.channel);
    return rows.sort((a, b) => order(a) - order(b)).map(stored);
  }

  /** The template for an event setting on a channel, or null when the default message applies. */
  async find(event: NotificationEvent, channel: Channel): Promise<MessageTemplate | null> {
    const row = await this.db.manager.findOneBy(MessageTemplateEntity, { event, channel });
    return row && { title: row.title, text: row.text };
  }

  /** Stores (or replaces) the template of an event setting on a channel. */
  async set(event: NotificationEvent, channel: Channel, template: MessageTemplate): Promise<StoredMessageTemplate> {
    const row = { event, channel, title: template.title, text: template.text, updatedAt: Date.now() };
    await this.db.write((manager) => manager.save(MessageTemplateEntity, row));
    return stored(row);
  }

  /** Removes a template, so the default message applies again; false when there was none. */
  async remove(event: NotificationEvent, channel: Channel): Promise<boolean> {
    const result = await this.db.write((manager) => manager.delete(MessageTemplateEntity, { event, channel }));
    return (result.affected ?? 0) > 0;
  }
}

function stored(row: Pick<MessageTemplateEntity, "event" | "channel" | "title" | "text">): StoredMessageTemplate {
  return { event: row.event, channel: row.channel, title: row.title, text: row.text };
}
