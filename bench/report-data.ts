/**
 * What the reports' bench (bench/reports.ts) adds to the operations bench's data set (bench/guest-data.ts, left
 * as it is) for the reports that read what that data set does not have.
 */
import type { Knex } from 'knex';
import { CHURN_REASONS } from '../api/links/pages.js';
import { CASE_CATEGORIES, DEPARTMENTS } from '../domain/cases.js';

export interface ReportDataCounts {
  surveys: number;
  cases: number;
  churnReasons: number;
  lapses: number;
}

/**
 * What bench/guest-data.ts does not write and the reports read, added to its data (its rows are left as they
 * are, but for the churned guests' answer to the "why" question): a survey answer for 30 % of the stays of the
 * last two years; a service case for 3 % of them, with a department, a category, a cost bucket, an escalation
 * for one in five and a satisfaction answer for the resolved; a churn reason for each churned guest; and, for
 * each reactivated guest, the lapse 60 days before the reactivation (the win-back it ended). Seeded like it.
 */
export async function addReportData(db: Knex, logLine: (line: string) => void): Promise<ReportDataCounts> {
  return db.transaction(async (trx) => {
    const q = async (what: string, sql: string, bindings: Record<string, unknown> = {}) => {
      const t0 = performance.now();
      const result = await trx.raw<{ rowCount: number }>(sql, bindings);
      logLine(
        `  ${what.padEnd(34)} ${String(result.rowCount ?? 0).padStart(9)} rows  ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      return result.rowCount ?? 0;
    };
    await trx.raw('set local synchronous_commit = off');
    await trx.raw('select setseed(0.17)');
    const surveys = await q(
      'survey answers (30 % of stays)',
      `insert into survey_responses (guest_id, stay_id, score, would_return, recommend, answered_at, updated_at)
       select s.guest_id, s.id, a.score,
              case when a.score >= 4 then 'yes' when a.score = 3 then 'maybe' else 'no' end,
              case when a.r < 0.7 then least(10, greatest(0, a.score * 2 + floor(a.r * 3)::int - 1)) end,
              s.checked_out_at + interval '1 day', s.checked_out_at + interval '1 day'
         from stays s
        cross join lateral (
          select 1 + floor(random() * 5 + 0 * length(s.id::text))::int as score, random() as r
        ) a
        where s.departure >= current_date - 730 and abs(hashtext(s.id::text || 's')) % 100 < 30`,
    );
    const cases = await q(
      'service cases (3 % of stays)',
      `insert into service_cases (id, guest_id, workflow_id, status, source, category, priority, property_code,
                                  department, received_by, stay_id, opened_at, sla_state, escalated_at,
                                  resolved_at, resolutions, cost_bucket, satisfied, satisfaction_at, closed_at,
                                  idempotency_key)
       select c.id, s.guest_id, 'case-' || c.id, c.status, 'survey', c.category, 'normal', s.property_code,
              c.department, 'Front desk', s.id, c.opened_at,
              case when c.r < 0.1 then 'general_manager' when c.r < 0.2 then 'duty_manager' else 'on_track' end,
              case when c.r < 0.2 then c.opened_at + interval '30 hours' end,
              case when c.status <> 'open' then c.opened_at + c.took end,
              case when c.status <> 'open' then 1 else 0 end,
              case when c.status <> 'open' then
                case when c.took < interval '12 hours' then 'same_day' when c.took < interval '36 hours' then 'next_day'
                     else 'later' end end,
              case when c.status = 'closed' then c.r2 < 0.8 end,
              case when c.status = 'closed' then c.opened_at + c.took + interval '3 days' end,
              case when c.status = 'closed' then c.opened_at + c.took + interval '3 days' end,
              'bench:report-case:' || s.id
         from stays s
        cross join lateral (
          select gen_random_uuid() as id, random() as r, random() as r2,
                 case when random() < 0.1 then 'open' else 'closed' end as status,
                 (:departments::text[])[1 + floor(random() * cardinality(:departments::text[]))::int] as department,
                 (:categories::text[])[1 + floor(random() * cardinality(:categories::text[]))::int] as category,
                 s.checked_out_at + interval '20 hours' + 0 * length(s.id::text) * interval '1 hour' as opened_at,
                 make_interval(hours => (random() * 96)::int) as took
        ) c
        where s.departure >= current_date - 730 and abs(hashtext(s.id::text || 'c')) % 100 < 3`,
      { departments: [...DEPARTMENTS], categories: [...CASE_CATEGORIES] },
    );
    const churnReasons = await q(
      'churn reasons (churned guests)',
      `update guests g
          set churn_reason = (:reasons::text[])[1 + abs(hashtext(g.id::text || 'r')) % cardinality(:reasons::text[])],
              churn_reason_at = g.updated_at
        where g.stage = 'churned'`,
      { reasons: [...CHURN_REASONS] },
    );
    const lapses = await q(
      'lapses before reactivations',
      `insert into stage_history (guest_id, from_stage, to_stage, reason, actor, idempotency_key, at)
       select guest_id, 'member', 'lapsed', 'bench', 'workflow', 'bench:report-lapse:' || guest_id, at - interval '60 days'
         from stage_history where to_stage = 'reactivated'`,
    );
    return { surveys, cases, churnReasons, lapses };
  });
}
