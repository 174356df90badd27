import { webhookFixture } from "./fixtures";
import { Peers } from "./relay-harness";

/**
 * Messages told apart by a tag in their title (`crash-0042`), for the tests that count what each
 * peer received across kills and restarts.
 */
export const CHANNELS = ["SLACK", "MSTEAMS", "MAIL"] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** A product_added of its own (product id and title `<tag>-<n>`). */
export function taggedProductAdded(tag: string, n: number, productIdBase: number) {
  const body = webhookFixture("product_added");
  const name = `${tag}-${String(n).padStart(4, "0")}`;
  return { ...body, title: name, product: { ...(body.product as object), id: productIdBase + n, name } };
}

/** What each peer received, as the tags of the messages, one entry per message. */
export function receivedTags(peers: Peers, tag: string): Record<ChannelName, string[]> {
  const pattern = new RegExp(`${tag}-\\d{4}`);
  const tagOf = (text: string) => pattern.exec(text)?.[0];
  const present = (value: string | undefined): value is string => value !== undefined;
  return {
    SLACK: peers.slack.callsOf("chat.postMessage").map((call) => tagOf(String(call.args.text))).filter(present),
    MSTEAMS: peers.teams.requests.map((request) => tagOf(request.raw)).filter(present),
    MAIL: peers.smtp.messages.map((mail) => tagOf(mail.subject)).filter(present),
  };
}

/**
 * Checks that every channel received each of `events` tags, and that only a message in flight at a
 * kill (`inFlight`, as `<channel> <tag>`) arrived twice; returns how many arrived twice.
 */
export function countRedeliveries(received: Record<ChannelName, string[]>, inFlight: Set<string>, events: number): number {
  let duplicates = 0;
  for (const channel of CHANNELS) {
    const seen = new Set<string>();
    for (const tag of received[channel]) {
      if (seen.has(tag)) {
        expect(inFlight).toContain(`${channel} ${tag}`);
        duplicates += 1;
      }
      seen.add(tag);
    }
    expect(seen.size).toBe(events);
  }
  return duplicates;
}
