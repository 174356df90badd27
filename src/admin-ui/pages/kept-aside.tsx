import { Errors, Status } from "../components";
import { OPERATIONS } from "../operations";
import { listStatus, LoadMore, Page, usePagedList } from "../paged-list";
import type { PageProps } from "../session";

interface KeptAsideRequest {
  id: string;
  receivedAt: string;
  reason: string;
  detail: string;
  eventName: string | null;
  contentType: string | null;
  sizeBytes: number;
  headers: Array<{ name: string; value: string }>;
  body: string | null;
  bodyTruncated: boolean;
}

const PAGE_SIZE = 20;
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });
const bytes = new Intl.NumberFormat();

/**
 * Webhook requests with the right secret that the bridge could not use, newest first. Everything
 * shown came from the request and is untrusted: it is only ever text (Preact escapes it), never markup.
 */
export function KeptAsidePage({ api }: PageProps) {
  const list = usePagedList(
    async (after) =>
      (await api.request<{ keptAsideRequests: Page<KeptAsideRequest> }>(OPERATIONS.keptAsideRequests, { first: PAGE_SIZE, after }))
        .keptAsideRequests,
    [],
  );
  const { rows, errors, loading, refresh } = list;

  return (
    <>
      <p class="intro">
        Webhook requests with the right secret that the bridge could not use (not JSON, wrong types, no event header, too large, an
        event that names nothing…). Each was answered 202, so that DefectDojo keeps the webhook on, and none was sent anywhere.
        The newest 1,000 are kept.
      </p>
      <div class="toolbar">
        <button type="button" onClick={refresh} disabled={loading}>
          Refresh
        </button>
      </div>
      <Errors errors={errors} />
      <Status message={listStatus(list)} />
      {rows && rows.length === 0 ? <p>Nothing kept aside.</p> : null}
      {rows && rows.length > 0 ? (
        <ol class="rules kept-aside" aria-label="Kept-aside requests, newest first">
          {rows.map((row) => (
            <li key={row.id} class="rule" data-reason={row.reason}>
              <h2>
                <code>{row.reason}</code> <span class="sub">#{row.id}</span>
              </h2>
              <dl class="facts">
                <dt>Received</dt>
                <dd>
                  <time dateTime={row.receivedAt}>{dateFormat.format(new Date(row.receivedAt))}</time>
                </dd>
                <dt>Why</dt>
                <dd class="wrap">{row.detail}</dd>
                <dt>Event</dt>
                <dd>{row.eventName === null ? <span class="sub">none</span> : <code>{row.eventName}</code>}</dd>
                <dt>Content type</dt>
                <dd>{row.contentType ?? <span class="sub">none</span>}</dd>
                <dt>Size</dt>
                <dd>{bytes.format(row.sizeBytes)} bytes</dd>
              </dl>
              <details>
                <summary>Headers ({row.headers.length})</summary>
                <pre>{row.headers.map((header) => `${header.name}: ${header.value}`).join("\n")}</pre>
              </details>
              <details>
                <summary>
                  Body
                  {row.body === null ? " (not kept)" : row.bodyTruncated ? " (its beginning only)" : ""}
                </summary>
                {row.body === null ? <p>None of the body was kept.</p> : <pre>{row.body}</pre>}
              </details>
            </li>
          ))}
        </ol>
      ) : null}
      <LoadMore list={list} />
    </>
  );
}
