import { useState } from "preact/hooks";
import { Errors, KEEP, Loading, SecretEdit, SecretField, secretInput, SelectField, Status, TextField, useAction, useLoad } from "../components";
import { Severity, SEVERITIES, SEVERITY_LABELS } from "../labels";
import { OPERATIONS } from "../operations";
import type { PageProps } from "../session";

interface Contact {
  slackEmail: string | null;
  email: string | null;
  msteamsUrlSet: boolean;
  minSeverity: Severity | null;
  digestWindowSeconds: number;
  quietHoursStart: string | null;
  quietHoursEnd: string | null;
  timeZone: string | null;
}

interface Profile {
  username: string;
  email: string;
  contact: Contact;
}

interface Draft {
  slackEmail: string;
  email: string;
  minSeverity: Severity | "";
  digestWindowSeconds: string;
  quietHoursStart: string;
  quietHoursEnd: string;
  timeZone: string;
}

function draftOf(contact: Contact): Draft {
  return {
    slackEmail: contact.slackEmail ?? "",
    email: contact.email ?? "",
    minSeverity: contact.minSeverity ?? "",
    digestWindowSeconds: String(contact.digestWindowSeconds),
    quietHoursStart: contact.quietHoursStart ?? "",
    quietHoursEnd: contact.quietHoursEnd ?? "",
    timeZone: contact.timeZone ?? "",
  };
}

/** Time zones the browser knows, offered while typing one (any IANA name may still be typed). */
const TIME_ZONES: readonly string[] = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];

/** The signed-in user's addresses (DefectDojo's Slack Email Address and Email) and delivery preferences. */
export function ProfilePage({ api }: PageProps) {
  const loaded = useLoad(() => api.request<{ me: Profile }>(OPERATIONS.profile).then((d) => d.me));
  if (!loaded.data) return <Loading errors={loaded.errors} />;
  return <ProfileForm api={api} profile={loaded.data} onSaved={loaded.setData} />;
}

function ProfileForm(props: { api: PageProps["api"]; profile: Profile; onSaved(profile: Profile): void }) {
  const { api, profile } = props;
  const [draft, setDraft] = useState(() => draftOf(profile.contact));
  const [msteamsUrl, setMsteamsUrl] = useState<SecretEdit>(KEEP);
  const save = useAction();
  const set = (key: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void save.run(async () => {
      // Only what changed: the API shows DefectDojo's e-mail where none is set, and sending that
      // back unchanged would pin it here after the user changes it in DefectDojo.
      const before = draftOf(profile.contact);
      const input: Record<string, unknown> = { minSeverity: draft.minSeverity || null };
      if (draft.slackEmail !== before.slackEmail) input.slackEmail = draft.slackEmail.trim();
      if (draft.email !== before.email) input.email = draft.email.trim();
      if (draft.digestWindowSeconds !== before.digestWindowSeconds) input.digestWindowSeconds = Number(draft.digestWindowSeconds);
      // The API takes the two ends of quiet hours together.
      if (draft.quietHoursStart !== before.quietHoursStart || draft.quietHoursEnd !== before.quietHoursEnd) {
        input.quietHoursStart = draft.quietHoursStart;
        input.quietHoursEnd = draft.quietHoursEnd;
      }
      if (draft.timeZone !== before.timeZone) input.timeZone = draft.timeZone.trim();
      const url = secretInput(msteamsUrl);
      if (url !== undefined) input.msteamsUrl = url;
      const { updateMyContact: saved } = await api.request<{ updateMyContact: Profile }>(OPERATIONS.updateMyContact, { input });
      setMsteamsUrl(KEEP);
      setDraft(draftOf(saved.contact));
      props.onSaved(saved);
      return "Profile saved.";
    });
  };

  return (
    <form onSubmit={onSubmit} class="settings">
      <p class="intro">
        <strong>{profile.username}</strong>
        {profile.email ? ` · DefectDojo e-mail ${profile.email}` : " · no e-mail in DefectDojo"}
      </p>
      <fieldset>
        <legend>Where your notifications go</legend>
        <TextField
          id="slack-email"
          label="Slack Email Address"
          type="email"
          value={draft.slackEmail}
          onInput={set("slackEmail")}
          hint="The e-mail of your Slack account, which Slack finds you by; empty: your DefectDojo e-mail."
        />
        <TextField
          id="email"
          label="Email"
          type="email"
          value={draft.email}
          onInput={set("email")}
          hint="Where your personal e-mails go; empty: your DefectDojo e-mail."
        />
        <SecretField
          id="personal-msteams-url"
          label="Microsoft Teams webhook URL"
          isSet={profile.contact.msteamsUrlSet}
          edit={msteamsUrl}
          onEdit={setMsteamsUrl}
          hint="Your own Teams Workflows URL (trigger “When a Teams webhook request is received”); write-only."
        />
      </fieldset>
      <fieldset>
        <legend>What and when</legend>
        <SelectField
          id="min-severity"
          label="Minimum severity"
          value={draft.minSeverity}
          options={[["", "Every finding"], ...SEVERITIES.map((s) => [s, `${SEVERITY_LABELS[s]} or worse`] as const)]}
          onChange={set("minSeverity")}
          hint="Events that list no findings are not filtered."
        />
        <TextField
          id="digest-window"
          label="Digest window (seconds)"
          type="number"
          min={0}
          max={86400}
          value={draft.digestWindowSeconds}
          onInput={set("digestWindowSeconds")}
          hint="0: each notification at once; otherwise one digest per channel every this many seconds (at most 86400)."
        />
        <TextField
          id="quiet-start"
          label="Quiet hours start"
          type="time"
          value={draft.quietHoursStart}
          onInput={set("quietHoursStart")}
          hint="Messages are held during quiet hours and sent as one digest when they end; clear both times for none."
        />
        <TextField id="quiet-end" label="Quiet hours end" type="time" value={draft.quietHoursEnd} onInput={set("quietHoursEnd")} />
        <div class="field">
          <label for="time-zone">Time zone</label>
          <input
            id="time-zone"
            type="text"
            list="time-zones"
            value={draft.timeZone}
            autocomplete="off"
            spellcheck={false}
            aria-describedby="time-zone-hint"
            onInput={(event) => set("timeZone")(event.currentTarget.value)}
          />
          <p class="hint" id="time-zone-hint">
            The IANA time zone of your quiet hours, e.g. Europe/Berlin; empty: UTC.
          </p>
        </div>
        <datalist id="time-zones">
          {TIME_ZONES.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
      </fieldset>
      <div class="actions">
        <button type="submit" disabled={save.busy}>
          Save
        </button>
      </div>
      <Errors errors={save.errors} />
      <Status message={save.status} />
    </form>
  );
}
