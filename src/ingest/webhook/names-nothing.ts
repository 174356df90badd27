import { DojoEvent } from "../../events/dojo-event";

/**
 * An event with no title, no DefectDojo object and no link: a message about it would say nothing
 * but its event name. DefectDojo's notifications all carry a title, and most an object or a
 * `url_ui` (dojo/notifications/templates/notifications/webhooks/other.tpl and the per-event ones,
 * 2.58.2-changelog and HEAD), so such a body is kept aside, not sent. `ping` (a title of "" and a
 * description only) is not a notification and is judged apart (see isSilentEvent).
 */
export function namesNothing(event: DojoEvent): boolean {
  return (
    event.title.trim() === "" &&
    event.urlUi === null &&
    event.productType === null &&
    event.product === null &&
    event.engagement === null &&
    event.test === null &&
    event.finding === null &&
    event.findings === null
  );
}
