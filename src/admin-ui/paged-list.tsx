import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, apiErrors } from "./api";

/** One page of a Relay connection, as the admin page's queries select it. */
export interface Page<T> {
  edges: Array<{ node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * A newest-first list read page by page: the first page whenever `deps` change or `refresh()` is
 * called, the next one on `loadMore()`. Only the newest request's answer is shown, so a filter
 * changed mid-request never gets the old rows.
 */
export function usePagedList<T>(fetchPage: (after: string | null) => Promise<Page<T>>, deps: unknown[]) {
  const [rows, setRows] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [errors, setErrors] = useState<ApiError[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);

  const load = async (after: string | null) => {
    const ticket = ++latest.current;
    setLoading(true);
    setErrors(null);
    try {
      const page = await fetchPage(after);
      if (ticket !== latest.current) return;
      const nodes = page.edges.map((edge) => edge.node);
      setRows((old) => (after && old ? [...old, ...nodes] : nodes));
      setNext(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
    } catch (error) {
      if (ticket === latest.current) setErrors(apiErrors(error));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  };

  useEffect(() => {
    setRows(null);
    void load(null);
  }, [...deps, generation]);

  return {
    rows,
    setRows,
    next,
    errors,
    loading,
    refresh: () => setGeneration((n) => n + 1),
    loadMore: () => (next ? load(next) : Promise.resolve()),
  };
}

/** The list's state in words, for a Status line. */
export function listStatus(list: { rows: unknown[] | null; next: string | null; loading: boolean }): string | null {
  if (list.loading) return "Loading…";
  return list.rows ? `${list.rows.length} shown${list.next ? ", more to load" : ""}.` : null;
}

/** "Load more", while the list has a next page. */
export function LoadMore({ list }: { list: { next: string | null; loading: boolean; loadMore: () => unknown } }) {
  return list.next ? (
    <div class="actions">
      <button type="button" onClick={() => void list.loadMore()} disabled={list.loading}>
        Load more
      </button>
    </div>
  ) : null;
}
