import { useState } from "preact/hooks";
import { CheckboxField, Errors, Loading, Status, TextField, useAction, useLoad } from "../components";
import { OPERATIONS } from "../operations";
import type { PageProps } from "../session";

interface Connection {
  reachable: boolean;
  version: string | null;
  authorizationModel: string | null;
  webhookStatus: string | null;
  /** DefectDojo's note on the endpoint's last error. */
  webhookNote: string | null;
  /** Why DefectDojo is not reachable, or not configured. */
  problem: string | null;
  /** When the bridge last re-created its endpoint in DefectDojo. */
  lastHealedAt: string | null;
  /** The latest time DefectDojo skipped its webhook, with the sentence that says what may be missing. */
  skippedWindow: { from: string; to: string | null; healed: boolean; message: string } | null;
}

interface ReportLine {
  what: string;
  reason: string | null;
}

interface ImportReport {
  imported: ReportLine[];
  unchanged: ReportLine[];
  skipped: ReportLine[];
}

interface Registration {
  endpointId: number | string;
  url: string;
  created: boolean;
  status: string;
  directChannelsStopped: boolean;
  /** What else was done, or is left to do in DefectDojo. */
  notes: string[];
}

/** DefectDojo's webhook statuses that mean it sends the bridge nothing until someone acts. */
const INACTIVE = new Set(["inactive_tmp", "inactive_permanent"]);
/** DefectDojo's own words for its webhook statuses (Notification_Webhooks.Status). */
const WEBHOOK_STATUS_TEXT: Record<string, string> = {
  active: "Active",
  active_tmp: "Active but 5xx (or similar) error detected",
  inactive_tmp: "Temporary inactive because of 5xx (or similar) error",
  inactive_permanent: "Permanently inactive",
};

/** How the bridge and DefectDojo are connected, and the two one-off steps that connect them. */
export function ConnectPage({ api }: PageProps) {
  const connection = useLoad(() => api.request<{ defectDojoConnection: Connection }>(OPERATIONS.defectDojoConnection).then((d) => d.defectDojoConnection));
  return (
    <>
      <section aria-labelledby="connection-heading">
        <h2 id="connection-heading">Connection</h2>
        {connection.data ? <ConnectionState connection={connection.data} /> : <Loading errors={connection.errors} />}
        <div class="actions">
          <button type="button" onClick={connection.reload}>
            Check again
          </button>
        </div>
      </section>
      <ImportSection api={api} />
      <RegisterSection api={api} onRegistered={connection.reload} />
    </>
  );
}

function ConnectionState({ connection }: { connection: Connection }) {
  const status = connection.webhookStatus;
  const inactive = status !== null && INACTIVE.has(status);
  return (
    <>
      <dl class="facts">
        <dt>DefectDojo</dt>
        <dd>
          {connection.reachable ? <span class="badge ok">reachable</span> : <span class="badge bad">not reachable</span>}
          {connection.problem ? <span class="sub"> {connection.problem}</span> : null}
        </dd>
        <dt>Version</dt>
        <dd>{connection.version ?? "unknown"}</dd>
        <dt>Authorization model</dt>
        <dd>{connection.authorizationModel ?? "unknown"}</dd>
        <dt>Webhook to this bridge</dt>
        <dd>
          {status === null ? (
            "not registered"
          ) : (
            <span class={inactive ? "badge bad" : status === "active" ? "badge ok" : "badge warn"}>
              {WEBHOOK_STATUS_TEXT[status] ?? status} ({status})
            </span>
          )}
          {connection.webhookNote ? <span class="sub"> {connection.webhookNote}</span> : null}
        </dd>
        {connection.lastHealedAt ? (
          <>
            <dt>Last turned back on</dt>
            <dd>{connection.lastHealedAt} (the bridge re-created its endpoint after DefectDojo had turned it off)</dd>
          </>
        ) : null}
      </dl>
      {connection.skippedWindow ? (
        <div class="alert" role="status">
          <p>{connection.skippedWindow.message}</p>
        </div>
      ) : null}
      {inactive ? (
        <div class="alert" role="alert">
          <p>
            <strong>DefectDojo is not sending notifications to this bridge.</strong> Its webhook is{" "}
            {status === "inactive_permanent"
              ? "permanently inactive: DefectDojo gave up after repeated errors."
              : "temporarily inactive after an error; DefectDojo tries again later."}{" "}
            {status === "inactive_permanent"
              ? "The bridge re-creates it by itself within a minute (unless DOJO_WEBHOOK_SELF_HEAL=off); otherwise register the webhook again below."
              : "Nothing to do: DefectDojo turns it back on within minutes."}
          </p>
        </div>
      ) : null}
    </>
  );
}

