/**
 * What an erasure removes from free text and JSON (db/repositories/privacy.ts `eraseGuest`, docs/privacy.md).
 * Pure: fed the guest's own values (the needles) and the text or JSON of the guest's rows.
 *
 * Two passes over a JSON value (an audit entry's before/after, a PMS event's raw body, a staff request's body,
 * a mail's facts): every value under a key that holds personal data or free text (`PERSONAL_KEYS`: a name, an
 * address, a phone, a birthday, the PMS profile id, staff's reasons and notes, the guest's words) becomes
 * `ERASED`, whatever it is; and every other string has each needle (the guest's name, e-mail, phone, as they
 * were) replaced, in any case. Numbers, booleans, ids and codes under other keys stay: what the row records
 * (a points movement, an outcome) still reads.
 */

/** What an erased value becomes. */
export const ERASED = '[erased]';

/** The guest's names after an erasure (the columns are NOT NULL; the console shows the guest as erased). */
export const ERASED_FIRST_NAME = 'Erased';
export const ERASED_LAST_NAME = 'guest';

/** The PMS profile id an erased guest keeps (unique per source): the PMS's id is personal data, this is not. */
export const erasedProfileId = (guestId: string) => `erased:${guestId}`;

/** The first word of an erased guest's mails' `suppression_reason` (domain/mail-policy.ts). */
export const GUEST_ERASED_DETAIL = 'the guest asked to be forgotten';

/**
 * Keys whose values are personal data or free text, compared without case, `_` or `-`: `first_name`, `firstName`
 * and `FirstName` are the same key.
 */
export const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  'firstname',
  'lastname',
  'name',
  'fullname',
  'guestname',
  'email',
  'emailaddress',
  'toaddress',
  'address',
  'phone',
  'birthday',
  'pmsprofileid',
  'membernumber',
  'reason',
  'comment',
  'note',
  'notes',
  'body',
  'text',
  'words',
  'description',
  'resolution',
]);

const keyOf = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

/** Whether a JSON key holds personal data or free text. */
export const isPersonalKey = (key: string) => PERSONAL_KEYS.has(keyOf(key));

/** Needles shorter than this are not searched for in text (a two-letter name would cut words apart). */
export const MIN_NEEDLE = 3;

/** The guest's own values to look for in text: name (each part and whole), e-mail, phone, member number. */
export function needlesOf(guest: {
  first_name: string;
  last_name: string;
  email: string;
  phone?: string | null;
  member_number?: string | null;
  pms_profile_id?: string | null;
}): string[] {
  const all = [
    `${guest.first_name} ${guest.last_name}`,
    `${guest.last_name} ${guest.first_name}`,
    guest.email,
    guest.email.split('@')[0] ?? '',
    guest.first_name,
    guest.last_name,
    guest.phone ?? '',
    guest.member_number ?? '',
    guest.pms_profile_id ?? '',
  ].map((n) => n.trim());
  // Longest first, so a whole name is replaced before its parts.
  return [...new Set(all.filter((n) => n.length >= MIN_NEEDLE))].sort((a, b) => b.length - a.length);
}

/** Needles shorter than this are not looked for outside the guest's own rows (a name part matches other people). */
export const MIN_DISTINCTIVE = 6;

/**
 * The needles that name this guest and no one else — the e-mail, the whole name both ways, phone, member number,
 * PMS profile id (6 characters or more) — for rows that are not the guest's own (an audit entry about something
 * else that mentions the guest): a first name alone would match other guests' entries.
 */
export function distinctiveNeedlesOf(guest: Parameters<typeof needlesOf>[0]): string[] {
  const all = [
    guest.email,
    `${guest.first_name} ${guest.last_name}`,
    `${guest.last_name} ${guest.first_name}`,
    guest.phone ?? '',
    guest.member_number ?? '',
    guest.pms_profile_id ?? '',
  ].map((n) => n.trim());
  return [...new Set(all.filter((n) => n.length >= MIN_DISTINCTIVE))].sort((a, b) => b.length - a.length);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text with every needle replaced by `ERASED`, in any case. */
export function redactText(text: string, needles: readonly string[]): string {
  let out = text;
  for (const n of needles) out = out.replace(new RegExp(escape(n), 'gi'), ERASED);
  return out;
}

/** Whether the text holds a needle, in any case. */
export function holdsNeedle(text: string, needles: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return needles.some((n) => lower.includes(n.toLowerCase()));
}

/**
 * The JSON value with personal keys' values erased and needles replaced in every other string (see above). With
 * `keys: false` (a row that is not the guest's own) only the needles are replaced.
 */
export function redactJson(
  value: unknown,
  needles: readonly string[],
  opts: { keys?: boolean } = {},
): unknown {
  const keys = opts.keys ?? true;
  if (typeof value === 'string') return redactText(value, needles);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, needles, opts));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        keys && isPersonalKey(k) && v !== null && v !== undefined && typeof v !== 'boolean'
          ? ERASED
          : redactJson(v, needles, opts),
      ]),
    );
  return value;
}
