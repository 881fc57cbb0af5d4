import type { Knex } from 'knex';

/**
 * The PMS adapters (docs/pms.md). `pms_deliveries`: one row per reservation a webhook named — an Apaleo
 * delivery (deduplicated on Apaleo's own `id`: at least once, unordered), a Mews event of a delivery — written
 * before the webhook is answered, then worked by the API's delivery loop (api/pms/adapters/processor.ts):
 * fetch the reservation, map it, feed the native intake. `pending` rows are taken under a lease
 * (`leased_until`, `for update skip locked`), so a crash or a restart leaves them to the next pass; a fetch
 * that fails is retried at `next_attempt_at` with a doubling delay, and after the last attempt the row is
 * `parked` with its reason until ops re-drive it. `done` rows say what came of them (`outcome` new, known or
 * rejected, the native `event_id`, the rejection's reason).
 *
 * `pms_syncs`: one row per catch-up sync (cli/pms-sync.ts, `POST /v1/admin/pms/syncs`) with its progress and
 * summary: how many were new, already known, rejected, and why.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table pms_deliveries (
      id bigserial primary key,
      adapter text not null check (adapter in ('apaleo', 'mews')),
      delivery_id text null,
      kind text not null,
      reservation_id text not null,
      property_id text null,
      received_at timestamptz not null default now(),
      status text not null default 'pending' check (status in ('pending', 'done', 'parked')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      leased_until timestamptz null,
      last_error text null,
      outcome text null check (outcome in ('new', 'known', 'rejected')),
      event_id text null,
      rejection_reason text null,
      done_at timestamptz null,
      parked_at timestamptz null,
      parked_reason text null,
      redrive_count integer not null default 0,
      redriven_at timestamptz null,
      redriven_by text null,
      unique (adapter, delivery_id)
    );
    create index pms_deliveries_due on pms_deliveries (next_attempt_at) where status = 'pending';
    create index pms_deliveries_parked on pms_deliveries (parked_at desc) where status = 'parked';

    create table pms_syncs (
      id bigserial primary key,
      adapter text not null check (adapter in ('apaleo', 'mews')),
      since date not null,
      until date not null,
      status text not null default 'running' check (status in ('running', 'done', 'failed')),
      started_by text not null,
      started_at timestamptz not null default now(),
      heartbeat_at timestamptz not null default now(),
      finished_at timestamptz null,
      total integer null,
      seen integer not null default 0,
      new_count integer not null default 0,
      known_count integer not null default 0,
      rejected_count integer not null default 0,
      reasons jsonb not null default '{}'::jsonb,
      rejections jsonb not null default '[]'::jsonb,
      error text null,
      check (until >= since)
    );
    create index pms_syncs_started on pms_syncs (started_at desc);`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists pms_syncs; drop table if exists pms_deliveries;');
}
