import type { Knex } from 'knex';

/**
 * The marketing dashboard's reports (db/repositories/reports.ts) read only the rows of their window, and most
 * of them from an index alone (its columns included: an expression's columns too, or PostgreSQL reads the
 * table), on a base of 100,000 guests and a million mails (bench/reports.ts, docs/benchmarks.md):
 *
 * - stage and tier changes since the window's start (the stock is counted back from where guests stand now);
 * - guest mails by the time they were planned, and the suppressed ones with their reason;
 * - stays by departure day (stays per bucket), by guest and property (retention), and the guests who stayed at a
 *   property;
 * - survey answers by the time given, churn reasons by the time given.
 */
const INDEXES: [name: string, definition: string][] = [
  ['stage_history_at', 'stage_history (at) include (guest_id, from_stage, to_stage)'],
  ['tier_history_at', 'tier_history (at) include (guest_id, previous_tier, tier)'],
  [
    'mail_outbox_guest_planned',
    "mail_outbox ((coalesce(planned_at, created_at))) include (status, guest_id, planned_at, created_at) where audience = 'guest'",
  ],
  [
    'mail_outbox_guest_suppressed',
    "mail_outbox ((coalesce(planned_at, created_at))) include (guest_id, class, suppression_reason, planned_at, created_at) where status = 'suppressed' and audience = 'guest'",
  ],
  ['stays_departure', 'stays (departure) include (guest_id, property_code, nights)'],
  ['stays_property_guest', 'stays (property_code, guest_id)'],
  ['stays_guest_property_departure', 'stays (guest_id, property_code, departure)'],
  [
    'survey_responses_answered',
    'survey_responses (answered_at) include (stay_id, score, would_return, recommend)',
  ],
  [
    'guests_churn_reason_at',
    'guests (churn_reason_at) include (churn_reason) where churn_reason is not null',
  ],
];

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of INDEXES) await knex.raw(`create index ${name} on ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await knex.raw(`drop index if exists ${name}`);
}
