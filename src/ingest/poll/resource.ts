import { EntityManager } from "typeorm";
import { z } from "zod";
import { PolledEvent } from "../accept-event";
import { epochOf } from "./api-rows";
import { PollContext } from "./context";

/** Thrown out of a walk when the bridge shuts down: the run ends and stores nothing more. */
export class PollStopped extends Error {}

/** What one run of a resource found, and the state to resume from next time. */
export interface PollOutcome<S> {
  events: PolledEvent[];
  state: S;
  /** Further writes that must commit with the events and the state (an import claiming its findings). */
  alongside?: (manager: EntityManager) => Promise<void>;
}

/**
 * One DefectDojo resource the poller watches. `S` is its cursor, stored as JSON: it must say
 * everything needed to resume after a restart, and nothing the next run can re-read cheaply.
 */
export interface PollResource<S> {
  name: string;
  /** The cursor of a first start: "now" (nothing old is notified), or `since` (POLL_BACKFILL_SINCE). */
  initial(ctx: PollContext, since: number | null): Promise<S>;
  poll(ctx: PollContext, state: S): Promise<PollOutcome<S>>;
  /** The cursor for people, e.g. `id 1234`. */
  describe(state: S): string;
}

/** Highest id seen; while backfilling, rows created since `since` count as new instead. */
export interface IdCursor {
  lastId: number;
  since?: number;
}

export function isNewRow(cursor: IdCursor, row: { id: number; created?: string | null }): boolean {
  if (row.id <= cursor.lastId) return false;
  return cursor.since === undefined || epochOf(row.created) >= cursor.since;
}

export function describeIdCursor(cursor: IdCursor): string {
  return cursor.since !== undefined && cursor.lastId === 0 ? `since ${new Date(cursor.since).toISOString()}` : `id ${cursor.lastId}`;
}

/**
 * The cursor after a walk: the highest id read. Once that is known, ids alone tell new rows;
 * until a backfill has found a row, it keeps comparing creation times with `since`.
 */
export function advancedCursor(cursor: IdCursor, rows: Array<{ id: number }>): IdCursor {
  const lastId = rows.reduce((highest, row) => Math.max(highest, row.id), cursor.lastId);
  return lastId === 0 && cursor.since !== undefined ? { lastId, since: cursor.since } : { lastId };
}

/**
 * Page sizes of a newest-first walk. The first page is small, so a poll with nothing new reads a
 * handful of rows whatever the instance's size; later pages are large, so a burst costs few requests.
 */
export interface WalkPages {
  first: number;
  next: number;
}
export const DEFAULT_WALK: WalkPages = { first: 25, next: 250 };

/**
 * How a walk reads its listing: page sizes, and the row's sort key when that can be null
 * (`created` and `updated` are `null=True` on BaseModel and Test). PostgreSQL puts nulls first in a
 * descending order, so such rows are skipped, never taken for the end of what is new.
 */
export interface WalkOptions<T> {
  pages?: WalkPages;
  sortKey?: (row: T) => string | null | undefined;
}

/**
 * Reads a listing that DefectDojo orders newest first (`o=-id`, `o=-created`, …) until the first
 * row that is not new, and returns the new rows oldest first. A row met twice (rows inserted while
 * paging push older ones down a page) is kept once; a row without a sort key is passed over.
 */
export async function newestRows<T extends { id: number }>(
  ctx: PollContext,
  path: string,
  query: Record<string, string | number | boolean>,
  item: z.ZodType<T>,
  isNew: (row: T) => boolean,
  { pages = DEFAULT_WALK, sortKey }: WalkOptions<T> = {},
): Promise<T[]> {
  const found = new Map<number, T>();
  for (let offset = 0, limit = pages.first; ; limit = pages.next) {
    if (ctx.stopped()) throw new PollStopped();
    const page = await ctx.client.page(path, { ...query, limit, offset }, item);
    for (const row of page.results) {
      if (sortKey && !sortKey(row)) continue;
      if (!isNew(row)) return [...found.values()].reverse();
      if (!found.has(row.id)) found.set(row.id, row);
    }
    if (page.next === null || page.results.length === 0) return [...found.values()].reverse();
    offset += page.results.length;
  }
}

/** The newest row of a listing in `order` that has a sort key, or undefined when there is none. */
export async function newestRow<T extends { id: number }>(
  ctx: PollContext,
  path: string,
  order: string,
  item: z.ZodType<T>,
  sortKey?: (row: T) => string | null | undefined,
): Promise<T | undefined> {
  if (!sortKey) return (await ctx.client.page(path, { o: order, limit: 1, offset: 0 }, item)).results[0];
  for (let offset = 0; ; ) {
    if (ctx.stopped()) throw new PollStopped();
    const page = await ctx.client.page(path, { o: order, limit: DEFAULT_WALK.first, offset }, item);
    const keyed = page.results.find((row) => sortKey(row));
    if (keyed || page.next === null || page.results.length === 0) return keyed;
    offset += page.results.length;
  }
}

/** A first id cursor: the newest row's id (one request), or a backfill from `since`. */
export async function initialIdCursor<T extends { id: number }>(
  ctx: PollContext,
  since: number | null,
  path: string,
  order: string,
  item: z.ZodType<T>,
  sortKey?: (row: T) => string | null | undefined,
): Promise<IdCursor> {
  if (since !== null) return { lastId: 0, since };
  return { lastId: (await newestRow(ctx, path, order, item, sortKey))?.id ?? 0 };
}
