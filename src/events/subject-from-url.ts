import { SubjectRef } from "./dojo-event";

// Most specific first (risk acceptances, whose URL also names an engagement, are matched before these).
const PATTERNS: ReadonlyArray<[SubjectRef["kind"], RegExp]> = [
  ["finding", /\/finding\/(\d+)/],
  ["test", /\/test\/(\d+)/],
  ["engagement", /\/engagement\/(\d+)/],
  ["product_type", /\/(?:product\/type|organization)\/(\d+)/],
  ["product", /\/(?:product|asset)\/(\d+)/],
];

/**
 * DefectDojo prefixes SITE_URL to URLs that some callers already made absolute (user_mentioned,
 * finding_deleted, finding_copied), giving `http://hosthttp://host/finding/1`: keep the last one.
 */
export function repairDoubledUrl(url: string): string {
  const lastScheme = Math.max(url.lastIndexOf("http://"), url.lastIndexOf("https://"));
  return lastScheme > 0 ? url.slice(lastScheme) : url;
}

/**
 * Identifies the object behind a DefectDojo UI link. Works on 2.x paths (`/product/4`,
 * `/product/type/4`), 3.x paths (`/asset/4`, `/organization/4`), a `url_prefix`, and the doubled
 * URLs DefectDojo produces for some events (`http://hosthttp://host/finding/1`).
 */
export function subjectFromUrl(url: string | null): SubjectRef | null {
  if (!url) return null;
  let path: string;
  try {
    path = new URL(repairDoubledUrl(url)).pathname;
  } catch {
    return null;
  }
  const riskAcceptance = /\/engagement\/(\d+)\/risk_acceptance\/(\d+)/.exec(path);
  if (riskAcceptance) {
    const [id, engagementId] = [objectId(riskAcceptance[2]), objectId(riskAcceptance[1])];
    return id === null || engagementId === null ? null : { kind: "risk_acceptance", id, engagementId };
  }
  for (const [kind, pattern] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) {
      const id = objectId(match[1]);
      return id === null ? null : { kind, id };
    }
  }
  return null;
}

/**
 * Digits past 2^53 are no DefectDojo id: as a Number they round (…999 and …998 become one id, and
 * one idempotency key), so such a link names no object.
 */
function objectId(digits: string): number | null {
  const id = Number(digits);
  return Number.isSafeInteger(id) ? id : null;
}
