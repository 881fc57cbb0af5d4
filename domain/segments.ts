/**
 * Segments: how marketers cut the guest base (docs/segments.md), as pure rules over facts the repositories read.
 * Each rule comes in two forms that must agree (domain/segments.test.ts checks they do): the verdict for one
 * guest, and the bounds a statement filters the whole base by, so the SQL compares with numbers and dates this
 * module computed and never restates a rule.
 *
 * - **Value** (seed 002, Pareto): guests ranked by revenue over the last 12 months in the program currency; the
 *   top `vipShare` of those who spent are VIP, down to `majorShare` major (VIP and major together: "the 20 % of
 *   guests who bring most revenue"), down to `ordinaryShare` ordinary, the rest small. A guest who spent nothing
 *   in the window is small.
 * - **RFM**: recency (days since the last stay), frequency (stays) and monetary (revenue) each scored 1–5 by the
 *   base's quintile cut points; 5 is best (the most recent, the most stays, the most revenue).
 * - **Tenure** (seed 002): a member enrolled less than `newMemberDays` ago is new; one whose first anniversary is
 *   at most `firstYearReminderMonthsBefore` months away is in a first year ending (the churn after the first
 *   year reached 60 %); lapsed and churned are the lifecycle's stages (domain/stages.ts); any other member is
 *   established, and a guest never enrolled a prospect.
 */
import type { SegmentSettings } from './program.js';
import type { Stage } from './stages.js';
import type { Tier } from './tiers.js';

export type { SegmentSettings };

export const VALUE_SEGMENTS = ['vip', 'major', 'ordinary', 'small'] as const;
export type ValueSegment = (typeof VALUE_SEGMENTS)[number];

export const TENURES = ['new', 'first_year_ending', 'established', 'lapsed', 'churned', 'prospect'] as const;
export type Tenure = (typeof TENURES)[number];

export const DEFAULT_SEGMENT_SETTINGS: SegmentSettings = {
  value: { vipShare: 0.05, majorShare: 0.2, ordinaryShare: 0.7 },
  newMemberDays: 90,
};

/** The segment settings of a rules version: its own, or the defaults. */
export function segmentSettingsOf(rules: { segments?: SegmentSettings | undefined }): SegmentSettings {
  return rules.segments ?? DEFAULT_SEGMENT_SETTINGS;
}

/** What is wrong with settings, each fault with the field it is about: the shares must rise within (0, 1]. */
export function segmentSettingsFaults(
  s: SegmentSettings,
): { field: 'value' | 'newMemberDays'; message: string }[] {
  const faults: { field: 'value' | 'newMemberDays'; message: string }[] = [];
  const { vipShare, majorShare, ordinaryShare } = s.value;
  if (!(vipShare > 0 && vipShare <= majorShare && majorShare <= ordinaryShare && ordinaryShare <= 1))
    faults.push({
      field: 'value',
      message: 'the shares must rise: 0 < vipShare ≤ majorShare ≤ ordinaryShare ≤ 1',
    });
  if (!Number.isInteger(s.newMemberDays) || s.newMemberDays < 1)
    faults.push({ field: 'newMemberDays', message: 'must be a whole number of days, at least 1' });
  return faults;
}

// ---------------------------------------------------------------------------------------------- value

/**
 * The last rank (1 = the most revenue) of each value segment among `spenders` guests who spent in the window:
 * rank ≤ `vip` is VIP, ≤ `major` major, ≤ `ordinary` ordinary. A share that takes part of a guest rounds up, so
 * a base of 10 spenders still has a VIP.
 */
export function valueRankBounds(
  spenders: number,
  settings: SegmentSettings['value'] = DEFAULT_SEGMENT_SETTINGS.value,
): { vip: number; major: number; ordinary: number } {
  const upTo = (share: number) => Math.min(spenders, Math.ceil(share * spenders));
  return {
    vip: upTo(settings.vipShare),
    major: upTo(settings.majorShare),
    ordinary: upTo(settings.ordinaryShare),
  };
}

/** The value segment of a guest ranked `rank` by revenue among `spenders` (rank null: spent nothing). */
export function valueSegment(
  input: { rank: number | null; spenders: number },
  settings: SegmentSettings['value'] = DEFAULT_SEGMENT_SETTINGS.value,
): ValueSegment {
  if (input.rank === null || input.rank < 1 || input.rank > input.spenders) return 'small';
  const bounds = valueRankBounds(input.spenders, settings);
  if (input.rank <= bounds.vip) return 'vip';
  if (input.rank <= bounds.major) return 'major';
  if (input.rank <= bounds.ordinary) return 'ordinary';
  return 'small';
}

/** The share of the revenue the top `topShare` of guests brought (Pareto: 0.8 for the top 0.2 in the seed). */
export function revenueShareOfTop(revenues: readonly number[], topShare = 0.2): number {
  const sorted = revenues.filter((r) => r > 0).sort((a, b) => b - a);
  const total = sorted.reduce((s, r) => s + r, 0);
  if (total === 0) return 0;
  const top = sorted.slice(0, Math.ceil(topShare * sorted.length));
  return top.reduce((s, r) => s + r, 0) / total;
}

