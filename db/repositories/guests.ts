import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import type { Stage } from '../../domain/stages.js';
import type { Tier } from '../../domain/tiers.js';
import type { GuestProfile } from '../../domain/types.js';

export interface GuestRow {
  id: string;
  source: string;
  pms_profile_id: string;
  first_name: string;
  last_name: string;
  email: string;
  locale: string;
  timezone: string;
  profile_as_of: Date;
  created_at: Date;
  updated_at: Date;
  member_number: string | null;
  enrolled_at: Date | null;
  enrolment_channel: string | null;
  referred_by_guest_id: string | null;
  /** 'YYYY-MM-DD' */
  birthday: string | null;
  marketing_consent: boolean;
  phone: string | null;
  stage: string;
  tier: string;
  /** 'YYYY-MM-DD' */
  tier_valid_through: string | null;
  tier_floor: string | null;
  /** When the guest's personal data was erased (migration 030, docs/privacy.md), or null. */
  erased_at?: Date | null;
}

export const PROFILE_FIELDS = ['first_name', 'last_name', 'email', 'locale', 'timezone'] as const;
export type ProfileFields = Pick<GuestRow, (typeof PROFILE_FIELDS)[number]>;

function profileColumns(profile: GuestProfile): ProfileFields {
  return {
    first_name: profile.firstName,
    last_name: profile.lastName,
    email: profile.email,
    locale: profile.locale,
    timezone: profile.timezone,
  };
}

export function profileOf(row: GuestRow): ProfileFields {
  return Object.fromEntries(PROFILE_FIELDS.map((f) => [f, row[f]])) as ProfileFields;
}

/** Creates the guest known to `source` by `pmsProfileId` unless it exists (then `guest` is undefined). */
export async function insertIfAbsent(
  db: Knex,
  input: { source: string; profile: GuestProfile; asOf: Date },
): Promise<GuestRow | undefined> {
  const [row] = await db<GuestRow>('guests')
    .insert({
      source: input.source,
      pms_profile_id: input.profile.pmsProfileId,
      ...profileColumns(input.profile),
      profile_as_of: input.asOf,
    })
    .onConflict(['source', 'pms_profile_id'])
    .ignore()
    .returning('*');
  return row;
}

/** The guest known to `source` by its profile ID, locked for the rest of the transaction. */
export async function findByPmsProfileForUpdate(
  db: Knex,
  source: string,
  pmsProfileId: string,
): Promise<GuestRow | undefined> {
  return (
    (await db<GuestRow>('guests').where({ source, pms_profile_id: pmsProfileId }).forUpdate().first()) ??
    undefined
  );
}

/** Overwrites the profile with one as of `asOf`; returns the row after. */
export async function updateProfile(
  db: Knex,
  id: string,
  profile: GuestProfile,
  asOf: Date,
): Promise<GuestRow> {
  const [row] = await db<GuestRow>('guests')
    .where({ id })
    .update({ ...profileColumns(profile), profile_as_of: asOf, updated_at: db.fn.now() })
    .returning('*');
  if (!row) throw new Error(`guest ${id} vanished while updating its profile`);
  return row;
}

export async function findById(db: Knex, id: string): Promise<GuestRow | undefined> {
  return (await db<GuestRow>('guests').where({ id }).first()) ?? undefined;
}

/** What a mail needs of the guest at its send time, and nothing more: name, address, locale. */
export async function contactOf(
  db: Knex,
  id: string,
): Promise<Pick<GuestRow, 'first_name' | 'last_name' | 'email' | 'locale' | 'erased_at'> | undefined> {
  return (
    (await db<GuestRow>('guests')
      .where({ id })
      .first('first_name', 'last_name', 'email', 'locale', 'erased_at')) ?? undefined
  );
}

export async function exists(db: Knex, id: string): Promise<boolean> {
  return (await db('guests').where({ id }).first('id')) !== undefined;
}

/** Whether the guest (still) consents to marketing mail; false for a guest that is gone. */
export async function hasMarketingConsent(db: Knex, id: string): Promise<boolean> {
  const guest = await db<GuestRow>('guests').where({ id }).first('marketing_consent');
  return Boolean(guest?.marketing_consent);
}

/** The guest's marketing consent and erasure (migration 030); undefined for a guest that is gone. */
export async function consentOf(
  db: Knex,
  id: string,
): Promise<{ marketing_consent: boolean; erased_at: Date | null } | undefined> {
  return (
    (await db('guests')
      .where({ id })
      .first<{ marketing_consent: boolean; erased_at: Date | null } | undefined>(
        'marketing_consent',
        'erased_at',
      )) ?? undefined
  );
}

// --- what only a profile update carries ----------------------------------------------------------------------

