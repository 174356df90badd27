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
  if (riskAcceptance) return { kind: "risk_acceptance", id: Number(riskAcceptance[2]), engagementId: Number(riskAcceptance[1]) };
  for (const [kind, pattern] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) return { kind, id: Number(match[1]) };
  }
  return null;
}
