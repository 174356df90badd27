import { z } from "zod";

/**
 * The rows the poller reads from DefectDojo's REST API v2, validated where they enter: only the
 * fields it uses are kept (a finding has some eighty). Timestamps are DRF's ISO strings. Users are
 * read with the directory's schema (`dojoUserRow`).
 */
const timestamp = z.string().refine((text) => Number.isFinite(Date.parse(text)), "not a date-time");
const name = z.string().max(2000);

export const productTypeRow = z.object({ id: z.number().int(), name, created: timestamp.nullish() });
export const productRow = z.object({
  id: z.number().int(),
  name,
  prod_type: z.number().int(),
  created: timestamp.nullish(),
  // Model defaults (dojo/product/models.py): the shipped SLA configuration 1, notices not disabled.
  sla_configuration: z.number().int().nullish(),
  disable_sla_breach_notifications: z.boolean().nullish(),
});
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

/** The SLA configuration's per-severity enforcement (dojo/models.py SLA_Configuration; Info has none). */
export const slaConfigurationRow = z.object({
  id: z.number().int(),
  enforce_critical: z.boolean(),
  enforce_high: z.boolean(),
  enforce_medium: z.boolean(),
  enforce_low: z.boolean(),
});

/**
 * The System Settings the poller follows, with the model's defaults where a version does not
 * serialise one (dojo/system_settings/models.py in 3.2, dojo/models.py in 2.58).
 */
export const systemSettingsRow = z.object({
  enable_finding_sla: z.boolean().default(true),
  enable_notify_sla_active: z.boolean().default(false),
  enable_notify_sla_active_verified: z.boolean().default(false),
  enable_notify_sla_jira_only: z.boolean().default(false),
  enable_notify_sla_exponential_backoff: z.boolean().default(false),
  // null: no heads-up before a risk acceptance expires.
  risk_acceptance_notify_before_expiration: z.number().int().nullable().default(10),
});

export type ProductTypeRow = z.infer<typeof productTypeRow>;
export type ProductRow = z.infer<typeof productRow>;
export type EngagementRow = z.infer<typeof engagementRow>;
export type TestRow = z.infer<typeof testRow>;
export type FindingRow = z.infer<typeof findingRow>;
export type TestImportRow = z.infer<typeof testImportRow>;
export type RiskAcceptanceRow = z.infer<typeof riskAcceptanceRow>;
export type SlaConfigurationRow = z.infer<typeof slaConfigurationRow>;
export type SystemSettingsRow = z.infer<typeof systemSettingsRow>;

/** Epoch ms of a DefectDojo timestamp; 0 when it has none. */
export const epochOf = (text: string | null | undefined): number => (text ? Date.parse(text) : 0);
