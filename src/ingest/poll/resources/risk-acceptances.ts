import { epochOf, riskAcceptanceRow } from "../api-rows";
import { riskAcceptanceExpiration } from "../dojo-events";
import { PollResource } from "../resource";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RiskAcceptanceCursor {
  /** The previous run's time (epoch ms): expiries up to it are notified, warnings up to it + the notice. */
  checkedAt: number;
}

/**
 * Risk acceptances that expired since the last run, and those that came within the notice period
 * of their expiry (or were created or changed inside it): one `expiration_date` range per run,
 * which DefectDojo filters on (`expiration_date__gt` / `__lte`). The notice period is System
 * Settings' `risk_acceptance_notify_before_expiration` (default 10 days); null or 0 sends no
 * warnings, as DefectDojo's `if heads_up_days > 0` (dojo/risk_acceptance/helper.py expiration_handler).
 */
export const riskAcceptances: PollResource<RiskAcceptanceCursor> = {
  name: "risk_acceptances",
  initial: async (ctx, since) => ({ checkedAt: since ?? ctx.now }),
  async poll(ctx, cursor) {
    const { risk_acceptance_notify_before_expiration: headsUpDays } = await ctx.objects.systemSettings();
    const noticeMs = Math.max(0, headsUpDays ?? 0) * DAY_MS;
    const rows = await ctx.client.list(
      "risk_acceptance/",
      {
        expiration_date__gt: new Date(cursor.checkedAt).toISOString(),
        expiration_date__lte: new Date(ctx.now + noticeMs).toISOString(),
      },
      riskAcceptanceRow,
    );
    const events = [];
    for (const row of rows.sort((a, b) => a.id - b.id)) {
      const expiresAt = epochOf(row.expiration_date);
      const expired = expiresAt <= ctx.now;
      const newlyInNotice = expiresAt > cursor.checkedAt + noticeMs || epochOf(row.updated) > cursor.checkedAt;
      // DefectDojo names the engagement of an accepted finding (the API does not show the
      // acceptance's own), and says nothing about an acceptance without findings.
      if (!expiresAt || (!expired && !newlyInNotice) || row.accepted_findings.length === 0) continue;
      const { engagement, product } = await ctx.objects.chain((await ctx.objects.finding(row.accepted_findings[0])).test);
      const event = riskAcceptanceExpiration(
        { id: row.id, acceptedFindings: row.accepted_findings.length, expiresAt },
        expired,
        engagement,
        product,
        ctx.links,
      );
      events.push({ event, occurredAt: expired ? expiresAt : ctx.now });
    }
    return { events, state: { checkedAt: ctx.now } };
  },
  describe: (cursor) => `checked ${new Date(cursor.checkedAt).toISOString()}`,
};
