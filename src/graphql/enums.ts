import { registerEnumType } from "type-graphql";
import { Channel } from "../vocabulary/channel";
import { NotificationEvent } from "../events/notification-event";
import { Severity } from "../events/severity";
import { DigestGroupBy } from "../vocabulary/digest-group-by";
import { DeliveryStatus } from "../storage/entities/delivery.entity";

// The GraphQL enums are the domain enums themselves, so a value never needs mapping.
// Imported (for its side effect) by every type file that uses one of them.
registerEnumType(Channel, { name: "Channel", description: "A delivery channel." });
registerEnumType(NotificationEvent, {
  name: "NotificationEvent",
  description: "DefectDojo's notification settings; an event without its own setting counts as OTHER.",
});
registerEnumType(DeliveryStatus, {
  name: "DeliveryStatus",
  description:
    "PENDING and RETRYING are still in the outbox; SENT, FAILED and SKIPPED are final. SKIPPED: a personal message " +
    "not sent because, checked again before sending, its recipient was no longer active or could no longer view what it is about (lastError says which).",
});
registerEnumType(Severity, { name: "Severity", description: "DefectDojo's finding severities, least severe first." });
registerEnumType(DigestGroupBy, {
  name: "DigestGroupBy",
  description: "What one digest of a rule gathers: every matching event, or those of one product or one engagement.",
});

export { Channel, DeliveryStatus, DigestGroupBy, NotificationEvent, Severity };
