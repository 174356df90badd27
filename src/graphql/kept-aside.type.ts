import { Field, Float, GraphQLISODateTime, ID, ObjectType, registerEnumType } from "type-graphql";
import { KeptAsideReason, KeptAsideRequestEntity } from "../storage/entities/kept-aside-request.entity";
import { PageInfo } from "./newest-first-page";

registerEnumType(KeptAsideReason, {
  name: "KeptAsideReason",
  description: "Why an authenticated webhook request was kept aside rather than becoming an event.",
  valuesConfig: {
    TOO_LARGE: { description: "Larger than WEBHOOK_MAX_BYTES: read to its end, none of it kept." },
    UNSUPPORTED_CONTENT_TYPE: { description: "A Content-Type other than JSON." },
    MISSING_EVENT_HEADER: { description: "No X-DefectDojo-Event header." },
    MALFORMED_EVENT_HEADER: { description: "An X-DefectDojo-Event that is not one snake_case event name." },
    INVALID_JSON: { description: "The body is not JSON." },
    NOT_AN_OBJECT: { description: "The body is JSON but not an object." },
    INVALID_PAYLOAD: { description: "A field the bridge reads has the wrong type." },
    NAMES_NOTHING: { description: "No title, no DefectDojo object and no url_ui: a message would say nothing." },
  },
});

@ObjectType("HttpHeader")
export class HttpHeaderType {
  @Field(() => String, { description: "As the client spelled it." })
  name: string;

  @Field(() => String, { description: "Cut at 1,000 characters; `[redacted]` for the secret header and credentials." })
  value: string;
}

@ObjectType("KeptAsideRequest", {
  description: "An authenticated webhook request the bridge could not use: answered 202, kept here, never sent.",
})
export class KeptAsideRequestType {
  @Field(() => ID)
  id: string;

  @Field(() => GraphQLISODateTime)
  receivedAt: Date;

  @Field(() => KeptAsideReason)
  reason: KeptAsideReason;

  @Field(() => String, { description: "The reason in words (which field was wrong, what the limit is)." })
  detail: string;

  @Field(() => String, { nullable: true, description: "X-DefectDojo-Event as sent (cut at 200 characters); null when absent." })
  eventName: string | null;

  @Field(() => String, { nullable: true })
  contentType: string | null;

  @Field(() => Float, { description: "Bytes received (a Float: a drained upload may pass 2^31)." })
  sizeBytes: number;

  @Field(() => [HttpHeaderType], { description: "In the order received, at most 50." })
  headers: HttpHeaderType[];

  @Field(() => String, {
    nullable: true,
    description: "The body as UTF-8 text (other bytes and NUL as U+FFFD), its first 64 KiB; null when none was kept. Untrusted text.",
  })
  body: string | null;

  @Field(() => Boolean, { description: "True when `body` holds less than `sizeBytes`." })
  bodyTruncated: boolean;
}

export function toKeptAsideRequestType(row: KeptAsideRequestEntity): KeptAsideRequestType {
  return {
    id: String(row.id),
    receivedAt: new Date(row.receivedAt),
    reason: row.reason,
    detail: row.detail,
    eventName: row.eventName,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    headers: row.headers.map(({ name, value }) => ({ name, value })),
    body: row.body,
    bodyTruncated: row.bodyTruncated,
  };
}

@ObjectType("KeptAsideRequestEdge")
export class KeptAsideRequestEdge {
  @Field(() => String)
  cursor: string;

  @Field(() => KeptAsideRequestType)
  node: KeptAsideRequestType;
}

@ObjectType("KeptAsideRequestConnection", { description: "Kept-aside webhook requests, newest first (Relay cursor connection)." })
export class KeptAsideRequestConnection {
  @Field(() => [KeptAsideRequestEdge])
  edges: KeptAsideRequestEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
