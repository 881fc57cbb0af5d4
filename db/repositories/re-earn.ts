/**
 * Stays that earned nothing because their currency had no rate (`stays.earn_flag = 'no_rate_for_currency'`,
 * domain/points.ts), and booking their base points once a rules version has the rate: one transaction per stay,
 * the ledger row keyed `stay-re-earn:<stayId>`, the flag cleared with it, so a second pass finds nothing.
 */
import type { Knex } from 'knex';
import type { EarnFlag } from '../../domain/points.js';
import * as audit from './audit.js';
import * as ledger from './ledger.js';

export const NO_RATE: EarnFlag = 'no_rate_for_currency';

export interface AwaitingRateRow {
  id: string;
  guest_id: string;
  pms_stay_id: string;
  property_code: string;
  departure: string;
  nights: number;
  room_revenue: string;
  currency: string;
  checked_out_at: Date;
  rules_version: number | null;
  earn_flag: string;
}

const COLUMNS = [
  'id',
  'guest_id',
  'pms_stay_id',
  'property_code',
  'departure',
  'nights',
  'room_revenue',
  'currency',
  'checked_out_at',
  'rules_version',
  'earn_flag',
] as const;

/** Stays waiting for a rate across guests, oldest departure first (at most `limit`, of `currency` if given). */
export async function awaitingRate(
  db: Knex,
  opts: { limit: number; currency?: string },
): Promise<AwaitingRateRow[]> {
  const q = db<AwaitingRateRow>('stays')
    .where({ earn_flag: NO_RATE })
    .orderBy([{ column: 'departure' }, { column: 'id' }])
    .limit(opts.limit)
    .select(...COLUMNS);
  if (opts.currency) void q.andWhere({ currency: opts.currency });
  return q;
}

/** How many stays wait for a rate (the partial index of migration 017). */
export async function countAwaitingRate(db: Knex, timeoutMs: number): Promise<number> {
  const row = (await db('stays')
    .where({ earn_flag: NO_RATE })
    .first(db.raw('count(*) as n'))
    .timeout(timeoutMs, { cancel: true })) as { n: unknown } | undefined;
  return Number(row?.n ?? 0);
}

export interface ReEarned {
  stayId: string;
  guestId: string;
  ledgerId: number;
  points: number;
  balanceAfter: number;
  rulesVersion: number;
  idempotencyKey: string;
}

/**
 * Books a flagged stay's base points by `rulesVersion` once: under the stay's row lock, only while it is still
 * flagged (a concurrent pass finds it cleared and gets undefined); the ledger row (reason `stay_re_earn`, source
 * `stay`, effective at the check-out), the flag cleared and an audit row (`stay.re_earned`, actor `actor`) in one
 * transaction.
 */
export async function reEarnStay(
  db: Knex,
  input: { stayId: string; rulesVersion: number; points: number; actor: string },
): Promise<ReEarned | undefined> {
  return db.transaction(async (trx) => {
    const stay = await trx('stays').where({ id: input.stayId, earn_flag: NO_RATE }).forUpdate().first<
      | {
          id: string;
          guest_id: string;
          checked_out_at: Date;
          rules_version: number | null;
          currency: string;
        }
      | undefined
    >('id', 'guest_id', 'checked_out_at', 'rules_version', 'currency');
    if (!stay) return undefined;
    const idempotencyKey = `stay-re-earn:${stay.id}`;
    const { entry } = await ledger.post(trx, {
      guestId: stay.guest_id,
      stayId: stay.id,
      reason: 'stay_re_earn',
      source: 'stay',
      points: input.points,
      rulesVersion: input.rulesVersion,
      effectiveAt: stay.checked_out_at,
      idempotencyKey,
    });
    await trx('stays').where({ id: stay.id }).update({ earn_flag: null });
    const result: ReEarned = {
      stayId: stay.id,
      guestId: stay.guest_id,
      ledgerId: Number(entry.id),
      points: Number(entry.points),
      balanceAfter: Number(entry.balance_after),
      rulesVersion: input.rulesVersion,
      idempotencyKey,
    };
    await audit.record(trx, {
      actor: input.actor,
      action: 'stay.re_earned',
      subject: `guest:${stay.guest_id}`,
      before: {
        stayId: stay.id,
        earnFlag: NO_RATE,
        rulesVersion: stay.rules_version,
        currency: stay.currency,
      },
      after: result,
    });
    return result;
  });
}
