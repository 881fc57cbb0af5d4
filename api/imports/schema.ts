/**
 * One line of a member import file (docs/import.md "The file"), checked field by field with the same zod helpers
 * as the PMS intake (api/pms/schema.ts): a name, e-mail, locale, zone, phone or birthday that a PMS event could not
 * carry cannot come in by a file either. A bad line gives one problem per field, named by its column.
 */
import { z } from 'zod';
import { TIERS } from '../../domain/tiers.js';
import type { GuestImport } from '../../db/repositories/imports.js';
import {
  birthDate,
  email,
  externalId,
  instant,
  isoDate,
  locale,
  memberNumber,
  phone,
  text,
  timeZone,
} from '../pms/schema.js';

/** The columns of the file, in the order of the example in docs/import.md. The header names them (any order). */
export const MEMBER_COLUMNS = [
  'member_number',
  'pms_profile_id',
  'external_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'locale',
  'timezone',
  'birthday',
  'marketing_consent',
  'marketing_consent_at',
  'marketing_consent_source',
  'tier',
  'points_balance',
  'enrolled_on',
  'home_property',
] as const;
export type MemberColumn = (typeof MEMBER_COLUMNS)[number];

/** Columns a file must have (the others may be left out of the header, or empty). */
export const REQUIRED_COLUMNS: readonly MemberColumn[] = [
  'member_number',
  'first_name',
  'last_name',
  'email',
  'locale',
  'timezone',
  'tier',
  'points_balance',
  'enrolled_on',
];

/** The largest opening balance a line may carry (the ledger's points are a 32-bit integer). */
export const MAX_IMPORTED_POINTS = 100_000_000;

const CONSENT_VALUES: Record<string, boolean> = {
  yes: true,
  y: true,
  true: true,
  '1': true,
  no: false,
  n: false,
  false: false,
  '0': false,
};

/** An empty cell is an absent value. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

export const memberRowSchema = z
  .object({
    member_number: memberNumber,
    pms_profile_id: optional(externalId),
    external_id: optional(externalId),
    first_name: text(100),
    last_name: text(100),
    email,
    phone: optional(phone),
    locale,
    timezone: timeZone,
    birthday: optional(birthDate()),
    marketing_consent: optional(
      z
        .string()
        .max(10)
        .transform((v, ctx) => {
          const consent = CONSENT_VALUES[v.trim().toLowerCase()];
          if (consent === undefined) {
            ctx.addIssue({ code: 'custom', message: 'must be yes or no (or true/false, 1/0)' });
            return z.NEVER;
          }
          return consent;
        }),
    ),
    marketing_consent_at: optional(instant()),
    marketing_consent_source: optional(text(60)),
    tier: z
      .string()
      .max(20)
      .transform((v) => v.trim().toLowerCase())
      .pipe(z.enum(TIERS, { message: `must be one of ${TIERS.join(', ')}` })),
    points_balance: z
      .string()
      .max(12)
      .trim()
      .regex(/^[0-9]+$/, 'must be a whole number of points, 0 or more')
      .transform(Number)
      .pipe(z.number().max(MAX_IMPORTED_POINTS, `must be at most ${MAX_IMPORTED_POINTS}`)),
    enrolled_on: isoDate(),
    home_property: optional(text(40)),
  })
  .superRefine((r, ctx) => {
    if (r.pms_profile_id === undefined && r.external_id === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['pms_profile_id'],
        message: 'a pms_profile_id or an external_id is required',
      });
    if (r.marketing_consent_at !== undefined && r.marketing_consent === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['marketing_consent'],
        message: 'is required when marketing_consent_at is given',
      });
  });

/** A good line as the import writes it (db/repositories/imports.ts `GuestImport`, its source narrowed). */
export interface MemberRow extends GuestImport {
  /** `pms` with the PMS's profile id, or `import` with the old system's id. */
  source: 'pms' | 'import';
}

export interface RowProblem {
  line: number;
  /** The column (`member_number`), or `(row)` for the line as a whole. */
  field: string;
  message: string;
}

/** The day (UTC+14, where it starts first) after which a birthday or an enrolment is in the future. */
const latestToday = (nowMs: number) => new Date(nowMs + 14 * 3_600_000).toISOString().slice(0, 10);

/**
 * A line of the file (its cells by column) as a row to import, or the problems that keep it out. `nowMs` is the
 * clock for the dates that must not be in the future (birthday, enrolment, consent).
 */
export function parseMemberRow(
  line: number,
  cells: Partial<Record<MemberColumn, string>>,
  nowMs: number,
): { row: MemberRow } | { problems: RowProblem[] } {
  const parsed = memberRowSchema.safeParse(cells);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const field = i.path.length ? String(i.path[0]) : '(row)';
      const cell = cells[field as MemberColumn];
      // A required column left empty reads better than zod's message about its format.
      const empty = i.code !== 'custom' && (cell === undefined || cell.trim() === '');
      return { line, field, message: empty ? 'is required' : i.message };
    });
    // One problem per field: the first is enough to fix it.
    const seen = new Set<string>();
    return { problems: problems.filter((p) => !seen.has(p.field) && seen.add(p.field)) };
  }
  const r = parsed.data;
  const today = latestToday(nowMs);
  const problems: RowProblem[] = [];
  if (r.birthday !== undefined && r.birthday > today)
    problems.push({ line, field: 'birthday', message: 'must not be in the future' });
  if (r.enrolled_on > today)
    problems.push({ line, field: 'enrolled_on', message: 'must not be in the future' });
  if (r.marketing_consent_at !== undefined && Date.parse(r.marketing_consent_at) > nowMs + 300_000)
    problems.push({ line, field: 'marketing_consent_at', message: 'must not be in the future' });
  if (problems.length) return { problems };
  return {
    row: {
      line,
      memberNumber: r.member_number,
      source: r.pms_profile_id !== undefined ? 'pms' : 'import',
      profileId: (r.pms_profile_id ?? r.external_id)!,
      firstName: r.first_name,
      lastName: r.last_name,
      email: r.email,
      phone: r.phone ?? null,
      locale: r.locale,
      timezone: r.timezone,
      birthday: r.birthday ?? null,
      marketingConsent: r.marketing_consent ?? false,
      consentAt: r.marketing_consent_at ?? null,
      consentSource: r.marketing_consent_source ?? null,
      tier: r.tier,
      points: r.points_balance,
      enrolledOn: r.enrolled_on,
      homeProperty: r.home_property ?? null,
    },
  };
}
