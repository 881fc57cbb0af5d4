/**
 * Rows the reports' tests write directly in Postgres, in 2025 (test/e2e/reports.test.ts works out every number
 * of every report from them by hand; test/browser/m4-dashboard.test.ts draws them): guests of two properties of
 * the test's own (`P`, `Q`) with their stays, stage and tier history, mails, service cases, survey answers and
 * churn reasons. test/e2e/reports.test.ts says, report by report, what they make.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/knex.js';
import { addDaysToDay } from '../domain/segments.js';
import type { Stage } from '../domain/stages.js';

export interface ReportSamples {
  /** The two properties. */
  P: string;
  Q: string;
  /** Guest ids by letter (A, B, C, E, H, J at P; D, G at Q; F, a prospect without a stay). */
  ids: Record<string, string>;
}

/** Writes the rows; `tag` makes the codes, profile ids and keys the test's own. */
export async function seedReportSamples(db: Db, tag: string): Promise<ReportSamples> {
  const P = `RPT${tag}`;
  const Q = `RPQ${tag}`;

  /** The guests, by letter; each gets its id when written. */
  const ids: Record<string, string> = {};
  /** Stays by name (`A2`: guest A's second), their ids. */
  const stayIds: Record<string, string> = {};

  async function guest(
    db: Db,
    name: string,
    g: { created: string; stage: Stage; tier?: string; enrolled?: string | null; churn?: [string, string] },
  ) {
    const [row] = await db('guests')
      .insert({
        source: 'pms',
        pms_profile_id: `RPT-${tag}-${name}`,
        first_name: name,
        last_name: `Report${tag}`,
        email: `report-${tag}-${name}@guest.example`.toLowerCase(),
        locale: 'en',
        timezone: 'Asia/Shanghai',
        profile_as_of: g.created,
        created_at: g.created,
        updated_at: g.created,
        stage: g.stage,
        tier: g.tier ?? 'member',
        enrolled_at: g.enrolled === undefined ? g.created : g.enrolled,
        member_number: g.enrolled === null ? null : `M-${tag}-${name}`,
        churn_reason: g.churn?.[0] ?? null,
        churn_reason_at: g.churn?.[1] ?? null,
      })
      .returning<{ id: string }[]>('id');
    ids[name] = row!.id;
  }

  async function stay(db: Db, name: string, who: string, property: string, departure: string, nights = 2) {
    const [row] = await db('stays')
      .insert({
        guest_id: ids[who],
        source: 'pms',
        pms_stay_id: `RPT-${tag}-${name}`,
        property_code: property,
        arrival: addDaysToDay(departure, -nights),
        departure,
        nights,
        room_revenue: '1000.00',
        currency: 'CNY',
        checked_out_at: `${departure}T03:00:00Z`,
        event_id: `evt-${tag}-${name}`,
      })
      .returning<{ id: string }[]>('id');
    stayIds[name] = row!.id;
  }

  async function stages(db: Db, who: string, rows: [string | null, Stage, string][]) {
    for (const [from, to, at] of rows)
      await db('stage_history').insert({
        guest_id: ids[who],
        from_stage: from,
        to_stage: to,
        reason: 'test',
        actor: 'workflow',
        idempotency_key: `rpt:${tag}:${who}:${to}:${at}`,
        at,
      });
  }

  async function tier(db: Db, who: string, previous: string, to: string, at: string) {
    await db('tier_history').insert({
      guest_id: ids[who],
      tier: to,
      previous_tier: previous,
      valid_from: at.slice(0, 10),
      source: 'review',
      reason: 'test',
      idempotency_key: `rpt:${tag}:${who}:tier:${at}`,
      at,
    });
  }

  let mailNo = 0;
  async function mail(
    db: Db,
    who: string,
    status: string,
    plannedAt: string,
    o: { reason?: string; class?: string; audience?: string } = {},
  ) {
    mailNo += 1;
    await db('mail_outbox').insert({
      idempotency_key: `rpt:${tag}:mail:${mailNo}`,
      message_id: `<rpt-${tag}-${mailNo}@mail.example>`,
      guest_id: ids[who],
      template: 'stay-thank-you',
      locale: 'en',
      to_address: status === 'suppressed' ? '' : 'guest@guest.example',
      subject: 'Thank you',
      body_text: '',
      body_html: '',
      status,
      class: o.class ?? 'transactional',
      planned_at: plannedAt,
      created_at: plannedAt,
      audience: o.audience ?? 'guest',
      suppression_reason: o.reason ?? null,
    });
  }

  async function serviceCase(
    db: Db,
    c: {
      property: string;
      department: string;
      opened: string;
      resolved?: string;
      status: 'open' | 'resolved' | 'closed';
      costBucket?: string;
      sla?: [string, string];
      satisfied?: [boolean, string];
      stay?: string;
      guest: string;
    },
  ) {
    const id = randomUUID();
    await db('service_cases').insert({
      id,
      guest_id: ids[c.guest],
      workflow_id: `case-${id}`,
      status: c.status,
      source: 'phone',
      category: 'facilities',
      priority: 'normal',
      property_code: c.property,
      department: c.department,
      received_by: 'Front desk',
      stay_id: c.stay ? stayIds[c.stay] : null,
      opened_at: c.opened,
      resolved_at: c.resolved ?? null,
      resolutions: c.resolved ? 1 : 0,
      cost_bucket: c.costBucket ?? null,
      sla_state: c.sla?.[0] ?? 'on_track',
      escalated_at: c.sla?.[1] ?? null,
      satisfied: c.satisfied?.[0] ?? null,
      satisfaction_at: c.satisfied?.[1] ?? null,
      reopened: c.satisfied?.[0] === false ? 1 : 0,
      idempotency_key: `rpt:${tag}:case:${id}`,
    });
  }

  async function survey(
    db: Db,
    stayName: string,
    who: string,
    a: { score: number; wouldReturn: string; recommend: number | null; at: string },
  ) {
    await db('survey_responses').insert({
      guest_id: ids[who],
      stay_id: stayIds[stayName],
      score: a.score,
      would_return: a.wouldReturn,
      recommend: a.recommend,
      answered_at: a.at,
      updated_at: a.at,
    });
  }

  // P's guests. A: stayed 2024 and 2025 (retained), regular and silver from its February stay.
  await guest(db, 'A', { created: '2024-03-01T04:00:00Z', stage: 'regular', tier: 'silver' });
  await stay(db, 'A1', 'A', P, '2024-06-10');
  await stay(db, 'A2', 'A', P, '2025-02-14');
  await stages(db, 'A', [
    [null, 'member', '2024-03-01T04:00:00Z'],
    ['member', 'regular', '2025-02-14T04:00:00Z'],
  ]);
  await tier(db, 'A', 'member', 'silver', '2025-02-14T04:00:00Z');
  // B: stayed 2024 only (in the base, not retained); at risk in May, lapsed in August, back in September.
  await guest(db, 'B', { created: '2024-05-01T04:00:00Z', stage: 'reactivated' });
  await stay(db, 'B1', 'B', P, '2024-08-01');
  await stages(db, 'B', [
    [null, 'member', '2024-05-01T04:00:00Z'],
    ['member', 'at_risk', '2025-05-01T04:00:00Z'],
    ['at_risk', 'lapsed', '2025-08-01T04:00:00Z'],
    ['lapsed', 'reactivated', '2025-09-15T04:00:00Z'],
  ]);
  // C: created in March as a prospect, member at its first stay, regular and gold at its second.
  await guest(db, 'C', {
    created: '2025-03-01T04:00:00Z',
    stage: 'regular',
    tier: 'gold',
    enrolled: '2025-03-05T04:00:00Z',
  });
  await stay(db, 'C1', 'C', P, '2025-03-05');
  await stay(db, 'C2', 'C', P, '2025-07-07', 3);
  await stages(db, 'C', [
    [null, 'member', '2025-03-05T04:00:00Z'],
    ['member', 'regular', '2025-07-07T04:00:00Z'],
  ]);
  await tier(db, 'C', 'member', 'gold', '2025-07-07T04:00:00Z');
  // E: stayed 2023, lapsed 2024 (its why answered then), back in October 2025; gold until the review of
  // 1 January 2025 at 00:10 in Shanghai (31 December 16:10 UTC).
  await guest(db, 'E', {
    created: '2023-06-01T04:00:00Z',
    stage: 'reactivated',
    tier: 'silver',
    churn: ['other_hotel', '2024-09-01T04:00:00Z'],
  });
  await stay(db, 'E1', 'E', P, '2023-07-01');
  await stay(db, 'E2', 'E', P, '2025-10-10');
  await stages(db, 'E', [
    [null, 'member', '2023-06-01T04:00:00Z'],
    ['member', 'lapsed', '2024-07-01T04:00:00Z'],
    ['lapsed', 'reactivated', '2025-10-10T04:00:00Z'],
  ]);
  await tier(db, 'E', 'gold', 'silver', '2024-12-31T16:10:00Z');
  // H: a first stay in May.
  await guest(db, 'H', { created: '2025-05-05T04:00:00Z', stage: 'member' });
  await stay(db, 'H1', 'H', P, '2025-05-05');
  await stages(db, 'H', [[null, 'member', '2025-05-05T04:00:00Z']]);
  // J: stayed 2023, lapsed in June 2025 (its win-back still open), said why in July.
  await guest(db, 'J', {
    created: '2023-10-01T04:00:00Z',
    stage: 'lapsed',
    churn: ['moved_away', '2025-07-01T04:00:00Z'],
  });
  await stay(db, 'J1', 'J', P, '2023-11-01');
  await stages(db, 'J', [
    [null, 'member', '2023-10-01T04:00:00Z'],
    ['member', 'lapsed', '2025-06-01T04:00:00Z'],
  ]);

  // Q's guests: D lapsed and churned (why: price), G a first stay in June; F a prospect with no stay at all.
  await guest(db, 'D', {
    created: '2023-01-01T04:00:00Z',
    stage: 'churned',
    churn: ['price', '2025-04-01T04:00:00Z'],
  });
  await stay(db, 'D1', 'D', Q, '2024-02-02');
  await stages(db, 'D', [
    [null, 'member', '2023-01-01T04:00:00Z'],
    ['member', 'lapsed', '2025-02-02T04:00:00Z'],
    ['lapsed', 'churned', '2025-04-10T04:00:00Z'],
  ]);
  await guest(db, 'G', { created: '2025-05-30T04:00:00Z', stage: 'member' });
  await stay(db, 'G1', 'G', Q, '2025-06-01');
  await stages(db, 'G', [[null, 'member', '2025-06-01T04:00:00Z']]);
  await guest(db, 'F', { created: '2025-06-01T04:00:00Z', stage: 'prospect', enrolled: null });

  // Mails. P: one planned 1 January 01:30 in Shanghai (still 2024 in UTC), one sent, three in July; a staff mail
  // (not counted). Q: one sent.
  await mail(db, 'A', 'suppressed', '2024-12-31T17:30:00Z', {
    reason: 'condition_not_met: score_at_least:4',
  });
  await mail(db, 'A', 'sent', '2025-02-14T10:00:00Z');
  await mail(db, 'A', 'suppressed', '2025-03-01T02:00:00Z', {
    reason: 'frequency_cap: 3 marketing mails since 2025-02-22 (at most 3 in 7 days)',
    class: 'marketing',
  });
  await mail(db, 'C', 'pending', '2025-07-08T01:00:00Z', { class: 'marketing' });
  await mail(db, 'C', 'failed', '2025-07-09T01:00:00Z');
  await mail(db, 'C', 'suppressed', '2025-07-10T01:00:00Z', {
    reason: 'weird_reason: x',
    class: 'marketing',
  });
  await mail(db, 'C', 'sent', '2025-07-10T02:00:00Z', { audience: 'staff' });
  await mail(db, 'D', 'sent', '2025-04-01T02:00:00Z');

  // Cases. P: one open from December 2024 to 2 January (later); one solved the same day (housekeeping, the guest
  // satisfied); one escalated to the duty manager, resolved later, reopened (the guest not satisfied); one open
  // since November and at the general manager. Q: one solved the next day.
  await serviceCase(db, {
    guest: 'A',
    property: P,
    department: 'front_office',
    opened: '2024-12-20T02:00:00Z',
    resolved: '2025-01-02T02:00:00Z',
    status: 'closed',
    costBucket: 'later',
  });
  await serviceCase(db, {
    guest: 'C',
    property: P,
    department: 'housekeeping',
    opened: '2025-03-04T02:00:00Z',
    resolved: '2025-03-04T08:00:00Z',
    status: 'closed',
    costBucket: 'same_day',
    satisfied: [true, '2025-03-08T02:00:00Z'],
    stay: 'C1',
  });
  await serviceCase(db, {
    guest: 'A',
    property: P,
    department: 'front_office',
    opened: '2025-05-10T02:00:00Z',
    resolved: '2025-05-13T02:00:00Z',
    status: 'open',
    costBucket: 'later',
    sla: ['duty_manager', '2025-05-11T02:00:00Z'],
    satisfied: [false, '2025-05-20T02:00:00Z'],
    stay: 'A2',
  });
  await serviceCase(db, {
    guest: 'H',
    property: P,
    department: 'engineering',
    opened: '2025-11-20T02:00:00Z',
    status: 'open',
    sla: ['general_manager', '2025-11-23T02:00:00Z'],
    stay: 'H1',
  });
  await serviceCase(db, {
    guest: 'G',
    property: Q,
    department: 'food_beverage',
    opened: '2025-06-01T02:00:00Z',
    resolved: '2025-06-02T02:00:00Z',
    status: 'closed',
    costBucket: 'next_day',
    stay: 'G1',
  });

  // Surveys: four about P's stays in 2025, one about Q's, one in 2024 (outside).
  await survey(db, 'C1', 'C', { score: 2, wouldReturn: 'no', recommend: 3, at: '2025-03-06T02:00:00Z' });
  await survey(db, 'A2', 'A', { score: 4, wouldReturn: 'maybe', recommend: 8, at: '2025-02-15T02:00:00Z' });
  await survey(db, 'C2', 'C', { score: 5, wouldReturn: 'yes', recommend: 10, at: '2025-07-08T02:00:00Z' });
  await survey(db, 'E2', 'E', { score: 5, wouldReturn: 'yes', recommend: null, at: '2025-10-11T02:00:00Z' });
  await survey(db, 'G1', 'G', { score: 3, wouldReturn: 'maybe', recommend: 6, at: '2025-06-02T02:00:00Z' });
  await survey(db, 'D1', 'D', { score: 1, wouldReturn: 'no', recommend: 0, at: '2024-02-03T02:00:00Z' });
  return { P, Q, ids };
}