function ReportList({ title, lines }: { title: string; lines: ReportLine[] }) {
  return (
    <>
      <h3>
        {title} ({lines.length})
      </h3>
      {lines.length === 0 ? (
        <p class="hint">None.</p>
      ) : (
        <ul>
          {lines.map((line, index) => (
            <li key={index}>
              {line.what}
              {line.reason ? <span class="sub"> — {line.reason}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ImportSection({ api }: { api: PageProps["api"] }) {
  const action = useAction();
  const [report, setReport] = useState<ImportReport | null>(null);
  const run = () =>
    action.run(async () => {
      setReport(null);
      const { importFromDefectDojo } = await api.request<{ importFromDefectDojo: ImportReport }>(OPERATIONS.importFromDefectDojo);
      setReport(importFromDefectDojo);
      return `Import done: ${importFromDefectDojo.imported.length} imported, ${importFromDefectDojo.unchanged.length} unchanged, ${importFromDefectDojo.skipped.length} skipped.`;
    });
  return (
    <section aria-labelledby="import-heading">
      <h2 id="import-heading">Import settings from DefectDojo</h2>
      <p class="intro">
        Copies DefectDojo's own notification settings (system and personal) into the bridge; what the bridge cannot use is
        listed as skipped, with the reason.
      </p>
      <div class="actions">
        <button type="button" onClick={run} disabled={action.busy}>
          Import settings from DefectDojo
        </button>
      </div>
      <Errors errors={action.errors} />
      <Status message={action.status} />
      {report ? (
        <div class="report">
          <ReportList title="Imported" lines={report.imported} />
          <ReportList title="Unchanged" lines={report.unchanged} />
          <ReportList title="Skipped" lines={report.skipped} />
        </div>
      ) : null}
    </section>
  );
}

function RegisterSection({ api, onRegistered }: { api: PageProps["api"]; onRegistered(): void }) {
  // Where the browser reached the bridge is the best first guess of where DefectDojo can.
  const [publicUrl, setPublicUrl] = useState(location.origin);
  const [stop, setStop] = useState(false);
  const action = useAction();
  const [notes, setNotes] = useState<string[]>([]);
  const onSubmit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      setNotes([]);
      const { registerDefectDojoWebhook: r } = await api.request<{ registerDefectDojoWebhook: Registration }>(OPERATIONS.registerDefectDojoWebhook, {
        publicUrl: publicUrl.trim(),
        stopDirectNotifications: stop,
      });
      onRegistered();
      setNotes(r.notes);
      const stopped = r.directChannelsStopped ? " DefectDojo's own Slack, Teams and mail notifications are off." : "";
      return `${r.created ? "Registered" : "Updated"} DefectDojo webhook ${r.endpointId} to ${r.url}; status ${r.status}.${stopped}`;
    });
  };
  return (
    <section aria-labelledby="register-heading">
      <h2 id="register-heading">Register webhook</h2>
      <form onSubmit={onSubmit} class="settings">
        <TextField
          id="public-url"
          label="Public URL of this bridge"
          type="url"
          required
          value={publicUrl}
          onInput={setPublicUrl}
          hint="The address DefectDojo's server can reach the bridge at; DefectDojo will send its webhooks to it."
        />
        <CheckboxField
          id="stop-direct"
          label="Stop DefectDojo's own Slack/Teams/mail notifications"
          checked={stop}
          onChange={setStop}
          hint="So that nobody gets each message twice: once from DefectDojo and once from the bridge."
        />
        <div class="actions">
          <button type="submit" disabled={action.busy}>
            Register webhook
          </button>
        </div>
        <Errors errors={action.errors} />
        <Status message={action.status} />
        {notes.length > 0 ? (
          <ul class="notes">
            {notes.map((note, index) => (
              <li key={index}>{note}</li>
            ))}
          </ul>
        ) : null}
      </form>
    </section>
  );
}
