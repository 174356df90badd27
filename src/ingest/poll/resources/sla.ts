import { ObjectRef } from "../../../events/dojo-event";
import { SlaBreachKind } from "../../../events/idempotency";
import { FindingRow, findingRow, SlaConfigurationRow, SystemSettingsRow } from "../api-rows";
import { PollContext } from "../context";
import { slaBreach, slaBreachCombined } from "../dojo-events";
import { PollResource } from "../resource";

/** DefectDojo's SLA_NOTIFY_PRE_BREACH default (DD_SLA_NOTIFY_PRE_BREACH): days before the deadline that warnings go out. */
export const PRE_BREACH_DAYS = 3;
/** DefectDojo's SLA_NOTIFY_POST_BREACH default (DD_SLA_NOTIFY_POST_BREACH): breaches older than this are not notified. */
export const POST_BREACH_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SlaCursor {
  /** The last day (UTC, YYYY-MM-DD) whose notices were sent. */
  checkedDate: string;
}

/**
 * DefectDojo's daily SLA job (dojo/notifications/helper.py sla_compute_and_notify), once a day:
 * nothing unless System Settings `enable_notify_sla_active` or `enable_notify_sla_active_verified`
 * is on (both default off) and `enable_finding_sla` is; then every open finding (active, verified
 * too with the verified switch, not mitigated, not a duplicate, not Info; linked to JIRA with
 * `enable_notify_sla_jira_only`) whose severity its product's SLA configuration enforces, in a
 * product without `disable_sla_breach_notifications`, gets the day's notice: a warning each of the
 * three days before the deadline, "breaching today" on it, and "breached by N days" each day for
 * seven days after (only on days 1, 2, 4 with `enable_notify_sla_exponential_backoff`). Each day's
 * notice carries a new day count, so it is a new event. Besides them, one `sla_breach_combined`
 * per product and kind. Dates are UTC: DefectDojo's API does not tell its time zone.
 */
export const slaDeadlines: PollResource<SlaCursor> = {
  name: "sla",
  initial: async (ctx, since) => ({ checkedDate: dayOf(since !== null ? since - DAY_MS : ctx.now) }),
  async poll(ctx, cursor) {
    const today = dayOf(ctx.now);
    if (cursor.checkedDate >= today) return { events: [], state: cursor };
    const done = { events: [], state: { checkedDate: today } };
    const settings = await ctx.objects.systemSettings();
    if (!settings.enable_finding_sla) return done;
    if (!settings.enable_notify_sla_active && !settings.enable_notify_sla_active_verified) return done;

    const query = openFindingsQuery(settings);
    const groups = new Map<string, { kind: SlaBreachKind; product: ObjectRef; productType: ObjectRef; notices: Array<{ finding: FindingRow; days: number }> }>();
    for (const days of noticeDays(settings)) {
      const kind: SlaBreachKind = days < 0 ? "breached" : days === 0 ? "breaching" : "prebreach";
      const rows = await ctx.client.list("findings/", { ...query, sla_expiration_date: addDays(today, days) }, findingRow);
      for (const finding of rows.sort((a, b) => a.id - b.id)) {
        const target = await notifiedProduct(ctx, finding);
        if (!target) continue;
        const key = `${target.product.id}|${kind}`;
        const group = groups.get(key) ?? { kind, ...target, notices: [] };
        group.notices.push({ finding, days });
        groups.set(key, group);
      }
    }

    // As DefectDojo sends them: per product and kind, the findings' notices, then the combined one.
    const events = [];
    for (const group of groups.values()) {
      for (const { finding, days } of group.notices) {
        events.push({ event: slaBreach(finding, group.kind, days, ctx.links), occurredAt: ctx.now });
      }
      events.push({ event: slaBreachCombined(group.kind, group.product, group.productType, ctx.links), occurredAt: ctx.now });
    }
    return { events, state: { checkedDate: today } };
  },
  describe: (cursor) => `checked ${cursor.checkedDate}`,
};

/** The SLA job's query: the verified switch wins over the active one. */
function openFindingsQuery(settings: SystemSettingsRow): Record<string, string> {
  return {
    active: "true",
    ...(settings.enable_notify_sla_active_verified ? { verified: "true" } : {}),
    is_mitigated: "false",
    duplicate: "false",
    severity: "Critical,High,Medium,Low",
    ...(settings.enable_notify_sla_jira_only ? { has_jira: "true" } : {}),
  };
}

/** Days from today of the deadlines notified today: negative past, 0 today, positive ahead. */
export function noticeDays(settings: Pick<SystemSettingsRow, "enable_notify_sla_exponential_backoff">): number[] {
  const days: number[] = [];
  for (let overdue = POST_BREACH_DAYS; overdue >= 1; overdue--) {
    // `abs_sla_age & (abs_sla_age - 1) == 0`: powers of two only.
    if (!settings.enable_notify_sla_exponential_backoff || (overdue & (overdue - 1)) === 0) days.push(-overdue);
  }
  for (let left = 0; left <= PRE_BREACH_DAYS; left++) days.push(left);
  return days;
}

/** The finding's product and product type when it may be notified: the severity enforced, notices not disabled. */
async function notifiedProduct(ctx: PollContext, finding: FindingRow): Promise<{ product: ObjectRef; productType: ObjectRef } | null> {
  const test = await ctx.objects.test(finding.test);
  const engagement = await ctx.objects.engagement(test.engagement);
  const product = await ctx.objects.product(engagement.product);
  if (product.disable_sla_breach_notifications) return null;
  const configuration = await ctx.objects.slaConfiguration(product.sla_configuration ?? 1);
  if (!enforced(configuration, finding.severity)) return null;
  const productType = await ctx.objects.productType(product.prod_type);
  return {
    product: { id: product.id, name: product.name, urlUi: ctx.links.product(product.id) },
    productType: { id: productType.id, name: productType.name, urlUi: ctx.links.productType(productType.id) },
  };
}

/** `getattr(sla_configuration, "enforce_" + severity.lower(), None)`. */
function enforced(configuration: SlaConfigurationRow, severity: string): boolean {
  const field = `enforce_${severity.toLowerCase()}`;
  return Object.hasOwn(configuration, field) && (configuration as Record<string, unknown>)[field] === true;
}

const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);
const addDays = (day: string, days: number) => dayOf(Date.parse(day) + days * DAY_MS);
