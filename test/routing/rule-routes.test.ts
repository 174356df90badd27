import { Channel } from "../../src/vocabulary/channel";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { NotificationEvent } from "../../src/events/notification-event";
import { Severity } from "../../src/events/severity";
import { EventFacts } from "../../src/routing/rule-matching";
import { DigestGroupBy } from "../../src/vocabulary/digest-group-by";
import { ruleRoutes } from "../../src/routing/rule-routes";
import { MSTEAMS_SYSTEM_TARGET } from "../../src/routing/system-routes";
import { SystemSettings } from "../../src/storage/settings-store";
import { webhookFixture } from "../support/fixtures";
import { testRule } from "../support/routing-rules";

const scan = parseWebhookPayload("scan_added", null, webhookFixture("scan_added"));
const ping = parseWebhookPayload("ping", null, webhookFixture("ping"));
const facts: EventFacts = { productTypeId: 4, productId: 4, engagementId: 7, productTags: [], findings: new Map() };
const settings: SystemSettings = {
  enableSlackNotifications: true,
  slackChannel: "#security",
  slackUsername: "",
  slackTokenSet: true,
  enableMsteamsNotifications: true,
  msteamsUrlSet: true,
  enableMailNotifications: false,
  mailNotificationsTo: [],
  linkOnly: false,
};
const ALL = [Channel.SLACK, Channel.MSTEAMS, Channel.MAIL];
const NOW = 1_700_000_000_000;

describe("ruleRoutes", () => {
  it("falls back to the system-wide settings when no rule matches", () => {
    const routes = ruleRoutes(scan, facts, [testRule({ productIds: [99] })], settings, ALL, NOW);
    expect(routes.map((route) => [route.channel, route.target, route.ruleName])).toEqual([
      [Channel.SLACK, "#security", undefined],
      [Channel.MSTEAMS, MSTEAMS_SYSTEM_TARGET, undefined],
    ]);
  });

  it("sends link-only when the system-wide switch says so", () => {
    const routes = ruleRoutes(scan, facts, [], { ...settings, linkOnly: true }, [Channel.SLACK], NOW);
    expect(routes[0].presentation).toEqual({ linkOnly: true });
  });

  it("sends to every target of every matching rule, once per target, shaped by the first rule that reached it", () => {
    const rules = [
      testRule({
        name: "critical",
        minSeverity: Severity.HIGH,
        continue: true,
        targets: [
          { channel: Channel.SLACK, target: "#sec-high", sealedSecret: null },
          { channel: Channel.MSTEAMS, target: "Teams webhook at example.com", sealedSecret: "sealed" },
        ],
      }),
      testRule({
        name: "everything",
        linkOnly: true,
        targets: [
          { channel: Channel.SLACK, target: "#sec-high", sealedSecret: null },
          { channel: Channel.MAIL, target: "a@example.com, b@example.com", sealedSecret: null },
        ],
      }),
    ];
    const routes = ruleRoutes(scan, facts, rules, settings, ALL, NOW);
    expect(routes).toEqual([
      { channel: Channel.SLACK, target: "#sec-high", recipientUserId: null, presentation: { findingIds: [232] }, targetSecret: null, ruleName: "critical", digest: undefined },
      { channel: Channel.MSTEAMS, target: "Teams webhook at example.com", recipientUserId: null, presentation: { findingIds: [232] }, targetSecret: "sealed", ruleName: "critical", digest: undefined },
      { channel: Channel.MAIL, target: "a@example.com, b@example.com", recipientUserId: null, presentation: { linkOnly: true }, targetSecret: null, ruleName: "everything", digest: undefined },
    ]);
  });

  it("plans a digest window per rule, target and group", () => {
    const byProduct = testRule({ id: 7, digestWindowSeconds: 300, digestGroupBy: DigestGroupBy.PRODUCT });
    const [route] = ruleRoutes(scan, facts, [byProduct], settings, ALL, NOW);
    expect(route.digest).toMatchObject({ ruleId: 7, windowSeconds: 300, dueAt: NOW + 300_000, reason: "window", groupLabel: "notif prod" });
    const [sameProduct] = ruleRoutes(scan, facts, [byProduct], settings, ALL, NOW + 5);
    const [otherProduct] = ruleRoutes(scan, { ...facts, productId: 5 }, [byProduct], settings, ALL, NOW);
    const [byEngagement] = ruleRoutes(scan, facts, [{ ...byProduct, digestGroupBy: DigestGroupBy.ENGAGEMENT }], settings, ALL, NOW);
    expect(sameProduct.digest!.key).toBe(route.digest!.key);
    expect(otherProduct.digest!.key).not.toBe(route.digest!.key);
    expect(byEngagement.digest).toMatchObject({ groupLabel: "notif eng" });
    expect(byEngagement.digest!.key).not.toBe(route.digest!.key);
  });

  it("routes nothing for DefectDojo's ping", () => {
    expect(ruleRoutes(ping, facts, [testRule({ events: [] })], settings, ALL, NOW)).toEqual([]);
    expect(ruleRoutes(ping, facts, [testRule({ events: [NotificationEvent.OTHER] })], settings, ALL, NOW)).toEqual([]);
  });
});