/** Contact and consent facts a `profile.updated` event may set; `null` clears a phone or birthday. */
export interface ProfileExtras {
  phone?: string | null | undefined;
  birthday?: string | null | undefined;
  marketingConsent?: boolean | undefined;
}

export const EXTRA_FIELDS = ['phone', 'birthday', 'marketing_consent'] as const;
export type ExtraFields = Pick<GuestRow, (typeof EXTRA_FIELDS)[number]>;

/** The columns of the extras that the event carries (absent fields are left alone). */
export function extraColumns(extras: ProfileExtras): Partial<ExtraFields> {
  return {
    ...(extras.phone !== undefined ? { phone: extras.phone } : {}),
    ...(extras.birthday !== undefined ? { birthday: extras.birthday } : {}),
    ...(extras.marketingConsent !== undefined ? { marketing_consent: extras.marketingConsent } : {}),
  };
}

/** Sets the extras the event carries (call only for an event newer than the profile); returns the row after. */
export async function updateExtras(db: Knex, id: string, extras: ProfileExtras): Promise<GuestRow> {
  const columns = extraColumns(extras);
  if (Object.keys(columns).length === 0) {
    const row = await findById(db, id);
    if (!row) throw new Error(`guest ${id} vanished while updating its profile`);
    return row;
  }
  const [row] = await db<GuestRow>('guests')
    .where({ id })
    .update({ ...columns, updated_at: db.fn.now() })
    .returning('*');
  if (!row) throw new Error(`guest ${id} vanished while updating its profile`);
  return row;
}

/** The API's names of the profile columns (`changed` in a profile.updated message). */
export const FIELD_NAMES: Record<(typeof PROFILE_FIELDS)[number] | (typeof EXTRA_FIELDS)[number], string> = {
  first_name: 'firstName',
  last_name: 'lastName',
  email: 'email',
  locale: 'locale',
  timezone: 'timezone',
  phone: 'phone',
  birthday: 'birthday',
  marketing_consent: 'marketingConsent',
};

/** Every profile column that differs between two versions of a guest, extras included. */
export function fullProfileChanges(before: GuestRow, after: GuestRow) {
  const fields = [...PROFILE_FIELDS, ...EXTRA_FIELDS] as const;
  const changed = fields.filter((f) => before[f] !== after[f]);
  return {
    before: Object.fromEntries(changed.map((f) => [f, before[f]])),
    after: Object.fromEntries(changed.map((f) => [f, after[f]])),
    fields: changed,
  };
}

// --- membership ----------------------------------------------------------------------------------------------

/** The guest whose member number this is, if any. */
export async function findByMemberNumber(
  db: Knex,
  memberNumber: string,
): Promise<Pick<GuestRow, 'id' | 'member_number'> | undefined> {
  return (
    (await db<GuestRow>('guests').where({ member_number: memberNumber }).first('id', 'member_number')) ??
    undefined
  );
}

/** A new member number: `M` and nine digits, the first not zero. */
export function newMemberNumber(): string {
  return `M${randomInt(100_000_000, 1_000_000_000)}`;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Enrols the guest (call with its row locked, in a transaction): a member number unless it has one, the
 * first enrolment's date and channel, the referrer unless one is recorded. Nothing already set changes, so a
 * repeat is harmless. Each try of a number runs in a savepoint: a clash with another guest's number (one in
 * 900 million) only costs another try, not the transaction.
 */
export async function enrol(
  trx: Knex.Transaction,
  input: { guestId: string; at: Date; channel: string; referredByGuestId?: string | undefined },
): Promise<{ before: GuestRow; after: GuestRow }> {
  const before = await findById(trx, input.guestId);
  if (!before) throw new Error(`guest ${input.guestId} vanished while enrolling`);
  for (let attempt = 1; ; attempt++) {
    try {
      const after = await trx.transaction(async (sp) => {
        const [row] = await sp<GuestRow>('guests')
          .where({ id: input.guestId })
          .update({
            member_number: before.member_number ?? newMemberNumber(),
            enrolled_at: before.enrolled_at ?? input.at,
            enrolment_channel: before.enrolment_channel ?? input.channel,
            referred_by_guest_id: before.referred_by_guest_id ?? input.referredByGuestId ?? null,
            updated_at: sp.fn.now(),
          })
          .returning('*');
        return row!;
      });
      return { before, after };
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION || attempt >= 5) throw err;
    }
  }
}

/** How and when the guest enrolled, if it did. */
export async function enrolmentOf(
  db: Knex,
  id: string,
): Promise<Pick<GuestRow, 'enrolment_channel' | 'enrolled_at'> | undefined> {
  return db<GuestRow>('guests').where({ id }).first('enrolment_channel', 'enrolled_at');
}

