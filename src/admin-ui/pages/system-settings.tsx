import { useState } from "preact/hooks";
import {
  CheckboxField,
  Errors,
  KEEP,
  Loading,
  SecretEdit,
  SecretField,
  secretInput,
  splitList,
  Status,
  TextField,
  useAction,
  useLoad,
} from "../components";
import { Channel, CHANNEL_LABELS, DeliveryStatus } from "../labels";
import { OPERATIONS } from "../operations";
import type { PageProps } from "../session";

interface SystemSettings {
  enableSlackNotifications: boolean;
  slackChannel: string;
  slackUsername: string;
  slackTokenSet: boolean;
  enableMsteamsNotifications: boolean;
  msteamsUrlSet: boolean;
  enableMailNotifications: boolean;
  mailNotificationsTo: string[];
  linkOnly: boolean;
}

interface TestDelivery {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  target: string;
}

/** DefectDojo's System Settings, its notification part, with DefectDojo's own field labels. */
export function SystemSettingsPage({ api }: PageProps) {
  const loaded = useLoad(() => api.request<{ systemSettings: SystemSettings }>(OPERATIONS.systemSettings).then((d) => d.systemSettings));
  if (!loaded.data) return <Loading errors={loaded.errors} />;
  return <SettingsForm api={api} settings={loaded.data} onSaved={loaded.setData} />;
}

function SettingsForm(props: { api: PageProps["api"]; settings: SystemSettings; onSaved(settings: SystemSettings): void }) {
  const { api, settings } = props;
  const [draft, setDraft] = useState(() => ({ ...settings, mailNotificationsTo: settings.mailNotificationsTo.join(", ") }));
  const [slackToken, setSlackToken] = useState<SecretEdit>(KEEP);
  const [msteamsUrl, setMsteamsUrl] = useState<SecretEdit>(KEEP);
  const save = useAction();
  const set = <K extends keyof typeof draft>(key: K) => (value: (typeof draft)[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void save.run(async () => {
      const input = {
        enableSlackNotifications: draft.enableSlackNotifications,
        slackChannel: draft.slackChannel.trim(),
        slackUsername: draft.slackUsername.trim(),
        slackToken: secretInput(slackToken),
        enableMsteamsNotifications: draft.enableMsteamsNotifications,
        msteamsUrl: secretInput(msteamsUrl),
        enableMailNotifications: draft.enableMailNotifications,
        mailNotificationsTo: splitList(draft.mailNotificationsTo),
        linkOnly: draft.linkOnly,
      };
      const { updateSystemSettings: saved } = await api.request<{ updateSystemSettings: SystemSettings }>(OPERATIONS.updateSystemSettings, { input });
      // The secrets typed are dropped from the page as soon as they are stored.
      setSlackToken(KEEP);
      setMsteamsUrl(KEEP);
      setDraft({ ...saved, mailNotificationsTo: saved.mailNotificationsTo.join(", ") });
      props.onSaved(saved);
      return "System settings saved.";
    });
  };

  return (
    <form onSubmit={onSubmit} class="settings">
      <fieldset>
        <legend>Slack</legend>
        <CheckboxField
          id="enable-slack"
          label="Enable Slack notifications"
          checked={draft.enableSlackNotifications}
          onChange={set("enableSlackNotifications")}
        />
        <SecretField
          id="slack-token"
          label="Slack token"
          isSet={settings.slackTokenSet}
          edit={slackToken}
          onEdit={setSlackToken}
          hint="The bot token (xoxb-…) of your Slack app; it is stored encrypted and never shown again."
        />
        <TextField
          id="slack-channel"
          label="Slack Channel"
          value={draft.slackChannel}
          onInput={set("slackChannel")}
          hint="A channel name (#security, security-alerts) or id (C0123ABCD)."
        />
        <TextField
          id="slack-username"
          label="Slack Username"
          value={draft.slackUsername}
          onInput={set("slackUsername")}
          hint="The name the bot posts as (needs the chat:write.customize scope)."
        />
        <SendTest api={api} channel="SLACK" />
      </fieldset>

      <fieldset>
        <legend>Microsoft Teams</legend>
        <CheckboxField
          id="enable-msteams"
          label="Enable Microsoft Teams notifications"
          checked={draft.enableMsteamsNotifications}
          onChange={set("enableMsteamsNotifications")}
        />
        <SecretField
          id="msteams-url"
          label="Msteams url"
          isSet={settings.msteamsUrlSet}
          edit={msteamsUrl}
          onEdit={setMsteamsUrl}
          hint="The URL of a Teams Workflows trigger (“When a Teams webhook request is received”); it is a credential, stored encrypted and never shown again."
        />
        <SendTest api={api} channel="MSTEAMS" />
      </fieldset>

      <fieldset>
        <legend>Mail</legend>
        <CheckboxField
          id="enable-mail"
          label="Enable mail notifications"
          checked={draft.enableMailNotifications}
          onChange={set("enableMailNotifications")}
        />
        <TextField
          id="mail-to"
          label="Mail notifications to"
          value={draft.mailNotificationsTo}
          onInput={set("mailNotificationsTo")}
          hint="Every address system e-mails go to, separated by commas."
        />
        <SendTest api={api} channel="MAIL" />
      </fieldset>

      <fieldset>
        <legend>Messages</legend>
        <CheckboxField
          id="link-only"
          label="Link-only messages"
          checked={draft.linkOnly}
          onChange={set("linkOnly")}
          hint="For messages no routing rule sends: only what happened and a link to DefectDojo, no titles or names."
        />
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

/** Sends a test message with the saved settings and says how its first attempt went. */
function SendTest({ api, channel }: { api: PageProps["api"]; channel: Channel }) {
  const test = useAction();
  const label = CHANNEL_LABELS[channel];
  const send = () =>
    test.run(async () => {
      const { sendTestNotification: delivery } = await api.request<{ sendTestNotification: TestDelivery }>(OPERATIONS.sendTestNotification, { channel });
      const to = delivery.target ? ` to ${delivery.target}` : "";
      const error = delivery.lastError ? `: ${delivery.lastError}` : "";
      return `${label} test${to}: ${delivery.status} after ${delivery.attempts} ${delivery.attempts === 1 ? "attempt" : "attempts"}${error}`;
    });
  return (
    <div class="send-test">
      <button type="button" onClick={send} disabled={test.busy} aria-describedby={`test-${channel}-hint`}>
        Send test<span class="visually-hidden"> ({label})</span>
      </button>
      <span class="hint" id={`test-${channel}-hint`}>
        to the saved {label} settings, enabled or not
      </span>
      <Errors errors={test.errors} />
      <Status message={test.status} />
    </div>
  );
}
