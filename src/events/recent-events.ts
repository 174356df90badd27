import { LRUCache } from "lru-cache";
import { DojoEvent } from "./dojo-event";

/** What the events handed over may weigh at once, by the size of their bodies. */
export const RECENT_EVENTS_MAX_BYTES = 48 * 1024 * 1024;
/** An event the fan-out has not taken by then is read from the database, as after a restart. */
const RECENT_EVENT_TTL_MS = 60_000;

export interface RecentEvents {
  /** An event just committed whose personal copies are still to be worked out. */
  remember(eventId: number, event: DojoEvent, sizeBytes: number): void;
  /** The event as it was stored, once, or undefined when it must be read from the database. */
  take(eventId: number): DojoEvent | undefined;
}

/**
 * Events this process stored a moment ago, handed to its fan-out so it need not read and parse
 * them again: a re-import's data can be tens of MB, and a second parsed copy of it was much of the
 * memory a large webhook took. Bounded by size and time; what is not here comes from the database.
 */
export function createRecentEvents(maxBytes = RECENT_EVENTS_MAX_BYTES): RecentEvents {
  const events = new LRUCache<number, DojoEvent>({ maxSize: maxBytes, ttl: RECENT_EVENT_TTL_MS });
  return {
    remember(eventId, event, sizeBytes) {
      if (sizeBytes <= maxBytes) events.set(eventId, event, { size: Math.max(1, sizeBytes) });
    },
    take(eventId) {
      const event = events.get(eventId);
      events.delete(eventId);
      return event;
    },
  };
}
