/**
 * The lifecycle's record in Postgres: program rules versions, where the guest
 * stands (stage, tier, floor, membership), and the history of both. The
 * workflow decides; these functions remember, each write keyed so a retry
 * changes nothing.
 */
import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import type { ProgramRules, RulesVersion } from '../../domain/program.js';
import type { Stage } from '../../domain/stages.js';
import type { Tier } from '../../domain/tiers.js';
import * as audit from './audit.js';
import { STAY_BASE_POINTS_SQL } from './ledger.js';

export async function rulesVersions(db: Knex): Promise<RulesVersion[]> {
  const rows = (await db('program_rules')
    .select('version', 'effective_from', 'rules')
    .orderBy('version')) as {
    version: number;
    effective_from: string;
    rules: ProgramRules;
  }[];
  return rows.map((r) => ({ version: r.version, effectiveFrom: r.effective_from, rules: r.rules }));
}

/**
 * Locks `program_rules` against other publications until the transaction `trx` ends (readers are not blocked) and
 * returns the latest version, so a check against it and the insert after it see the same table.
 */
export async function lockRulesVersions(
  trx: Knex.Transaction,
): Promise<{ version: number; effectiveFrom: string } | undefined> {
  await trx.raw('lock table program_rules in share row exclusive mode');
  const row = await trx('program_rules')
    .orderBy('effective_from', 'desc')
    .first<{ version: number; effective_from: string } | undefined>('version', 'effective_from');
  return row ? { version: row.version, effectiveFrom: row.effective_from } : undefined;
}