export function membershipOf(row: GuestRow) {
  return {
    member_number: row.member_number,
    enrolled_at: row.enrolled_at,
    enrolment_channel: row.enrolment_channel,
    referred_by_guest_id: row.referred_by_guest_id,
  };
}

// --- history (read) ------------------------------------------------------------------------------------------

export interface TierHistoryRow {
  id: number;
  guest_id: string;
  tier: string;
  previous_tier: string;
  valid_from: string;
  valid_through: string | null;
  source: string;
  reason: string;
  rules_version: number | null;
  at: Date;
}

export interface StageHistoryRow {
  id: number;
  guest_id: string;
  from_stage: string | null;
  to_stage: string;
  reason: string;
  actor: string;
  at: Date;
}

/** The guest's tier changes, newest first (at most `limit`). */
export async function tierHistory(db: Knex, guestId: string, limit = 100): Promise<TierHistoryRow[]> {
  return db<TierHistoryRow>('tier_history').where({ guest_id: guestId }).orderBy('id', 'desc').limit(limit);
}

/** The guest's stage transitions, newest first (at most `limit`). */
export async function stageHistory(db: Knex, guestId: string, limit = 100): Promise<StageHistoryRow[]> {
  return db<StageHistoryRow>('stage_history').where({ guest_id: guestId }).orderBy('id', 'desc').limit(limit);
}

/**
 * What staff search guests by (`GET /v1/guests`): every given field must match. The indexes are migration 019's
 * (db/migrations/20261206_019_guest_search_v2.ts: why bigrams and not pg_trgm).
 */
export interface GuestSearch {
  /** A whole address, equal in any case. */
  email?: string;
  /** Part of the address, in any case (at least 3 characters). */
  emailPart?: string;
  memberNumber?: string;
  pmsProfileId?: string;
  /** Digits the stored number's digits end with (a number without its country code finds it). */
  phoneDigits?: string;
  /** Part of "first last", "last first" or "lastfirst", in any case (at least 2 characters). */
  name?: string;
  tier?: Tier;
  stage?: Stage;
}

/** Where a page starts: after this guest in name order (lower last name, lower first name, id). */
export interface GuestCursor {
  lastName: string;
  firstName: string;
  id: string;
}

export interface GuestSearchRow extends GuestRow {
  /** The sort key: lower(last_name), lower(first_name). */
  sort_last: string;
  sort_first: string;
  /** The last stay's departure ('YYYY-MM-DD') and property, null without a stay. */
  last_stay_departure: string | null;
  last_property: string | null;
}

/** `%`, `_` and `\` of a term are literal in LIKE. */
const likeContaining = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The statement of `search` (the bench runs it as it is: bench/guest-reads.ts): the guests matching every given
 * field, in name order (lower last name, lower first name, id), the page of at most `limit` after `after` and one
 * more (there is a next page when it comes back), each with its last stay, read for those rows only.
 */
export function searchStatement(
  db: Knex,
  q: GuestSearch,
  page: { limit: number; after?: GuestCursor | undefined },
): Knex.QueryBuilder {
  const inner = db<GuestRow>('guests').select(
    'guests.*',
    db.raw('lower(last_name) as sort_last'),
    db.raw('lower(first_name) as sort_first'),
  );
  if (q.email !== undefined) void inner.whereRaw('lower(email) = lower(?)', [q.email]);
  if (q.emailPart !== undefined)
    void inner
      .whereRaw('guest_search_bigrams(email) @> guest_search_bigrams(?)', [q.emailPart])
      .whereRaw('email ilike ?', [likeContaining(q.emailPart)]);
  if (q.memberNumber !== undefined) void inner.where({ member_number: q.memberNumber });
  if (q.pmsProfileId !== undefined) void inner.where({ pms_profile_id: q.pmsProfileId });
  if (q.phoneDigits !== undefined)
    void inner
      .whereNotNull('phone')
      .whereRaw("reverse(regexp_replace(phone, '[^0-9]', '', 'g')) like ?", [
        `${[...q.phoneDigits].reverse().join('')}%`,
      ]);
  if (q.name !== undefined)
    void inner
      .whereRaw('guest_search_bigrams(guest_name_key(first_name, last_name)) @> guest_search_bigrams(?)', [
        q.name,
      ])
      .whereRaw('guest_name_key(first_name, last_name) ilike ?', [likeContaining(q.name)]);
  if (q.tier !== undefined) void inner.where({ tier: q.tier });
  if (q.stage !== undefined) void inner.where({ stage: q.stage });
  if (page.after)
    void inner.whereRaw('(lower(last_name), lower(first_name), id) > (?, ?, ?::uuid)', [
      page.after.lastName,
      page.after.firstName,
      page.after.id,
    ]);
  void inner.orderByRaw('lower(last_name), lower(first_name), id').limit(page.limit + 1);
  return db
    .select('g.*', 'ls.departure as last_stay_departure', 'ls.property_code as last_property')
    .from(inner.as('g'))
    .joinRaw(
      `left join lateral (select departure, property_code from stays s where s.guest_id = g.id and s.cancelled_at is null
                          order by departure desc, checked_out_at desc, id desc limit 1) ls on true`,
    )
    .orderBy(['g.sort_last', 'g.sort_first', 'g.id']);
}

