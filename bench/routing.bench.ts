import { Channel } from "../src/vocabulary/channel";
import { ALL_NOTIFICATION_EVENTS } from "../src/events/notification-event";
import { Severity } from "../src/events/severity";
import { parseWebhookPayload } from "../src/events/webhook-payload";
import { EventFacts, matchRules } from "../src/routing/rule-matching";
import { RoutingRule } from "../src/routing/routing-rule";
import { DigestGroupBy } from "../src/vocabulary/digest-group-by";
import { ruleRoutes } from "../src/routing/rule-routes";
import { SystemSettings } from "../src/storage/settings-store";

const RULES = 500;
const EVENTS = 10_000;
const FINDINGS_PER_SCAN = 20;
const SEVERITIES = ["Critical", "High", "Medium", "Low", "Info"];
const EVENT_NAMES = ["scan_added", "product_added", "engagement_added", "test_added", "sla_breach", "risk_acceptance_expiration"];

type Row = { scenario: string; "µs per event": string; "vs parsing the webhook body": string };

/** A small seeded generator: the same rules and events every run. */
function random(seed: number) {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/**
 * Routing 10,000 events against 500 rules: matching alone and the whole `ruleRoutes` (targets,
 * presentation, digest plans), per event. The baseline is what every event costs anyway:
 * validating its webhook body (parseWebhookPayload) in the same run.
 */
export async function benchRouting(): Promise<Row[]> {
  const next = random(42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const ids = (max: number) => (next() < 0.6 ? [] : [1 + Math.floor(next() * max), 1 + Math.floor(next() * max)]);

  const rules: RoutingRule[] = Array.from({ length: RULES }, (_, i) => ({
    id: i + 1,
    name: `rule ${i + 1}`,
    position: i,
    events: next() < 0.3 ? [] : [pick(ALL_NOTIFICATION_EVENTS), pick(ALL_NOTIFICATION_EVENTS)],
    productTypeIds: ids(20),
    productIds: ids(200),
    engagementIds: next() < 0.9 ? [] : ids(2000),
    minSeverity: next() < 0.5 ? null : pick(Object.values(Severity)),
    tags: next() < 0.8 ? [] : [`tag${Math.floor(next() * 20)}`],
    verified: next() < 0.9 ? null : true,
    active: null,
    // Mostly `continue`, so most events are checked against most rules: the expensive case.
    continue: next() < 0.9,
    targets: [{ channel: Channel.SLACK, target: `#channel-${i}`, sealedSecret: null }],
    digestWindowSeconds: next() < 0.5 ? 0 : 300,
    digestGroupBy: pick(Object.values(DigestGroupBy)),
    linkOnly: false,
  }));

  const bodies = Array.from({ length: EVENTS }, (_, i) => {
    const name = pick(EVENT_NAMES);
    const productId = 1 + Math.floor(next() * 200);
    const finding = (n: number) => ({ id: i * 100 + n, title: `finding ${n}`, severity: pick(SEVERITIES), url_ui: `http://dojo/finding/${i * 100 + n}` });
    return {
      name,
      body: {
        title: `event ${i}`,
        description: null,
        url_ui: `http://dojo/event/${i}`,
        product_type: { id: 1 + (productId % 20), name: "type", url_ui: null },
        product: { id: productId, name: `product ${productId}`, url_ui: null },
        engagement: { id: 1 + Math.floor(next() * 2000), name: "engagement", url_ui: null },
        ...(name === "scan_added" && {
          findings: { new: Array.from({ length: FINDINGS_PER_SCAN }, (_, n) => finding(n)), reactivated: [], mitigated: [], untouched: [] },
        }),
      },
    };
  });
  const settings: SystemSettings = {
    enableSlackNotifications: true,
    slackChannel: "#security",
    slackUsername: "",
    slackTokenSet: true,
    enableMsteamsNotifications: false,
    msteamsUrlSet: false,
    enableMailNotifications: false,
    mailNotificationsTo: [],
    linkOnly: false,
  };

  const time = (work: () => void) => {
    work(); // warm-up
    const started = process.hrtime.bigint();
    work();
    return Number(process.hrtime.bigint() - started) / 1e3 / EVENTS;
  };
  const events = bodies.map(({ name, body }) => parseWebhookPayload(name, null, body));
  const facts: EventFacts[] = events.map((event) => ({
    productTypeId: event.productType?.id ?? null,
    productId: event.product?.id ?? null,
    engagementId: event.engagement?.id ?? null,
    productTags: [`tag${(event.product?.id ?? 0) % 20}`],
    findings: new Map(),
  }));

  let sink = 0;
  const parsing = time(() => bodies.forEach(({ name, body }) => (sink += parseWebhookPayload(name, null, body).title.length)));
  const matching = time(() => events.forEach((event, i) => (sink += matchRules(event, facts[i], rules).length)));
  const routing = time(() => events.forEach((event, i) => (sink += ruleRoutes(event, facts[i], rules, settings, [Channel.SLACK], 0).length)));
  const matched = events.reduce((sum, event, i) => sum + matchRules(event, facts[i], rules).length, 0);
  if (sink < 0) console.log(sink);

  const row = (scenario: string, us: number): Row => ({
    scenario,
    "µs per event": us.toFixed(1),
    "vs parsing the webhook body": `${(us / parsing).toFixed(2)}×`,
  });
  return [
    row("baseline: parse and validate the webhook body", parsing),
    row(`match against ${RULES} rules (${(matched / EVENTS).toFixed(1)} matches per event on average)`, matching),
    row(`matching plus targets, presentation and digest plans`, routing),
  ];
}
