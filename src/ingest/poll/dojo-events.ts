import { DojoEvent, FindingRef, ObjectRef, ScanFindings, textEvent } from "../../events/dojo-event";
import { SlaBreachKind } from "../../events/idempotency";
import { engagementLabel } from "../../events/nameless-objects";
import { settingForEvent } from "../../events/notification-event";
import { DojoUserRow } from "../../defectdojo/user-row";
import { EngagementRow, FindingRow, ProductRow, ProductTypeRow } from "./api-rows";
import { DojoLinks, EngagementChain, TestChain } from "./context";

/*
 * Events the poller derives, written as DefectDojo writes them (titles and descriptions from its
 * notification code, links from its URL patterns), so a polled event reads, routes and dedupes
 * like the webhook DefectDojo would have sent.
 */

function dojoEvent(name: string, fields: Partial<DojoEvent> & Pick<DojoEvent, "title">): DojoEvent {
  return textEvent({ name, setting: settingForEvent(name), description: `Event ${name} has occurred.`, ...fields });
}

export function productTypeAdded(productType: ProductTypeRow, links: DojoLinks): DojoEvent {
  const ref: ObjectRef = { id: productType.id, name: productType.name, urlUi: links.productType(productType.id) };
  const noun = links.relabeled ? "Organization" : "Product Type";
  return dojoEvent("product_type_added", {
    title: productType.name,
    description: `${noun} ${productType.name} has been created successfully.`,
    urlUi: ref.urlUi,
    productType: ref,
    subject: { kind: "product_type", id: productType.id },
  });
}

export function productAdded(product: ProductRow, productType: ProductTypeRow, links: DojoLinks): DojoEvent {
  const ref: ObjectRef = { id: product.id, name: product.name, urlUi: links.product(product.id) };
  const noun = links.relabeled ? "Asset" : "Product";
  return dojoEvent("product_added", {
    title: product.name,
    description: `${noun} ${product.name} has been created successfully.`,
    urlUi: ref.urlUi,
    productType: { id: productType.id, name: productType.name, urlUi: links.productType(productType.id) },
    product: ref,
    subject: { kind: "product", id: product.id },
  });
}

export function engagementAdded(chain: EngagementChain): DojoEvent {
  return dojoEvent("engagement_added", {
    title: `Engagement created for "${chain.product.name}": ${chain.engagement.name}`,
    urlUi: chain.engagement.urlUi,
    ...chain,
    subject: { kind: "engagement", id: chain.engagement.id },
  });
}

export function engagementClosed(engagement: EngagementRow, links: DojoLinks): DojoEvent {
  const name = engagementLabel(engagement.id, engagement.name);
  return dojoEvent("engagement_closed", {
    title: `Closure of ${name}`,
    description: `The engagement "${name}" was closed`,
    urlUi: `${links.engagement(engagement.id)}/finding/all`,
    subject: { kind: "engagement", id: engagement.id },
  });
}

/** DefectDojo's `engagement_reopened` (dojo/engagement/signals.py): routed by the OTHER setting, as it is no Notifications field. */
export function engagementReopened(engagement: EngagementRow, links: DojoLinks): DojoEvent {
  const name = engagement.name ?? "";
  return dojoEvent("engagement_reopened", {
    title: `Reopening of ${name}`,
    description: `The engagement "${name}" was reopened`,
    urlUi: links.engagement(engagement.id),
    subject: { kind: "engagement", id: engagement.id },
  });
}

export function testAdded(chain: TestChain): DojoEvent {
  return dojoEvent("test_added", {
    title: `Test created for ${chain.product.name}: ${chain.engagement.name}: ${chain.testLabel}`,
    urlUi: chain.test.urlUi,
    ...withoutLabel(chain),
    subject: { kind: "test", id: chain.test.id },
  });
}

/**
 * One import or re-import, from its `test_imports` record. 3.x leaves the findings that turned
 * out duplicates out of its count (dojo/importers/base_importer.py notify_scan_added, 3.2.0);
 * 2.58 counts every new and reactivated finding.
 */
