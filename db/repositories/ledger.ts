import type { Knex } from 'knex';

export interface LedgerRow {
  id: number;
  guest_id: string;
  points: number;
  balance_after: number;
  reason: string;
  stay_id: string | null;
  idempotency_key: string;
  created_at: Date;
  source: LedgerSource | null;
  rules_version: number | null;
  staff_request_id: string | null;
  effective_at: Date | null;
}

/** Why points moved, in detail. Every movement carries one. */
export type LedgerReason =
  | 'stay_base'
  /** The base points of a stay that earned nothing for want of a rate, booked once a version had it. */
  | 'stay_re_earn'
  | 'tier_bonus'
  | 'referral'
  | 'welcome_back'
  | 'redemption'
  | 'adjustment'
  | 'expiry'
  | 'compensation'
  /**
   * A stay corrected by the PMS (`stay.amended`): the difference of its base points (source `stay`) and of its
   * tier bonus (source `tier_bonus`), one row each, keyed by the amendment's event.
   */
  | 'stay_amended'
  /** A stay voided by the PMS (`stay.cancelled`): its base points and tier bonus reversed (sources as above). */
  | 'stay_cancelled'
  /** The opening balance of a member import, or its correction by a later file (api/imports/members.ts). */
  | 'import';

/**
 * The ledger rows (alias `l`) that are a stay's base points: what counts toward a year's base points (the tier
 * thresholds, the review). Corrections of the base (source `stay`) count; those of the bonus do not.
 */
export const STAY_BASE_POINTS_SQL = `(l.reason in ('stay_base', 'stay_re_earn') or (l.reason in ('stay_amended', 'stay_cancelled') and l.source = 'stay'))`;

/** Where a movement comes from: stay, tier bonus, referral, welcome back, … */
export type LedgerSource =
  | 'stay'
  | 'tier_bonus'
  | 'referral'
  | 'welcome_back'
  | 'redemption'
  | 'adjustment'
  | 'expiry'
  | 'compensation'
  | 'import';

export interface PostInput {
  guestId: string;
  points: number;
  reason: LedgerReason;
  source?: LedgerSource;
  stayId?: string;
  rulesVersion?: number;
  staffRequestId?: string;
  /** When the movement counts (the stay's check-out, the workflow's now); defaults to the insert time. */
  effectiveAt?: Date;
  idempotencyKey: string;
  /** Refuse (BalanceTooLowError) a movement that would leave the balance below this. */
  minBalance?: number;
}

/** A movement would take the balance below what `minBalance` allows; nothing was written. */
export class BalanceTooLowError extends Error {
  constructor(public readonly balance: number) {
    super(`the balance is ${balance} points`);
    this.name = 'BalanceTooLowError';
  }
}

/**
 * Posts a movement once per idempotency key. The guest row is locked so the
 * running balance stays right under concurrent postings for one guest.
 */
export async function post(db: Knex, input: PostInput): Promise<{ entry: LedgerRow; created: boolean }> {
  return db.transaction(async (trx) => {
    await trx('guests').where({ id: input.guestId }).forUpdate().first('id');
    const existing = await trx<LedgerRow>('points_ledger')
      .where({ idempotency_key: input.idempotencyKey })
      .first();
    if (existing) return { entry: existing, created: false };
    const balance = Number(await balanceOf(trx, input.guestId));
    if (input.minBalance !== undefined && balance + input.points < input.minBalance)
      throw new BalanceTooLowError(balance);
    const [entry] = (await trx('points_ledger')
      .insert({
        guest_id: input.guestId,
        points: input.points,
        balance_after: balance + input.points,
        reason: input.reason,
        source:
          input.source ??
          (input.reason === 'stay_base' || input.reason === 'stay_re_earn' ? 'stay' : input.reason),
        stay_id: input.stayId ?? null,
        rules_version: input.rulesVersion ?? null,
        staff_request_id: input.staffRequestId ?? null,
        effective_at: input.effectiveAt ?? null,
        idempotency_key: input.idempotencyKey,
      })
      .returning('*')) as LedgerRow[];
    return { entry: entry!, created: true };
  });
}

export async function balanceOf(db: Knex, guestId: string): Promise<number> {
  const row = await db('points_ledger')
    .where({ guest_id: guestId })
    .first<{ balance: number }>(db.raw('coalesce(sum(points), 0)::bigint as balance'));
  return row.balance;
}

/** The points and balance after of the movement posted under `key`, if one was. */
export async function entryByKey(
  db: Knex,
  key: string,
): Promise<Pick<LedgerRow, 'points' | 'balance_after'> | undefined> {
  return db('points_ledger')
    .where({ idempotency_key: key })
    .first<Pick<LedgerRow, 'points' | 'balance_after'> | undefined>('points', 'balance_after');
}

/** Whether a movement was posted under `key`. */
export async function hasEntry(db: Knex, key: string): Promise<boolean> {
  return Boolean(await db('points_ledger').where({ idempotency_key: key }).first('id'));
}

export async function listByGuest(db: Knex, guestId: string): Promise<LedgerRow[]> {
  return db<LedgerRow>('points_ledger').where({ guest_id: guestId }).orderBy('id', 'desc');
}
