import { z } from "zod";
import { DojoEvent, FindingRef, ObjectRef, ScanFindings } from "./dojo-event";
import { engagementLabel, engagementStatusTexts, testFallbackLabel, titleWithEngagementLabel, untitledTestLabel } from "./nameless-objects";
import { settingForEvent } from "./notification-event";
import { repairDoubledUrl, subjectFromUrl } from "./subject-from-url";

// Lenient where DefectDojo versions differ (2.39 sends `description: null` and no `title`; 3.x adds
// keys), strict only on the types the bridge reads: unknown keys pass, wrong types are refused.
// Unknown keys are stripped, not copied (looseObject would copy each of a hostile body's millions).
const url = z.string().nullish();
const id = z.number().int().nonnegative();

// Product_Type.name and Product.name are required in DefectDojo; Engagement.name and Test.title are
// nullable and its templates write them raw, as `null` (engagement.tpl, test.tpl): see nameless-objects.ts.
const namedObject = z.object({ id, name: z.string(), url_ui: url });
const engagementObject = z.object({ id, name: z.string().nullish(), url_ui: url });
const testObject = z.object({ id, title: z.string().nullish(), url_ui: url });
const findingItem = z.object({
  id,
  title: z.string(),
  severity: z.string().nullish(),
  url_ui: url,
});
type FindingItem = z.infer<typeof findingItem>;

/**
 * Checks the items one by one, handing each good one to `take`. Stops at the first bad item: zod
 * reports every bad element of an array, and a body of millions of wrong items (within
 * WEBHOOK_MAX_BYTES) would build gigabytes of issues before the 400.
 */
function eachFinding(items: unknown[], ctx: z.core.$RefinementCtx, take: (finding: FindingItem) => void): boolean {
  for (const [index, item] of items.entries()) {
    const parsed = findingItem.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.issues.push({ code: "custom", message: issue.message, path: [index, ...issue.path], input: item });
      }
      return false;
    }
    take(parsed.data);
  }
  return true;
}

const findingList = z
  .array(z.unknown())
  .transform((items, ctx) => {
    const findings: FindingItem[] = [];
    return eachFinding(items, ctx, (finding) => findings.push(finding)) ? findings : z.NEVER;
  })
  .optional();
// Lists only counted (a re-import lists every untouched finding): checked alike, nothing copied.
const countedFindingList = z
  .array(z.unknown())
  .transform((items, ctx) => (eachFinding(items, ctx, () => {}) ? items.length : z.NEVER))
  .optional();

const webhookBody = z.object({
  description: z.string().nullish(),
  title: z.string().nullish(),
  user: z.object({}).nullish(),
  url_ui: url,
  url_api: url,
  product_type: namedObject.nullish(),
  product: namedObject.nullish(),
  engagement: engagementObject.nullish(),
  test: testObject.nullish(),
  finding: findingItem.nullish(),
  finding_count: z.number().int().nonnegative().nullish(),
  findings: z
    .object({
      new: findingList,
      reactivated: findingList,
      mitigated: findingList,
      untouched: countedFindingList,
      new_duplicate: findingList,
      reactivated_duplicate: findingList,
      untouched_duplicate: countedFindingList,
    })
    .nullish(),
});

type WebhookBody = z.infer<typeof webhookBody>;

export class InvalidPayloadError extends Error {}

/**
 * Validates a DefectDojo webhook body (already parsed JSON) and normalises it into a DojoEvent.
 * Throws InvalidPayloadError, with a message naming every bad field, for bodies DefectDojo never sends.
 */
export function parseWebhookPayload(
  eventName: string,
  instance: string | null,
  body: unknown,
): DojoEvent {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidPayloadError("the body must be a JSON object");
  }
  const result = webhookBody.safeParse(body);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
    throw new InvalidPayloadError(`invalid DefectDojo payload: ${problems.join("; ")}`);
  }
  return toDojoEvent(eventName, instance, result.data);
}

function toDojoEvent(name: string, instance: string | null, body: WebhookBody): DojoEvent {
  const urlUi = body.url_ui ? repairDoubledUrl(body.url_ui) : null;
  const subject = subjectFromUrl(urlUi);
  const texts =
    subject?.kind === "engagement"
      ? engagementStatusTexts(name, subject.id, labelledTitle(body), body.description ?? null)
      : { title: labelledTitle(body), description: body.description ?? null };
  return {
    name,
    setting: settingForEvent(name),
    title: texts.title,
    description: texts.description,
    urlUi,
    instance,
    productType: objectRef(body.product_type),
    product: objectRef(body.product),
    engagement: body.engagement
      ? { id: body.engagement.id, name: engagementLabel(body.engagement.id, body.engagement.name), urlUi: body.engagement.url_ui ?? null }
      : null,
    test: body.test ? { id: body.test.id, name: testName(body, body.test), urlUi: body.test.url_ui ?? null } : null,
    finding: body.finding ? findingRef(body.finding) : null,
    findings: body.findings ? scanFindings(body.findings) : null,
    findingCount: body.finding_count ?? null,
    subject,
  };
}

/** DefectDojo's title, with a nameless engagement's label where DefectDojo wrote "None". */
function labelledTitle(body: WebhookBody): string {
  const title = body.title ?? "";
  return body.product && body.engagement ? titleWithEngagementLabel(title, body.product.name, body.engagement) : title;
}

/** The test's title, or for an untitled test what DefectDojo shows for it (its test type, when the title tells it). */
function testName(body: WebhookBody, test: z.infer<typeof testObject>): string {
  if (test.title?.trim()) return test.title;
  if (!body.product || !body.engagement) return testFallbackLabel(test.id);
  return untitledTestLabel(test.id, body.title ?? "", body.product.name, body.engagement.name, body.finding?.title);
}

function objectRef(value: z.infer<typeof namedObject> | null | undefined): ObjectRef | null {
  return value ? { id: value.id, name: value.name, urlUi: value.url_ui ?? null } : null;
}

function findingRef(value: z.infer<typeof findingItem>): FindingRef {
  return { id: value.id, title: value.title, severity: value.severity ?? "Info", urlUi: value.url_ui ?? null };
}

function scanFindings(findings: NonNullable<WebhookBody["findings"]>): ScanFindings {
  const count = (list?: unknown[]) => list?.length ?? 0;
  return {
    new: (findings.new ?? []).map(findingRef),
    reactivated: (findings.reactivated ?? []).map(findingRef),
    mitigated: (findings.mitigated ?? []).map(findingRef),
    untouchedCount: findings.untouched ?? 0,
    duplicateCount:
      count(findings.new_duplicate) + count(findings.reactivated_duplicate) + (findings.untouched_duplicate ?? 0),
    newDuplicateIds: (findings.new_duplicate ?? []).map((finding) => finding.id),
    reactivatedDuplicateIds: (findings.reactivated_duplicate ?? []).map((finding) => finding.id),
  };
}
