/**
 * The annual review's decision for one member, and the same decision over the whole base under two sets of tier
 * rules: the tier-change preview an admin sees before publishing a rules version (`POST /v1/program/rules/preview`,
 * docs/program.md "Drafts and the tier-change preview"). The review's activity (activities/lifecycle.ts
 * `reviewTier`) and the preview both call `decideReview`, so they cannot disagree.
 */
import { reviewedEachYear } from './agenda.js';
import type { ProgramRules } from './program.js';
import type { Stage } from './stages.js';
import { reviewedTier, tierEarnedBy, tierRank, TIERS, type Tier, type YearActivity } from './tiers.js';

/** `up`, `kept`, `down`, or `floor`: the floor alone kept the tier (domain/tiers.ts `reviewedTier`). */
export type ReviewOutcome = 'kept' | 'up' | 'down' | 'floor';

export interface ReviewDecision {
  /** The highest tier any one measure of the year reaches (`tierEarnedBy`). */
  earned: Tier;
  /** What the review gives: the soft landing, then the floor (`reviewedTier`). */
  tier: Tier;
  outcome: ReviewOutcome;
}

/**
 * Whether the review of `year` may not lower a tier imported in `importedIn` (api/imports/members.ts, docs/import.md):
 * an imported tier was earned in another program, on activity this engine never saw, so it is first reviewed on a
 * full calendar year in this one. Imported in 2026: kept at the review of 1 January 2027 (of 2026, a part year),
 * reviewed on 1 January 2028 on 2027's activity. A tier imported again (a later file changing it) starts again.
 */
export function importedTierHeld(year: number | undefined, importedIn: number | null | undefined): boolean {
  return year !== undefined && importedIn !== null && importedIn !== undefined && year <= importedIn;
}

/**
 * The review of one member's year: from the tier held (`current`), the floor and the year's activity. `year` (the
 * year reviewed) and `importedIn` (the year of the member's last `import` tier row, if any): an imported tier is
 * not lowered before a full calendar year in the program (`importedTierHeld`); it may still go up.
 */
export function decideReview(input: {
  current: Tier;
  floor: Tier | null;
  activity: YearActivity;
  tiers: ProgramRules['tiers'];
  year?: number | undefined;
  importedIn?: number | null | undefined;
}): ReviewDecision {
  const earned = tierEarnedBy(input.activity, input.tiers);
  const held = importedTierHeld(input.year, input.importedIn);
  const decide = (floor: Tier | null) => {
    const reviewed = reviewedTier({ current: input.current, earned, floor });
    return held && tierRank(reviewed) < tierRank(input.current) ? input.current : reviewed;
  };
  const tier = decide(input.floor);
  const withoutFloor = decide(null);
  const outcome: ReviewOutcome =
    tier !== withoutFloor
      ? 'floor'
      : tier === input.current
        ? 'kept'
        : tierRank(tier) > tierRank(input.current)
          ? 'up'
          : 'down';
  return { earned, tier, outcome };
}

/**
 * Members who stand alike for the review: the same tier, floor, stage and year's activity, each measure at its cut
 * (`activityCuts`; db/repositories/rules-preview.ts groups the base so, and counts them).
 */
export interface ReviewFactsGroup {
  tier: Tier;
  floor: Tier | null;
  stage: Stage;
  /** Enrolled, or has stayed (domain/agenda.ts `reviewedEachYear`). */
  enrolled: boolean;
  activity: YearActivity;
  /** The year of the members' last `import` tier row, when it is the reviewed year or later (else null). */
  importedIn?: number | null;
  members: number;
}

/** Each measure's thresholds over some sets of tier rules, rising, each once. */
export interface ActivityCuts {
  stays: number[];
  nights: number[];
  basePoints: number[];
}

/**
 * The thresholds of every tier of `tierSets`, per measure: the only values the review compares a year's activity
 * with (`tierEarnedBy`: `activity >= threshold`). A value may be replaced by the highest cut at or below it (0
 * below the first, `atCut`) without changing any decision by those rules: for every cut c, v >= c exactly when
 * atCut(v) >= c. The preview's statement counts members so (db/repositories/rules-preview.ts), in a few hundred
 * groups rather than one per member.
 */
export function activityCuts(tierSets: readonly ProgramRules['tiers'][]): ActivityCuts {
  const cuts = (measure: keyof ActivityCuts) =>
    [...new Set(tierSets.flatMap((tiers) => Object.values(tiers).map((t) => t[measure])))].sort(
      (a, b) => a - b,
    );
  return { stays: cuts('stays'), nights: cuts('nights'), basePoints: cuts('basePoints') };
}

/** The highest of `cuts` (rising) at or below `value`, or 0: what the statement groups a measure by. */
export function atCut(value: number, cuts: readonly number[]): number {
  let at = 0;
  for (const c of cuts) if (c <= value) at = c;
  return at;
}

/** How many members the review moves from one tier to another, by the current rules and by the draft. */
export interface TierTransition {
  from: Tier;
  to: Tier;
  current: number;
  draft: number;
  /** `draft - current`. */
  difference: number;
}

export interface ReviewTotals {
  /** Moved up a tier or more. */
  up: number;
  /** Moved down (one tier at most: the soft landing). */
  down: number;
  /** Kept their tier, by earning it or by the soft landing. */
  kept: number;
  /** Kept (or lifted to) a tier by an admin's floor alone. */
  floor: number;
}

export interface TierChangePreview {
  /** The members the review would run for (domain/agenda.ts `reviewedEachYear`). */
  members: number;
  current: ReviewTotals;
  draft: ReviewTotals;
  /** Every change of tier (from ≠ to) either set of rules makes, in tier order; a pair neither makes is absent. */
  transitions: TierTransition[];
}

const noTotals = (): ReviewTotals => ({ up: 0, down: 0, kept: 0, floor: 0 });

/**
 * The next review over `groups`, decided by `current` tiers and by `draft` tiers: the changes of tier each makes
 * and their difference. Guests the review does not run for (a prospect, a churned member) are left out.
 */
export function previewTierChanges(
  groups: readonly ReviewFactsGroup[],
  current: ProgramRules['tiers'],
  draft: ProgramRules['tiers'],
  /** The year reviewed: an imported tier is held at its first review (`importedTierHeld`). */
  year?: number,
): TierChangePreview {
  const n = TIERS.length;
  const counts = { current: new Array<number>(n * n).fill(0), draft: new Array<number>(n * n).fill(0) };
  const totals = { current: noTotals(), draft: noTotals() };
  let members = 0;
  for (const g of groups) {
    if (!reviewedEachYear({ enrolled: g.enrolled, stage: g.stage, tier: g.tier })) continue;
    members += g.members;
    for (const [which, tiers] of [
      ['current', current],
      ['draft', draft],
    ] as const) {
      const d = decideReview({
        current: g.tier,
        floor: g.floor,
        activity: g.activity,
        tiers,
        year,
        importedIn: g.importedIn,
      });
      counts[which][tierRank(g.tier) * n + tierRank(d.tier)]! += g.members;
      totals[which][d.outcome] += g.members;
    }
  }
  const transitions: TierTransition[] = [];
  for (let from = 0; from < n; from++)
    for (let to = 0; to < n; to++) {
      const i = from * n + to;
      const [c, d] = [counts.current[i]!, counts.draft[i]!];
      if (from === to || (c === 0 && d === 0)) continue;
      transitions.push({ from: TIERS[from]!, to: TIERS[to]!, current: c, draft: d, difference: d - c });
    }
  return { members, current: totals.current, draft: totals.draft, transitions };
}