// ---------------------------------------------------------------------------------------------- RFM

export type Score = 1 | 2 | 3 | 4 | 5;

/** The base's cut points of one measure, its 20th, 40th, 60th and 80th percentiles, rising. */
export type QuintileCuts = readonly [number, number, number, number];

/**
 * A measure's score 1–5: how many cut points the value is above, plus one, when more is better; the reverse
 * when less is better (recency in days). Equal values always score the same.
 */
export function quintileScore(value: number, cuts: QuintileCuts, moreIsBetter: boolean): Score {
  const above = cuts.filter((c) => value > c).length;
  return (moreIsBetter ? 1 + above : 5 - above) as Score;
}

export interface RfmCuts {
  recencyDays: QuintileCuts;
  stays: QuintileCuts;
  revenue: QuintileCuts;
}

export interface RfmFacts {
  /** Days since the last stay's departure. */
  recencyDays: number;
  stays: number;
  /** Revenue over the window, in the program currency. */
  revenue: number;
}

/** A guest's RFM scores (a guest without a stay has none). */
export function rfmScores(facts: RfmFacts, cuts: RfmCuts): { r: Score; f: Score; m: Score } {
  return {
    r: quintileScore(facts.recencyDays, cuts.recencyDays, false),
    f: quintileScore(facts.stays, cuts.stays, true),
    m: quintileScore(facts.revenue, cuts.revenue, true),
  };
}

/**
 * The values of a measure that score `score`, as bounds a statement filters by: `above` exclusive, `atMost`
 * inclusive, null where the range is open. The reverse of quintileScore.
 */
export function scoreRange(
  score: Score,
  cuts: QuintileCuts,
  moreIsBetter: boolean,
): { above: number | null; atMost: number | null } {
  const above = moreIsBetter ? score - 1 : 5 - score; // how many cut points the value is above
  return { above: above === 0 ? null : cuts[above - 1]!, atMost: above === 4 ? null : cuts[above]! };
}

/**
 * The base's quintile cut points of one measure from its values, any order: for each of 0.2, 0.4, 0.6 and 0.8
 * the first value, in rising order, whose position reaches that share of the base (PostgreSQL's
 * `percentile_disc`, which db/repositories/segments.ts `rfmCuts` runs; the e2e test checks the two agree).
 * Each cut is a value some guest has, so equal values tie exactly. Null for an empty base.
 */
export function quintileCuts(values: readonly number[]): QuintileCuts | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
  return [at(0.2), at(0.4), at(0.6), at(0.8)];
}

/** The shares of the base `quintileCuts` and its SQL form cut at. */
export const QUINTILE_SHARES = [0.2, 0.4, 0.6, 0.8] as const;

/** A span of scores, both ends included: `[2, 5]` is 2 to 5. */
export type ScoreSpan = readonly [number, number];

/**
 * The values of a measure whose score lies in `span` (both ends included), as bounds a statement filters by:
 * `above` exclusive, `atMost` inclusive, null where open; `none` when no value can score there (an empty span,
 * or cut points that tie). The scores of a measure rise or fall with its value, so the span is one range.
 */
export function scoreSpanRange(
  span: ScoreSpan,
  cuts: QuintileCuts,
  moreIsBetter: boolean,
): { above: number | null; atMost: number | null; none: boolean } {
  const [min, max] = [Math.max(1, Math.ceil(span[0])), Math.min(5, Math.floor(span[1]))];
  if (min > max) return { above: null, atMost: null, none: true };
  // The lowest values are those of the lowest score when more is better, of the highest when less is.
  const low = scoreRange((moreIsBetter ? min : max) as Score, cuts, moreIsBetter);
  const high = scoreRange((moreIsBetter ? max : min) as Score, cuts, moreIsBetter);
  const none = low.above !== null && high.atMost !== null && high.atMost <= low.above;
  return { above: low.above, atMost: high.atMost, none };
}

/** Whether a guest's RFM scores lie in every span given (a guest without a stay has none, and is in none). */
export function rfmMatches(scores: { r: Score; f: Score; m: Score } | null, filter: RfmFilter): boolean {
  if (!scores) return false;
  const within = (s: Score, span: ScoreSpan | undefined) => !span || (s >= span[0] && s <= span[1]);
  return (
    within(scores.r, filter.recency) &&
    within(scores.f, filter.frequency) &&
    within(scores.m, filter.monetary)
  );
}

/** An RFM filter of a definition: the span of scores each measure given must lie in. */
export interface RfmFilter {
  recency?: ScoreSpan;
  frequency?: ScoreSpan;
  monetary?: ScoreSpan;
}

