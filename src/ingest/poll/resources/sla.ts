import { SlaBreachKind } from "../../../events/idempotency";
import { findingRow } from "../api-rows";
import { slaBreach } from "../dojo-events";
import { PollResource } from "../resource";

/** DefectDojo's SLA_NOTIFY_PRE_BREACH: days before the deadline that a warning goes out. */
export const PRE_BREACH_DAYS = 3;
/** DefectDojo's SLA_NOTIFY_POST_BREACH: deadlines further back than this are not notified. */
export const POST_BREACH_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The findings DefectDojo's SLA job considers: open, real, not accepted, not Info. */
const OPEN_FINDINGS = {
  active: "true",
  is_mitigated: "false",
  duplicate: "false",
  false_p: "false",
  out_of_scope: "false",
  risk_accepted: "false",
  severity: "Critical,High,Medium,Low",
};

export interface SlaCursor {
  /** The last day (UTC, YYYY-MM-DD) whose deadlines were classified. */
  checkedDate: string;
}

/**
 * SLA notices from findings' `sla_expiration_date`, each finding and kind (pre-breach, breaching
 * today, breached) once. Deadlines change class only when the date does, so this asks DefectDojo
 * once a day, one exact-date query per deadline day that changed class: normally three (yesterday's
 * deadlines are now breached, today's are breaching, those three days ahead enter the warning).
 * Dates are UTC: DefectDojo's API does not tell its time zone.
 */
export const slaDeadlines: PollResource<SlaCursor> = {
  name: "sla",
  initial: async (ctx, since) => ({ checkedDate: dayOf(since !== null ? since - DAY_MS : ctx.now) }),
  async poll(ctx, cursor) {
    const today = dayOf(ctx.now);
    if (cursor.checkedDate >= today) return { events: [], state: cursor };
    const earliest = maxDay(cursor.checkedDate, addDays(today, -POST_BREACH_DAYS));
    const days: string[] = [];
    for (let day = earliest; day <= today; day = addDays(day, 1)) days.push(day);
    for (let day = addDays(maxDay(addDays(cursor.checkedDate, PRE_BREACH_DAYS), today), 1); day <= addDays(today, PRE_BREACH_DAYS); day = addDays(day, 1)) {
      days.push(day);
    }

    const events = [];
    for (const day of days) {
      const daysLeft = Math.round((Date.parse(day) - Date.parse(today)) / DAY_MS);
      const kind: SlaBreachKind = daysLeft < 0 ? "breached" : daysLeft === 0 ? "breaching" : "prebreach";
      const rows = await ctx.client.list("findings/", { ...OPEN_FINDINGS, sla_expiration_date: day }, findingRow);
      for (const finding of rows.sort((a, b) => a.id - b.id)) {
        events.push({ event: slaBreach(finding, kind, daysLeft, ctx.links), occurredAt: ctx.now });
      }
    }
    return { events, state: { checkedDate: today } };
  },
  describe: (cursor) => `checked ${cursor.checkedDate}`,
};

const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);
const addDays = (day: string, days: number) => dayOf(Date.parse(day) + days * DAY_MS);
const maxDay = (a: string, b: string) => (a > b ? a : b);