export function scanAdded(chain: TestChain, findings: ScanFindings, countsDuplicates: boolean): DojoEvent {
  const duplicates = countsDuplicates ? findings.newDuplicateIds.length + findings.reactivatedDuplicateIds.length : 0;
  const findingCount = findings.new.length + findings.reactivated.length + findings.mitigated.length + duplicates;
  const name = findingCount === 0 ? "scan_added_empty" : "scan_added";
  return dojoEvent(name, {
    title: `Created/Updated ${findingCount} findings for ${chain.product.name}: ${chain.engagement.name}: ${chain.testLabel}`,
    urlUi: chain.test.urlUi,
    ...withoutLabel(chain),
    findings,
    findingCount,
    subject: { kind: "test", id: chain.test.id },
  });
}

export function findingAdded(finding: FindingRow, reporter: DojoUserRow | null, links: DojoLinks): DojoEvent {
  const by = reporter ? ` by ${userLabel(reporter)}` : "";
  return dojoEvent("finding_added", {
    title: `Addition of ${finding.title}`,
    description: `Finding "${finding.title}" was added${by}`,
    urlUi: links.finding(finding.id),
    finding: findingRef(finding, links),
    subject: { kind: "finding", id: finding.id },
  });
}

/** DefectDojo's per-finding SLA notice (dojo/notifications/helper.py); `days` is how far the deadline is from today (negative: past). */
export function slaBreach(finding: FindingRow, kind: SlaBreachKind, days: number, links: DojoLinks): DojoEvent {
  const overdue = Math.abs(days);
  const notice =
    kind === "breached"
      ? `SLA breached by ${overdue} ${overdue > 1 ? "days" : "day"}! Overdue notice`
      : kind === "prebreach"
        ? `SLA pre-breach warning - ${days} day(s) left`
        : "SLA is breaching today";
  return dojoEvent("sla_breach", {
    title: `Finding ${finding.id} - ${notice}`,
    urlUi: links.finding(finding.id),
    finding: findingRef(finding, links),
    subject: { kind: "finding", id: finding.id },
  });
}

/**
 * DefectDojo's `sla_breach_combined`: one per product and kind, sent besides the per-finding
 * notices (users choose between them in their notification settings).
 */
export function slaBreachCombined(kind: SlaBreachKind, product: ObjectRef, productType: ObjectRef, links: DojoLinks): DojoEvent {
  const [typeNoun, productNoun] = links.relabeled ? ["Organization", "Asset"] : ["Product Type", "Product"];
  return dojoEvent("sla_breach_combined", {
    title: `SLA alert (${kind}): ${typeNoun} '${productType.name}', ${productNoun} '${product.name}'`,
    product,
    productType,
    subject: { kind: "product", id: product.id },
  });
}

export function riskAcceptanceExpiration(
  riskAcceptance: { id: number; acceptedFindings: number; expiresAt: number },
  expired: boolean,
  engagement: ObjectRef,
  product: ObjectRef,
  links: DojoLinks,
): DojoEvent {
  const when = expired ? "has expired" : `will expire on ${calendarDate(riskAcceptance.expiresAt)}`;
  return dojoEvent("risk_acceptance_expiration", {
    title: `Risk acceptance with ${riskAcceptance.acceptedFindings} accepted findings ${when} for ${product.name}: ${engagement.name}`,
    urlUi: links.riskAcceptance(engagement.id, riskAcceptance.id),
    product,
    engagement,
    subject: { kind: "risk_acceptance", id: riskAcceptance.id, engagementId: engagement.id },
  });
}

export function findingRef(finding: FindingRow, links: DojoLinks): FindingRef {
  return { id: finding.id, title: finding.title, severity: finding.severity, urlUi: links.finding(finding.id) };
}

/** DefectDojo's `str(user)`, Dojo_User.generate_full_name: `f"{first} {last} ({username})".strip()`, so "(admin)" when nameless. */
export function userLabel(user: Pick<DojoUserRow, "username" | "first_name" | "last_name">): string {
  return `${user.first_name ?? ""} ${user.last_name ?? ""} (${user.username})`.trim();
}

/** strftime("%b %d, %Y"), in UTC: DefectDojo uses its own time zone, which the API does not tell. */
function calendarDate(epochMs: number): string {
  const date = new Date(epochMs);
  const month = date.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  return `${month} ${String(date.getUTCDate()).padStart(2, "0")}, ${date.getUTCFullYear()}`;
}

function withoutLabel(chain: TestChain): Omit<TestChain, "testLabel"> {
  const { testLabel: _label, ...objects } = chain;
  return objects;
}
