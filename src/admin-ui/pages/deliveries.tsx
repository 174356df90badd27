import { useState } from "preact/hooks";
import { Errors, SelectField, Status, useAction } from "../components";
import { Channel, CHANNEL_LABELS, DELIVERY_STATUSES, DeliveryStatus } from "../labels";
import { OPERATIONS } from "../operations";
import { listStatus, LoadMore, Page, usePagedList } from "../paged-list";
import type { PageProps } from "../session";

interface Delivery {
  id: string;
  event: string;
  eventTitle: string | null;
  channel: Channel;
  target: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

const PAGE_SIZE = 25;
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });

/** The delivery log, newest first: every delivery for superusers, the user's own personal ones otherwise. */
export function DeliveriesPage({ api, me }: PageProps) {
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const retry = useAction();
  const list = usePagedList(
    async (after) =>
      (await api.request<{ deliveries: Page<Delivery> }>(OPERATIONS.deliveries, { first: PAGE_SIZE, after, status: status || null }))
        .deliveries,
    [status],
  );
  const { rows, setRows, errors, loading, refresh } = list;

  const retryRow = (row: Delivery) =>
    retry.run(async () => {
      const { retryDelivery: updated } = await api.request<{ retryDelivery: Delivery }>(OPERATIONS.retryDelivery, { id: row.id });
      setRows((old) => old && old.map((r) => (r.id === updated.id ? updated : r)));
      return `Delivery ${row.id} is queued again: ${updated.status}.`;
    });

  return (
    <>
      <p class="intro">
        {me.isSuperuser ? "Every message the bridge sent or tries to send, newest first." : "The messages sent to you personally, newest first."}
      </p>
      <div class="toolbar">
        <SelectField<DeliveryStatus | "">
          id="status-filter"
          label="Status"
          value={status}
          options={[["", "All"], ...DELIVERY_STATUSES.map((s) => [s, s] as const)]}
          onChange={setStatus}
        />
        <button type="button" onClick={refresh} disabled={loading}>
          Refresh
        </button>
      </div>
      <Errors errors={errors} />
      <Errors errors={retry.errors} />
      <Status message={retry.status ?? listStatus(list)} />
      {rows && rows.length === 0 ? <p>No deliveries{status ? ` with status ${status}` : ""}.</p> : null}
      {rows && rows.length > 0 ? (
        <div class="table-scroll" role="region" aria-labelledby="deliveries-caption" tabIndex={0}>
          <table class="deliveries">
            <caption id="deliveries-caption">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Channel</th>
                <th scope="col">Target</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-status={row.status}>
                  <td>
                    <time dateTime={row.createdAt}>{dateFormat.format(new Date(row.createdAt))}</time>
                  </td>
                  <td>
                    <code>{row.event}</code>
                    {row.eventTitle ? <div class="sub">{row.eventTitle}</div> : null}
                  </td>
                  <td>{CHANNEL_LABELS[row.channel]}</td>
                  <td class="wrap">{row.target}</td>
                  <td>
                    <span class={`badge status-${row.status.toLowerCase()}`}>{row.status}</span>
                  </td>
                  <td>{row.attempts}</td>
                  <td class="wrap">{row.lastError ?? ""}</td>
                  <td>
                    {row.status === "FAILED" ? (
                      <button type="button" onClick={() => retryRow(row)} disabled={retry.busy}>
                        Retry<span class="visually-hidden"> delivery {row.id}</span>
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore list={list} />
    </>
  );
}
