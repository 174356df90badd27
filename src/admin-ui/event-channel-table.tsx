import { useEffect, useState } from "preact/hooks";
import { Errors, Status, useAction } from "./components";
import { Channel, CHANNEL_LABELS, CHANNELS, eventLabel } from "./labels";

export interface EventChannels {
  event: string;
  channels: Channel[];
  /** DefectDojo sends the event only to the users it names, never to the bridge: no channel can be set. */
  personalOnly: boolean;
  /** Why, for a personalOnly event. */
  note: string | null;
}

/** A row as the matrix mutations take it (EventChannelsInput). */
export interface EventChannelsRow {
  event: string;
  channels: Channel[];
}

function sameChannels(a: Channel[], b: Channel[]): boolean {
  return a.length === b.length && a.every((channel) => b.includes(channel));
}

/**
 * DefectDojo's notifications table: one row per event, one checkbox per channel (a personal-only
 * event shows its note instead: nothing could send it). "Save" sends the changed rows in one
 * mutation, as DefectDojo's page posts its whole form: all are saved, or none (a refusal keeps the
 * draft, to correct and save again). The table then shows the matrix the mutation returns.
 */
export function EventChannelTable(props: {
  idPrefix: string;
  caption: string;
  rows: EventChannels[];
  save(rows: EventChannelsRow[]): Promise<EventChannels[]>;
}) {
  const [saved, setSaved] = useState(props.rows);
  const [draft, setDraft] = useState(props.rows);
  const action = useAction();
  useEffect(() => {
    setSaved(props.rows);
    setDraft(props.rows);
  }, [props.rows]);

  const toggle = (event: string, channel: Channel, on: boolean) =>
    setDraft((rows) =>
      rows.map((row) =>
        row.event !== event
          ? row
          : { ...row, channels: CHANNELS.filter((c) => (c === channel ? on : row.channels.includes(c))) },
      ),
    );

  const changed = draft.filter((row, index) => !sameChannels(row.channels, saved[index]?.channels ?? []));

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      if (changed.length === 0) return "Nothing to save.";
      const matrix = await props.save(changed.map(({ event, channels }) => ({ event, channels })));
      setSaved(matrix);
      setDraft(matrix);
      return `Saved ${changed.length} ${changed.length === 1 ? "event" : "events"}.`;
    });
  };

  return (
    <form onSubmit={onSubmit} aria-describedby={`${props.idPrefix}-caption`}>
      <div class="table-scroll" role="region" aria-labelledby={`${props.idPrefix}-caption`} tabIndex={0}>
        <table class="matrix">
          <caption id={`${props.idPrefix}-caption`}>{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              {CHANNELS.map((channel) => (
                <th scope="col" key={channel}>
                  {CHANNEL_LABELS[channel]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {draft.map((row) => (
              <tr key={row.event}>
                <th scope="row">{eventLabel(row.event)}</th>
                {row.personalOnly ? (
                  <td colSpan={CHANNELS.length} class="note" id={`${props.idPrefix}-${row.event}-note`}>
                    {row.note ?? "DefectDojo never sends this event to the bridge."}
                  </td>
                ) : (
                  CHANNELS.map((channel) => {
                    const id = `${props.idPrefix}-${row.event}-${channel}`;
                    return (
                      <td key={channel}>
                        <input
                          type="checkbox"
                          id={id}
                          checked={row.channels.includes(channel)}
                          onChange={(event) => toggle(row.event, channel, event.currentTarget.checked)}
                        />
                        <label for={id} class="visually-hidden">
                          {eventLabel(row.event)}: {CHANNEL_LABELS[channel]}
                        </label>
                      </td>
                    );
                  })
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Save
        </button>
        <span class="hint">{changed.length > 0 ? `${changed.length} unsaved` : ""}</span>
      </div>
      <Errors errors={action.errors} />
      <Status message={action.status} />
    </form>
  );
}
