import { Loading, useLoad } from "../components";
import { EventChannels, EventChannelsRow, EventChannelTable } from "../event-channel-table";
import { OPERATIONS } from "../operations";
import type { PageProps } from "../session";

/** DefectDojo's personal notifications: which channels notify the signed-in user of each event. */
export function PersonalNotificationsPage({ api }: PageProps) {
  const loaded = useLoad(() => api.request<{ me: { notifications: EventChannels[] } }>(OPERATIONS.myNotifications).then((d) => d.me.notifications));
  if (!loaded.data) return <Loading errors={loaded.errors} />;
  return (
    <>
      <p class="intro">
        The events that notify you personally, about the products you can see in DefectDojo. Your addresses are on your{" "}
        <a href="#/profile">Profile</a>.
      </p>
      <EventChannelTable
        idPrefix="personal"
        caption="Your notifications by event and channel"
        rows={loaded.data}
        save={async (input: EventChannelsRow[]) =>
          (await api.request<{ setMyNotifications: EventChannels[] }>(OPERATIONS.setMyNotifications, { input })).setMyNotifications
        }
      />
    </>
  );
}