/** Every version with who published it and when, newest first. */
export async function listRulesVersions(
  db: Knex,
): Promise<(RulesVersion & { createdBy: string; createdAt: Date })[]> {
  const rows = (await db('program_rules')
    .select('version', 'effective_from', 'rules', 'created_by', 'created_at')
    .orderBy('version', 'desc')) as {
    version: number;
    effective_from: string;
    rules: ProgramRules;
    created_by: string;
    created_at: Date;
  }[];
  return rows.map((r) => ({
    version: r.version,
    effectiveFrom: r.effective_from,
    rules: r.rules,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}

/** Adds a new immutable version of the rules, in force from `effectiveFrom`. */
export async function addRulesVersion(
  db: Knex,
  input: { effectiveFrom: string; rules: ProgramRules; createdBy: string },
): Promise<number> {
  const row = (await db('program_rules').max({ v: 'version' }).first()) as { v: number | null };
  const version = (row.v ?? 0) + 1;
  await db('program_rules').insert({
    version,
    effective_from: input.effectiveFrom,
    rules: JSON.stringify(input.rules),
    created_by: input.createdBy,
  });
  return version;
}

export interface GuestRecord {
  id: string;
  timezone: string;
  locale: string;
  stage: Stage;
  tier: Tier;
  tier_valid_through: string | null;
  tier_floor: Tier | null;
  member_number: string | null;
  enrolled_at: Date | null;
  referred_by_guest_id: string | null;
  marketing_consent: boolean;
  birthday: string | null;
  /** When the guest's personal data was erased (migration 030), or null. */
  erased_at: Date | null;
}

export async function recordOf(
  db: Knex,
  guestId: string,
  opts: { lock?: boolean } = {},
): Promise<GuestRecord | undefined> {
  const q = db<GuestRecord>('guests')
    .where({ id: guestId })
    .first(
      'id',
      'timezone',
      'locale',
      'stage',
      'tier',
      'tier_valid_through',
      'tier_floor',
      'member_number',
      'enrolled_at',
      'referred_by_guest_id',
      'marketing_consent',
      'birthday',
      'erased_at',
    );
  if (opts.lock) void q.forUpdate();
  return (await q) ?? undefined;
}

/** A stage transition: the history row and the guest's column, once per key. */
export async function recordStage(
  db: Knex,
  input: {
    guestId: string;
    from: Stage | null;
    to: Stage;
    reason: string;
    actor: string;
    at: Date;
    key: string;
  },
): Promise<boolean> {
  const [row] = await db('stage_history')
    .insert({
      guest_id: input.guestId,
      from_stage: input.from,
      to_stage: input.to,
      reason: input.reason,
      actor: input.actor,
      at: input.at,
      idempotency_key: input.key,
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning<{ id: number }[]>('id');
  if (row)
    await db('guests').where({ id: input.guestId }).update({ stage: input.to, updated_at: db.fn.now() });
  return Boolean(row);
}

/** A tier change (or confirmation): the history row and the guest's columns, once per key. */
export async function recordTier(
  db: Knex,
  input: {
    guestId: string;
    tier: Tier;
    previous: Tier;
    validFrom: string;
    validThrough: string | null;
    source: 'upgrade' | 'review' | 'floor' | 'reset';
    reason: string;
    rulesVersion: number | null;
    key: string;
    at: Date;
    clearFloor?: boolean;
  },
): Promise<boolean> {
  const [row] = await db('tier_history')
    .insert({
      guest_id: input.guestId,
      tier: input.tier,
      previous_tier: input.previous,
      valid_from: input.validFrom,
      valid_through: input.validThrough,
      source: input.source,
      reason: input.reason,
      rules_version: input.rulesVersion,
      idempotency_key: input.key,
      at: input.at,
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning<{ id: number }[]>('id');
  if (row) {
    await db('guests')
      .where({ id: input.guestId })
      .update({
        tier: input.tier,
        tier_valid_through: input.validThrough,
        ...(input.clearFloor ? { tier_floor: null } : {}),
        updated_at: db.fn.now(),
      });
  }
  return Boolean(row);
}

/**
 * The first review recorded for a review day (`valid_from`): the tier it started from, the tier it gave, and the
 * floor it applied (its outcome `floor`: the tier it gave was the floor).
 */
export async function firstReviewOf(
  db: Knex,
  guestId: string,
  reviewDay: string,
): Promise<{ previous: Tier; tier: Tier; floor: Tier | null } | undefined> {
  const row = await db('tier_history')
    .where({ guest_id: guestId, source: 'review', valid_from: reviewDay })
    .orderBy('id')
    .first<{ tier: Tier; previous_tier: Tier; reason: string } | undefined>(
      'tier',
      'previous_tier',
      'reason',
    );
  if (!row) return undefined;
  return {
    previous: row.previous_tier,
    tier: row.tier,
    floor: row.reason.endsWith('→ floor') ? row.tier : null,
  };
}

/** The tier row recorded under `key` (an upgrade: `<workflowId>:tier-upgrade:<stayId>`): what was decided then. */
export async function tierRowByKey(
  db: Knex,
  key: string,
): Promise<{ tier: Tier; previous: Tier; validThrough: string | null } | undefined> {
  const row = await db('tier_history')
    .where({ idempotency_key: key })
    .first<{ tier: Tier; previous_tier: Tier; valid_through: string | null } | undefined>(
      'tier',
      'previous_tier',
      db.raw(`to_char(valid_through, 'YYYY-MM-DD') as valid_through`),
    );
  return row ? { tier: row.tier, previous: row.previous_tier, validThrough: row.valid_through } : undefined;
}

/**
 * The lapse a win-back runs for, if the guest is lapsed: its day (`win-back:<day>` on the offers' coupons; before
 * the first offer, the day the lapse was recorded, UTC). Staff's newest word on this lapse's win-backs comes first
 * (`audit_log`, api/workflows/service.ts and api/guests/actions.ts): after a cancel no win-back runs (null), after
 * a start by hand it is that one's day.
 */
export async function lapseOf(db: Knex, guestId: string): Promise<string | null> {
  const guest = await db('guests').where({ id: guestId }).first<{ stage: string } | undefined>('stage');
  if (guest?.stage !== 'lapsed') return null;
  const lapse = await db('stage_history')
    .where({ guest_id: guestId, to_stage: 'lapsed' })
    .orderBy('id', 'desc')
    .first<{ at: Date } | undefined>('at');
  if (!lapse) return null;
  const recorded = lapse.at.toISOString().slice(0, 10);
  // This lapse's win-backs are dated from its deadline on (at most 60 days before it was recorded, as below); an
  // earlier lapse's are a year older at least.
  const staff = await audit.lastWinBackAction(
    db,
    guestId,
    new Date(Date.parse(recorded) - 60 * 86_400_000).toISOString().slice(0, 10),
  );
  if (staff) return staff.action === 'cancelled' ? null : staff.lapsedOn;
  const coupon = await db('coupons')
    .where({ guest_id: guestId })
    .andWhere('campaign', 'like', 'win-back:%')
    .orderBy('campaign', 'desc')
    .first<{ campaign: string } | undefined>('campaign');
  const day = coupon?.campaign.slice('win-back:'.length);
  // The offers of this lapse, not of an earlier one: their day is the lapse's deadline, at most the recorded day.
  const recent =
    day !== undefined && Date.parse(recorded) - Date.parse(day) <= 60 * 86_400_000 && day <= recorded;
  return recent ? day : recorded;
}

/** The guest's service cases not yet closed (each flags the guest at risk). */
export async function unclosedCasesOf(db: Knex, guestId: string): Promise<string[]> {
  const rows = await db('service_cases')
    .where({ guest_id: guestId })
    .whereNot({ status: 'closed' })
    .orderBy('opened_at')
    .select<{ id: string }[]>('id');
  return rows.map((r) => r.id);
}

/** Whether a tier row (review, upgrade, floor) is dated before `day`, and whether one is dated `day` or later. */
export async function tierRowsAround(
  db: Knex,
  guestId: string,
  day: string,
): Promise<{ before: boolean; since: boolean }> {
  const row = await db('tier_history')
    .where({ guest_id: guestId })
    .first<{ before: boolean; since: boolean }>(
      db.raw('coalesce(bool_or(valid_from < ?), false) as before', [day]),
      db.raw('coalesce(bool_or(valid_from >= ?), false) as since', [day]),
    );
  return { before: Boolean(row?.before), since: Boolean(row?.since) };
}

/** How many stage transitions the guest has recorded. */
export async function stageChangesOf(db: Knex, guestId: string): Promise<number> {
  const row = await db('stage_history')
    .where({ guest_id: guestId })
    .first<{ n: string | number }>(db.raw('count(*) as n'));
  return Number(row.n);
}

export async function setTierFloor(db: Knex, guestId: string, floor: Tier): Promise<void> {
  await db('guests').where({ id: guestId }).update({ tier_floor: floor, updated_at: db.fn.now() });
}

/** Enrols the guest once (a stay as a prospect, the front desk, online): a member number and the date. */
export async function enrol(
  db: Knex,
  input: { guestId: string; at: Date; channel: string },
): Promise<{ memberNumber: string; enrolledAt: Date; created: boolean }> {
  const current = (await db<{ id: string; member_number: string | null; enrolled_at: Date | null }>('guests')
    .where({ id: input.guestId })
    .first('member_number', 'enrolled_at'))!;
  if (current.member_number && current.enrolled_at) {
    return { memberNumber: current.member_number, enrolledAt: current.enrolled_at, created: false };
  }
  for (;;) {
    const memberNumber = current.member_number ?? `M${String(randomInt(100_000_000, 999_999_999))}`;
    try {
      await db('guests')
        .where({ id: input.guestId })
        .update({
          member_number: memberNumber,
          enrolled_at: current.enrolled_at ?? input.at,
          enrolment_channel: db.raw('coalesce(enrolment_channel, ?)', [input.channel]),
        });
      return { memberNumber, enrolledAt: current.enrolled_at ?? input.at, created: true };
    } catch (err) {
      if ((err as { code?: string }).code !== '23505' || current.member_number) throw err;
    }
  }
}

/** Stays, nights and base points of stays departing in `year` (a cancelled stay counts for nothing). */
export async function yearActivity(
  db: Knex,
  guestId: string,
  year: number,
): Promise<{ stays: number; nights: number; basePoints: number }> {
  const { rows } = await db.raw<{ rows: { stays: number; nights: number; base: number }[] }>(
    `select count(*)::int as stays, coalesce(sum(s.nights), 0)::int as nights,
            coalesce((select sum(l.points) from points_ledger l join stays s2 on s2.id = l.stay_id
                      where l.guest_id = :guestId and ${STAY_BASE_POINTS_SQL}
                        and extract(year from s2.departure) = :year), 0)::bigint as base
     from stays s where s.guest_id = :guestId and extract(year from s.departure) = :year
       and s.cancelled_at is null`,
    { guestId, year },
  );
  const r = rows[0]!;
  return { stays: r.stays, nights: r.nights, basePoints: Number(r.base) };
}

/**
 * The last stay's check-out, the last redemption (points expire counted from
 * the later of the two) and the last reactivation (a booking that ended a
 * win-back restarts the lapse clock as a stay would). A member brought in by an
 * import (api/imports/members.ts) counts from its first import as from a stay:
 * the engine knows nothing of its stays before, so its at-risk, lapse and
 * points-expiry clocks start there rather than at an old enrolment.
 */
export async function lastActivity(
  db: Knex,
  guestId: string,
): Promise<{ lastStayAt: Date | null; lastQualifyingAt: Date | null; lastReactivatedAt: Date | null }> {
  const { rows } = await db.raw<{
    rows: {
      last_stay: Date | null;
      last_redemption: Date | null;
      last_reactivated: Date | null;
      imported: Date | null;
    }[];
  }>(
    `select (select max(checked_out_at) from stays where guest_id = :guestId and cancelled_at is null) as last_stay,
            (select max(coalesce(effective_at, created_at)) from points_ledger
              where guest_id = :guestId and source = 'redemption') as last_redemption,
            (select max(at) from stage_history where guest_id = :guestId and to_stage = 'reactivated') as last_reactivated,
            (select min(i.started_at) from import_members m join imports i on i.id = m.import_id
              where m.guest_id = :guestId) as imported`,
    { guestId },
  );
  const r = rows[0]!;
  const latest = (dates: (Date | null)[]) => {
    const known = dates.filter((d): d is Date => d !== null);
    return known.length ? new Date(Math.max(...known.map((d) => d.getTime()))) : null;
  };
  return {
    lastStayAt: latest([r.last_stay, r.imported]),
    lastQualifyingAt: latest([r.last_stay, r.last_redemption, r.imported]),
    lastReactivatedAt: r.last_reactivated,
  };
}

/** Issues a coupon once per key; returns its code. */
export async function issueCoupon(
  db: Knex,
  input: {
    guestId: string;
    campaign: string;
    offerIndex: number;
    offer: string;
    key: string;
    expiresAt: Date | null;
  },
): Promise<{ code: string; created: boolean }> {
  const byKey = () =>
    db<{ code: string; idempotency_key: string }>('coupons')
      .where({ idempotency_key: input.key })
      .first('code');
  const existing = await byKey();
  if (existing) return { code: existing.code, created: false };
  for (;;) {
    const code = `WB-${randomInt(0, 36 ** 6)
      .toString(36)
      .toUpperCase()
      .padStart(6, '0')}`;
    const [row] = await db('coupons')
      .insert({
        code,
        guest_id: input.guestId,
        campaign: input.campaign,
        offer_index: input.offerIndex,
        offer: input.offer,
        idempotency_key: input.key,
        expires_at: input.expiresAt,
      })
      .onConflict()
      .ignore()
      .returning<{ code: string }[]>('code');
    if (row) return { code: row.code, created: true };
    const again = await byKey();
    if (again) return { code: again.code, created: false };
  }
}

/** Marks the guest's coupon `code` redeemed by a booking, if it is theirs and not yet redeemed. */
export async function redeemCoupon(
  db: Knex,
  input: { guestId: string; code: string; bookingId: string | null; at: Date },
): Promise<boolean> {
  const n = await db('coupons')
    .where({ code: input.code, guest_id: input.guestId })
    .whereNull('redeemed_at')
    .update({ redeemed_at: input.at, redeemed_booking_id: input.bookingId });
  return n > 0;
}
