import { DojoDirectory } from "../defectdojo/directory";
import { DojoEvent } from "../events/dojo-event";
import { listedFindings } from "../events/dojo-event";
import { EventFacts } from "./rule-matching";
import { DigestGroupBy } from "../vocabulary/digest-group-by";
import { RoutingRule } from "./routing-rule";

/** What DefectDojo is asked when rules need more than the event says. */
export type FactsSource = Pick<DojoDirectory, "productScope" | "engagementOf" | "productTags" | "findingFacts">;

/**
 * The facts the rules need, from the event first and DefectDojo only for what the event lacks and
 * a rule that could match asks for. Without DefectDojo's API, unknown facts stay unknown and the
 * conditions that need them do not match. Rejects when DefectDojo cannot be read (retried later).
 */
export async function gatherFacts(event: DojoEvent, rules: readonly RoutingRule[], source: FactsSource | null): Promise<EventFacts> {
  const facts: EventFacts = {
    productTypeId: event.productType?.id ?? null,
    productId: event.product?.id ?? null,
    engagementId: event.engagement?.id ?? engagementOfSubject(event),
    productTags: [],
    findings: new Map(),
  };
  const candidates = rules.filter((rule) => rule.events.length === 0 || rule.events.includes(event.setting));
  if (!source || candidates.length === 0) return facts;

  const wantsScope = candidates.some((rule) => rule.productTypeIds.length > 0 || rule.productIds.length > 0 || rule.tags.length > 0);
  if (wantsScope && (facts.productId === null || facts.productTypeId === null)) {
    const scope = await source.productScope(event);
    facts.productId ??= scope.productId;
    facts.productTypeId ??= scope.productTypeId;
  }
  const wantsEngagement = candidates.some((rule) => rule.engagementIds.length > 0 || rule.digestGroupBy === DigestGroupBy.ENGAGEMENT);
  if (wantsEngagement && facts.engagementId === null) facts.engagementId = await source.engagementOf(event);
  const tagged = candidates.some((rule) => rule.tags.length > 0);
  const listed = listedFindings(event);
  const wantsFindings =
    listed.length > 0 && candidates.some((rule) => rule.verified !== null || rule.active !== null || rule.tags.length > 0);
  const [productTags, findings] = await Promise.all([
    tagged && facts.productId !== null ? source.productTags(facts.productId) : [],
    wantsFindings ? source.findingFacts(listed.map((finding) => finding.id)) : new Map(),
  ]);
  facts.productTags = productTags.map((tag) => tag.toLowerCase());
  facts.findings = findings;
  return facts;
}

function engagementOfSubject(event: DojoEvent): number | null {
  const subject = event.subject;
  if (subject?.kind === "engagement") return subject.id;
  if (subject?.kind === "risk_acceptance") return subject.engagementId ?? null;
  return null;
}
