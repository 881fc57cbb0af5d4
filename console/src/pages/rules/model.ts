/**
 * The rules page's data: what the API answers (api/program/openapi.ts), and the draft editor's form — every field
 * of a rules version (domain/program.ts `ProgramRules`) as the text the admin types, turned back into the rules
 * the API checks. The API's schema is the one judge: a value the form cannot read as a number goes as `null`,
 * and the 400 names the field, which the form shows next to it.
 */
import type { ProgramRules } from '../../../../domain/program';
import { DEFAULT_SEGMENT_SETTINGS } from '../../../../domain/segments';
import type { Tier } from '../../../../domain/tiers';

export interface RulesVersionRow {
  version: number;
  effectiveFrom: string;
  rules: ProgramRules;
  createdBy: string;
  createdAt: string;
}

export interface RulesList {
  inForce: number | null;
  versions: RulesVersionRow[];
}

export interface Draft {
  id: number;
  rules: ProgramRules;
  basedOnVersion: number | null;
  note: string | null;
  revision: number;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  publishedVersion: number | null;
  publishedBy: string | null;
  publishedAt: string | null;
  discardedBy: string | null;
  discardedAt: string | null;
}

export interface ReviewTotals {
  up: number;
  down: number;
  kept: number;
  floor: number;
}

export interface Preview {
  year: number;
  reviewDay: string;
  currentVersion: number | null;
  currentEffectiveFrom: string | null;
  members: number;
  current: ReviewTotals;
  draft: ReviewTotals;
  transitions: { from: Tier; to: Tier; current: number; draft: number; difference: number }[];
}

export const TIER_KEYS = ['silver', 'gold', 'diamond'] as const;
export const TIER_MEASURES = ['nights', 'stays', 'basePoints', 'bonusPercent'] as const;
export const EARN_FIELDS = [
  'basePointsPerUnit',
  'referralBonus',
  'welcomeBackBonus',
  'redemptionMinimum',
] as const;
export const TIMING_FIELDS = [
  'pointsExpiryMonths',
  'pointsExpiryWarningDays',
  'atRiskAfterMonths',
  'lapseAfterMonths',
  'firstYearReminderMonthsBefore',
  'tierKeepReminderDaysBefore',
  'reviewJitterHours',
  'greetingHour',
] as const;
export const SEGMENT_SHARES = ['vipShare', 'majorShare', 'ordinaryShare'] as const;

/** The form: numbers as typed, keyed by their path in the rules (`tiers.gold.nights`). */
export interface RulesForm {
  programCurrency: string;
  numbers: Record<string, string>;
  rates: { code: string; rate: string }[];
  winBack: { day: string; offer: string }[];
}

/** The paths of every number of the form, in the order the editor shows them. */
export const NUMBER_PATHS: readonly string[] = [
  ...TIER_KEYS.flatMap((t) => TIER_MEASURES.map((m) => `tiers.${t}.${m}`)),
  ...EARN_FIELDS,
  ...TIMING_FIELDS,
  'winBack.answerWindowDays',
  ...SEGMENT_SHARES.map((s) => `segments.value.${s}`),
  'segments.newMemberDays',
];

/** The number or text at `path` of `rules`, as text; undefined when there is none. */
function at(rules: unknown, path: string): string | undefined {
  const v = atPath(rules, path);
  return typeof v === 'number' || typeof v === 'string' ? String(v) : undefined;
}

function atPath(rules: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      rules,
    );
}

/** A version's rules in the form (a version without segment settings shows the defaults it runs by). */
export function formOf(rules: ProgramRules): RulesForm {
  const withSegments = { ...rules, segments: rules.segments ?? DEFAULT_SEGMENT_SETTINGS };
  return {
    programCurrency: rules.programCurrency,
    numbers: Object.fromEntries(NUMBER_PATHS.map((p) => [p, at(withSegments, p) ?? ''])),
    rates: Object.entries(rules.currencyRates).map(([code, rate]) => ({ code, rate: String(rate) })),
    winBack: rules.winBack.offerDays.map((day, i) => ({
      day: String(day),
      offer: rules.winBack.offers[i] ?? '',
    })),
  };
}

/** A number as typed; anything else goes as null, for the API to name. */
function num(text: string): number | null {
  const t = text.trim().replace(/,/g, '');
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** The form as rules, for the API to check. */
export function rulesOf(form: RulesForm): ProgramRules {
  const n = (p: string) => num(form.numbers[p] ?? '') as number;
  const tier = (t: (typeof TIER_KEYS)[number]) => ({
    nights: n(`tiers.${t}.nights`),
    stays: n(`tiers.${t}.stays`),
    basePoints: n(`tiers.${t}.basePoints`),
    bonusPercent: n(`tiers.${t}.bonusPercent`),
  });
  return {
    programCurrency: form.programCurrency.trim().toUpperCase(),
    basePointsPerUnit: n('basePointsPerUnit'),
    currencyRates: Object.fromEntries(
      form.rates.map((r) => [r.code.trim().toUpperCase(), num(r.rate) as number]),
    ),
    tiers: { silver: tier('silver'), gold: tier('gold'), diamond: tier('diamond') },
    referralBonus: n('referralBonus'),
    welcomeBackBonus: n('welcomeBackBonus'),
    redemptionMinimum: n('redemptionMinimum'),
    pointsExpiryMonths: n('pointsExpiryMonths'),
    pointsExpiryWarningDays: n('pointsExpiryWarningDays'),
    atRiskAfterMonths: n('atRiskAfterMonths'),
    lapseAfterMonths: n('lapseAfterMonths'),
    firstYearReminderMonthsBefore: n('firstYearReminderMonthsBefore'),
    tierKeepReminderDaysBefore: n('tierKeepReminderDaysBefore'),
    reviewJitterHours: n('reviewJitterHours'),
    winBack: {
      offerDays: form.winBack.map((w) => num(w.day) as number),
      offers: form.winBack.map((w) => w.offer),
      answerWindowDays: n('winBack.answerWindowDays'),
    },
    greetingHour: n('greetingHour'),
    segments: {
      value: {
        vipShare: n('segments.value.vipShare'),
        majorShare: n('segments.value.majorShare'),
        ordinaryShare: n('segments.value.ordinaryShare'),
      },
      newMemberDays: n('segments.newMemberDays'),
    },
  };
}

/** The value at `path` of `rules`, as the form would show it (for "was …" next to a changed field). */
export function shownAt(rules: ProgramRules | undefined, path: string): string | undefined {
  if (!rules) return undefined;
  return at({ ...rules, segments: rules.segments ?? DEFAULT_SEGMENT_SETTINGS }, path);
}

/**
 * The API's issues of a 400 (`details.issues`, api/errors.ts) by the form's path (`rules.tiers.gold.nights` →
 * `tiers.gold.nights`; `rules.currencyRates.EUR` → `currencyRates.EUR`), the first message of each.
 */
export function fieldErrors(details: Record<string, unknown> | undefined): Record<string, string> {
  const issues = Array.isArray(details?.issues)
    ? (details.issues as { field?: unknown; message?: unknown }[])
    : [];
  const out: Record<string, string> = {};
  for (const i of issues) {
    if (typeof i.field !== 'string' || typeof i.message !== 'string') continue;
    const path = i.field.startsWith('rules.') ? i.field.slice('rules.'.length) : i.field;
    out[path] ??= i.message;
  }
  return out;
}

/** `YYYY-MM-DD` plus `days`. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
