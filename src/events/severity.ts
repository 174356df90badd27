/**
 * DefectDojo's finding severities, least severe first, as a GraphQL enum and rule field.
 * DefectDojo spells them Info, Low, Medium, High, Critical (`dojo.models.Finding.SEVERITIES`).
 */
export enum Severity {
  INFO = "INFO",
  LOW = "LOW",
  MEDIUM = "MEDIUM",
  HIGH = "HIGH",
  CRITICAL = "CRITICAL",
}

const RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** The rank of DefectDojo's wording (any case), or -1 for a severity it does not have (or none). */
export function severityRank(dojoSeverity: string | null | undefined): number {
  return dojoSeverity ? (RANK[dojoSeverity.toLowerCase()] ?? -1) : -1;
}

/** Whether a finding of `dojoSeverity` is at least `minimum`; an unknown severity never is. */
export function meetsSeverity(dojoSeverity: string | null | undefined, minimum: Severity): boolean {
  return severityRank(dojoSeverity) >= RANK[minimum.toLowerCase()];
}

/** DefectDojo's own spelling of a severity: CRITICAL becomes Critical. */
export function dojoSeverityName(severity: Severity): string {
  return severity[0] + severity.slice(1).toLowerCase();
}
