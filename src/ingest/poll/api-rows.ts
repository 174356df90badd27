import { z } from "zod";

/**
 * The rows the poller reads from DefectDojo's REST API v2, validated where they enter: only the
 * fields it uses are kept (a finding has some eighty). Timestamps are DRF's ISO strings. Users are
 * read with the directory's schema (`dojoUserRow`).
 */
const timestamp = z.string().refine((text) => Number.isFinite(Date.parse(text)), "not a date-time");
const name = z.string().max(2000);

export const productTypeRow = z.object({ id: z.number().int(), name, created: timestamp.nullish() });
export const productRow = z.object({ id: z.number().int(), name, prod_type: z.number().int(), created: timestamp.nullish() });
export const engagementRow = z.object({
  id: z.number().int(),
  name: z.string().max(2000).nullish(),
  product: z.number().int(),
  status: z.string().nullish(),
  created: timestamp.nullish(),
  updated: timestamp.nullish(),
});
export const testRow = z.object({
  id: z.number().int(),
  title: z.string().max(2000).nullish(),
  test_type_name: z.string().max(2000).nullish(),
  engagement: z.number().int(),
  created: timestamp.nullish(),
});
export const findingRow = z.object({
  id: z.number().int(),
  title: name,
  severity: z.string(),
  test: z.number().int(),
  duplicate: z.boolean().nullish(),
  reporter: z.number().int().nullish(),
  created: timestamp.nullish(),
  sla_expiration_date: z.string().nullish(),
});
export const testImportRow = z.object({
  id: z.number().int(),
  test: z.number().int(),
  created: timestamp,
  test_import_finding_action_set: z.array(
    z.object({ finding: z.number().int(), action: z.string().nullable() }),
  ),
});
export const riskAcceptanceRow = z.object({
  id: z.number().int(),
  accepted_findings: z.array(z.number().int()),
  expiration_date: timestamp.nullish(),
  created: timestamp.nullish(),
  updated: timestamp.nullish(),
});

export type ProductTypeRow = z.infer<typeof productTypeRow>;
export type ProductRow = z.infer<typeof productRow>;
export type EngagementRow = z.infer<typeof engagementRow>;
export type TestRow = z.infer<typeof testRow>;
export type FindingRow = z.infer<typeof findingRow>;
export type TestImportRow = z.infer<typeof testImportRow>;
export type RiskAcceptanceRow = z.infer<typeof riskAcceptanceRow>;

/** Epoch ms of a DefectDojo timestamp; 0 when it has none. */
export const epochOf = (text: string | null | undefined): number => (text ? Date.parse(text) : 0);