/**
 * The guests matching every given field, in name order, the page of at most `limit` after `after`, each with
 * its last stay; `next` is the cursor of the following page, null on the last.
 */
export async function search(
  db: Knex,
  q: GuestSearch,
  page: { limit: number; after?: GuestCursor | undefined },
): Promise<{ rows: GuestSearchRow[]; next: GuestCursor | null }> {
  const rows = (await searchStatement(db, q, page)) as GuestSearchRow[];
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown.at(-1);
  return {
    rows: shown,
    next: more && last ? { lastName: last.sort_last, firstName: last.sort_first, id: last.id } : null,
  };
}

// --- what the links in mails read and write (api/links/service.ts) ------------------------------------------

/** The guest as a link's page needs it: locale, the "why did you leave" answer, marketing consent. */
export interface LinkGuestRow {
  id: string;
  locale: string;
  churn_reason: string | null;
  churn_reason_at: Date | null;
  marketing_consent: boolean;
  updated_at: Date;
}

export async function findLinkGuest(db: Knex, id: string): Promise<LinkGuestRow | undefined> {
  return (
    (await db<LinkGuestRow>('guests')
      .where({ id })
      // An erased guest's links lead nowhere (docs/privacy.md).
      .whereNull('erased_at')
      .first('id', 'locale', 'churn_reason', 'churn_reason_at', 'marketing_consent')) ?? undefined
  );
}

/** The guest's churn reason, its row locked for the rest of the transaction `trx`; undefined when it is gone. */
export async function lockChurnReason(
  trx: Knex.Transaction,
  id: string,
): Promise<Pick<LinkGuestRow, 'id' | 'churn_reason'> | undefined> {
  return trx<LinkGuestRow>('guests').where({ id }).forUpdate().first('id', 'churn_reason');
}

/** Stores the guest's answer to "why did you leave" (replacing an earlier one); returns when it was recorded. */
export async function setChurnReason(trx: Knex.Transaction, id: string, reason: string): Promise<Date> {
  const [after] = await trx<LinkGuestRow>('guests')
    .where({ id })
    .update({ churn_reason: reason, churn_reason_at: trx.fn.now(), updated_at: trx.fn.now() })
    .returning(['churn_reason_at']);
  return after!.churn_reason_at!;
}

/**
 * The guest's marketing consent, its row locked (FOR NO KEY UPDATE, as the mail planner locks it) for the rest
 * of the transaction `trx`; undefined when it is gone.
 */
export async function lockMarketingConsent(
  trx: Knex.Transaction,
  id: string,
): Promise<Pick<LinkGuestRow, 'id' | 'marketing_consent'> | undefined> {
  return trx<LinkGuestRow>('guests').where({ id }).forNoKeyUpdate().first('id', 'marketing_consent');
}

/** Turns the guest's marketing consent off; returns the time of the change. */
export async function turnMarketingConsentOff(trx: Knex.Transaction, id: string): Promise<Date> {
  const [after] = await trx<LinkGuestRow>('guests')
    .where({ id })
    .update({ marketing_consent: false, updated_at: trx.fn.now() })
    .returning(['updated_at']);
  return after!.updated_at;
}

/** Names of the guests with these ids (a page of workflows shows whose each is). */
export async function namesOf(
  db: Knex,
  ids: readonly string[],
): Promise<Map<string, { firstName: string; lastName: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db<GuestRow>('guests')
    .whereIn('id', ids)
    .select<Pick<GuestRow, 'id' | 'first_name' | 'last_name'>[]>('id', 'first_name', 'last_name');
  return new Map(rows.map((r) => [r.id, { firstName: r.first_name, lastName: r.last_name }]));
}

/** A page of guest ids in id order after `after` (a reconcile walks every guest: api/guests/reconcile.ts). */
export async function idsAfter(db: Knex, after: string | null, limit: number): Promise<string[]> {
  const q = db('guests').orderBy('id').limit(limit).select<{ id: string }[]>('id');
  if (after !== null) void q.where('id', '>', after);
  return (await q).map((r) => r.id);
}