/** Which facts each measure of RFM is, and whether more of it is better. */
export const RFM_MEASURES = {
  recency: { fact: 'recencyDays', moreIsBetter: false },
  frequency: { fact: 'stays', moreIsBetter: true },
  monetary: { fact: 'revenue', moreIsBetter: true },
} as const satisfies Record<keyof RfmFilter, { fact: keyof RfmFacts; moreIsBetter: boolean }>;

// ---------------------------------------------------------------------------------------------- lapsed

/**
 * "Lapsed within N days": the guest's stage is lapsed, and the move to lapsed (the latest, stage_history) was
 * on or after `lapsedFrom(today, days)`, the UTC day N days before today. A guest whose stage is lapsed but who
 * has no such move recorded is not in it.
 */
export function lapsedFrom(today: string, days: number): string {
  return addDaysToDay(today, -days);
}

/** The verdict for one guest: `lapsedOn` is the UTC day of the latest move to lapsed (null: none). */
export function lapsedWithin(
  guest: { stage: Stage; lapsedOn: string | null },
  today: string,
  days: number,
): boolean {
  return guest.stage === 'lapsed' && guest.lapsedOn !== null && guest.lapsedOn >= lapsedFrom(today, days);
}

// ---------------------------------------------------------------------------------------------- tenure

/** `day` ('YYYY-MM-DD') plus `months` calendar months, the day of month kept or clamped to the month's end. */
export function addMonthsToDay(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(year, 4)}-${pad(month)}-${pad(Math.min(d, last))}`;
}

/** `day` plus `days` days ('YYYY-MM-DD'). */
export function addDaysToDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The enrolment days that make a member new or in a first year ending on `today`, as bounds a statement
 * filters by (both inclusive, enrolment days in the member's own calendar):
 * - `newFrom`: enrolled on or after it, new;
 * - `firstYearEndingFrom`–`firstYearEndingTo`: enrolled in that span, and not new, the first anniversary is
 *   today or at most `reminderMonths` months away.
 */
export function tenureBounds(
  today: string,
  settings: { newMemberDays: number; reminderMonths: number },
): { newFrom: string; firstYearEndingFrom: string; firstYearEndingTo: string } {
  return {
    newFrom: addDaysToDay(today, -(settings.newMemberDays - 1)),
    // The first anniversary (enrolment + 12 months) falls within [today, today + reminderMonths].
    firstYearEndingFrom: addMonthsToDay(today, -12),
    firstYearEndingTo: addMonthsToDay(today, settings.reminderMonths - 12),
  };
}

/** A guest's tenure on `today`: the lifecycle's lapsed and churned first, then by the enrolment day. */
export function tenureOf(
  guest: { stage: Stage; enrolledOn: string | null },
  today: string,
  settings: { newMemberDays: number; reminderMonths: number },
): Tenure {
  if (guest.stage === 'lapsed') return 'lapsed';
  if (guest.stage === 'churned') return 'churned';
  if (guest.enrolledOn === null) return 'prospect';
  const b = tenureBounds(today, settings);
  if (guest.enrolledOn >= b.newFrom) return 'new';
  if (guest.enrolledOn >= b.firstYearEndingFrom && guest.enrolledOn <= b.firstYearEndingTo)
    return 'first_year_ending';
  return 'established';
}

// ---------------------------------------------------------------------------------------------- definitions

/**
 * A segment as a marketer defines it: every field given must hold (a list: any of its values). An empty
 * definition is the whole base.
 */
export interface SegmentDefinition {
  stages?: Stage[];
  tiers?: Tier[];
  /** Stayed at least once at one of these properties. */
  properties?: string[];
  /** Agreed to marketing mail (true) or not (false). */
  marketingConsent?: boolean;
  /** The guest's language (`en`, `zh-CN`). */
  languages?: string[];
  value?: ValueSegment[];
  tenure?: Tenure[];
  /** RFM scores 1–5: each measure given must score within its span (a guest without a stay has no score). */
  rfm?: RfmFilter;
  /** The stage is lapsed, and the move to lapsed was within the last N days (`lapsedWithin`). */
  lapsedWithinDays?: number;
}

/**
 * The ranks by revenue a value segment takes among the guests who spent, as a statement filters by: above
 * `after`, up to `upTo` (null: no end); `withoutSpend`: the guests who spent nothing belong too (small).
 */
export function valueSegmentRanks(
  segment: ValueSegment,
  bounds: { vip: number; major: number; ordinary: number },
): { after: number; upTo: number | null; withoutSpend: boolean } {
  switch (segment) {
    case 'vip':
      return { after: 0, upTo: bounds.vip, withoutSpend: false };
    case 'major':
      return { after: bounds.vip, upTo: bounds.major, withoutSpend: false };
    case 'ordinary':
      return { after: bounds.major, upTo: bounds.ordinary, withoutSpend: false };
    case 'small':
      return { after: bounds.ordinary, upTo: null, withoutSpend: true };
  }
}
