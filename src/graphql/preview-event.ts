import { DojoEvent } from "../events/dojo-event";
import { InvalidPayloadError, parseWebhookPayload } from "../events/webhook-payload";
import { EVENT_NAME } from "../ingest/webhook/webhook-receiver";
import { badUserInput } from "./errors";

/** The event DefectDojo's webhook would bring (name and body as JSON text), checked as the webhook receiver checks it. */
export function previewEvent(name: string, payload: string): DojoEvent {
  if (!EVENT_NAME.test(name)) throw badUserInput("event", "must be a DefectDojo event name such as scan_added");
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    throw badUserInput("payload", "is not valid JSON");
  }
  try {
    return parseWebhookPayload(name, null, body);
  } catch (error) {
    if (error instanceof InvalidPayloadError) throw badUserInput("payload", error.message);
    throw error;
  }
}
