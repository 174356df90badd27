import { Loading, useLoad } from "../components";
import { EventChannels, EventChannelsRow, EventChannelTable } from "../event-channel-table";
import { OPERATIONS } from "../operations";
import type { PageProps } from "../session";

/** DefectDojo's system notifications: which channels each event goes to, for everyone. */
export function SystemNotificationsPage({ api }: PageProps) {
  const loaded = useLoad(() => api.request<{ systemNotifications: EventChannels[] }>(OPERATIONS.systemNotifications).then((d) => d.systemNotifications));
  if (!loaded.data) return <Loading errors={loaded.errors} />;
  return (
    <>
      <p class="intro">
        Where each DefectDojo event goes system-wide, unless a routing rule sends it. A channel also has to be enabled in
        System Settings.
      </p>
      <EventChannelTable
        idPrefix="system"
        caption="System notifications by event and channel"
        rows={loaded.data}
        save={async (input: EventChannelsRow[]) =>
          (await api.request<{ setSystemNotifications: EventChannels[] }>(OPERATIONS.setSystemNotifications, { input })).setSystemNotifications
        }
      />
    </>
  );
}
