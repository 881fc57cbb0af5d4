import { describe, expect, it } from 'vitest';
import { RULES_V2 } from './default-rules.js';
import {
  activityCuts,
  atCut,
  decideReview,
  importedTierHeld,
  previewTierChanges,
  type ReviewFactsGroup,
} from './tier-review.js';
import { DEFAULT_TIER_RULES, tierEarnedBy } from './tiers.js';

const none = { stays: 0, nights: 0, basePoints: 0 };
const group = (g: Partial<ReviewFactsGroup>): ReviewFactsGroup => ({
  tier: 'member',
  floor: null,
  stage: 'member',
  enrolled: true,
  activity: none,
  members: 1,
  ...g,
});

describe('decideReview', () => {
  it('lands one tier down, keeps an earned tier, moves up, and names a floor that held', () => {
    const tiers = DEFAULT_TIER_RULES;
    expect(decideReview({ current: 'diamond', floor: null, activity: none, tiers })).toEqual({
      earned: 'member',
      tier: 'gold',
      outcome: 'down',
    });
    expect(
      decideReview({ current: 'silver', floor: null, activity: { ...none, nights: 10 }, tiers }).outcome,
    ).toBe('kept');
    expect(decideReview({ current: 'silver', floor: null, activity: { ...none, stays: 20 }, tiers })).toEqual(
      {
        earned: 'gold',
        tier: 'gold',
        outcome: 'up',
      },
    );
    expect(decideReview({ current: 'gold', floor: 'gold', activity: none, tiers })).toEqual({
      earned: 'member',
      tier: 'gold',
      outcome: 'floor',
    });
  });
});

describe('previewTierChanges', () => {
  const lower = {
    ...RULES_V2.tiers,
    silver: { ...RULES_V2.tiers.silver, nights: 5 },
  };

  it('counts each group by its members, by both rules, and leaves out whom the review does not run for', () => {
    const p = previewTierChanges(
      [
        group({ tier: 'silver', activity: { ...none, nights: 6 }, members: 7 }),
        group({ tier: 'member', activity: { ...none, nights: 5 }, members: 3 }),
        group({ tier: 'gold', members: 2 }),
        group({ tier: 'member', stage: 'churned', activity: { ...none, nights: 9 }, members: 50 }),
        group({ tier: 'member', enrolled: false, members: 40 }),
      ],
      RULES_V2.tiers,
      lower,
    );
    expect(p.members).toBe(12);
    expect(p.transitions).toEqual([
      { from: 'member', to: 'silver', current: 0, draft: 3, difference: 3 },
      { from: 'silver', to: 'member', current: 7, draft: 0, difference: -7 },
      { from: 'gold', to: 'silver', current: 2, draft: 2, difference: 0 },
    ]);
    expect(p.current).toEqual({ up: 0, down: 9, kept: 3, floor: 0 });
    expect(p.draft).toEqual({ up: 3, down: 2, kept: 7, floor: 0 });
  });

  it('reviews a churned member above member (they step down as anyone)', () => {
    const p = previewTierChanges([group({ tier: 'gold', stage: 'churned' })], RULES_V2.tiers, lower);
    expect(p.transitions).toEqual([{ from: 'gold', to: 'silver', current: 1, draft: 1, difference: 0 }]);
  });
});

describe('activityCuts and atCut', () => {
  it('change no decision of the rules they were taken from', () => {
    const draft = {
      silver: { nights: 6, stays: 3, basePoints: 12_000, bonusPercent: 20 },
      gold: { nights: 12, stays: 5, basePoints: 30_000, bonusPercent: 80 },
      diamond: { nights: 18, stays: 6, basePoints: 45_000, bonusPercent: 100 },
    };
    const cuts = activityCuts([RULES_V2.tiers, draft]);
    expect(cuts.nights).toEqual([6, 10, 12, 18, 40, 60]);
    expect(atCut(5, cuts.nights)).toBe(0);
    expect(atCut(12, cuts.nights)).toBe(12);
    expect(atCut(39, cuts.nights)).toBe(18);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const activity = { stays: rand(40), nights: rand(80), basePoints: rand(150_000) };
      const cut = {
        stays: atCut(activity.stays, cuts.stays),
        nights: atCut(activity.nights, cuts.nights),
        basePoints: atCut(activity.basePoints, cuts.basePoints),
      };
      for (const tiers of [RULES_V2.tiers, draft])
        expect(tierEarnedBy(cut, tiers)).toBe(tierEarnedBy(activity, tiers));
    }
  });
});

describe('an imported tier (importedTierHeld)', () => {
  const tiers = DEFAULT_TIER_RULES;

  it('is kept at the review of its own year and reviewed after a full calendar year in the program', () => {
    expect(importedTierHeld(2026, 2026)).toBe(true);
    expect(importedTierHeld(2027, 2026)).toBe(false);
    expect(importedTierHeld(2026, null)).toBe(false);
    expect(importedTierHeld(undefined, 2026)).toBe(false);
    // Imported in 2026: kept on 1 January 2027 (the review of 2026) without a stay…
    expect(
      decideReview({ current: 'gold', floor: null, activity: none, tiers, year: 2026, importedIn: 2026 }),
    ).toEqual({ earned: 'member', tier: 'gold', outcome: 'kept' });
    // …and on 1 January 2028 reviewed on 2027's activity: the soft landing, one tier down.
    expect(
      decideReview({ current: 'gold', floor: null, activity: none, tiers, year: 2027, importedIn: 2026 }),
    ).toEqual({ earned: 'member', tier: 'silver', outcome: 'down' });
  });

  it('may still go up, and a floor above it still lifts it', () => {
    const held = { floor: null, tiers, year: 2026, importedIn: 2026 };
    expect(decideReview({ ...held, current: 'silver', activity: { ...none, stays: 20 } }).tier).toBe('gold');
    expect(decideReview({ ...held, current: 'silver', floor: 'gold', activity: none })).toEqual({
      earned: 'member',
      tier: 'gold',
      outcome: 'floor',
    });
  });

  it('counts in the preview as the review decides it', () => {
    const p = previewTierChanges(
      [
        group({ tier: 'gold', members: 4, importedIn: 2026 }),
        group({ tier: 'gold', members: 1, importedIn: null }),
      ],
      tiers,
      tiers,
      2026,
    );
    expect(p.current).toEqual({ up: 0, down: 1, kept: 4, floor: 0 });
    expect(p.transitions).toEqual([{ from: 'gold', to: 'silver', current: 1, draft: 1, difference: 0 }]);
  });
});
