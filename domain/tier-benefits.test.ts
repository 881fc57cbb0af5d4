import { describe, expect, it } from 'vitest';
import { RULES_V1, RULES_V2 } from './default-rules.js';
import { BENEFIT_CODES, TIER_BENEFITS, tierBenefits, UPGRADE_CEILINGS } from './tier-benefits.js';
import { TIERS } from './tiers.js';

describe('tier benefits (domain/tier-benefits.ts)', () => {
  it('gives the points bonus of the rules version in force, first, and none to a member', () => {
    expect(tierBenefits('member', RULES_V2).map((b) => b.code)).not.toContain('bonus_points');
    expect(tierBenefits('silver', RULES_V2)[0]).toEqual({ code: 'bonus_points', percent: 20 });
    expect(tierBenefits('gold', RULES_V1)[0]).toEqual({ code: 'bonus_points', percent: 80 });
    expect(tierBenefits('diamond', RULES_V2)[0]).toEqual({ code: 'bonus_points', percent: 100 });
    const noBonus = { tiers: { ...RULES_V2.tiers, silver: { ...RULES_V2.tiers.silver, bonusPercent: 0 } } };
    expect(tierBenefits('silver', noBonus).map((b) => b.code)).not.toContain('bonus_points');
  });

  it('keeps every benefit of the tier below, and raises the upgrade from Gold to Diamond', () => {
    for (let i = 1; i < TIERS.length; i++) {
      const below = TIER_BENEFITS[TIERS[i - 1]!].map((b) => b.code);
      const here = TIER_BENEFITS[TIERS[i]!].map((b) => b.code);
      expect(here.length, TIERS[i]).toBeGreaterThan(below.length);
      for (const code of below) expect(here, `${TIERS[i]} keeps ${code}`).toContain(code);
    }
    const upgrade = (tier: 'gold' | 'diamond') => TIER_BENEFITS[tier].find((b) => b.code === 'room_upgrade');
    expect(upgrade('gold')).toEqual({ code: 'room_upgrade', upTo: 'preferred_room' });
    expect(upgrade('diamond')).toEqual({ code: 'room_upgrade', upTo: 'one_bedroom_suite' });
    expect(TIER_BENEFITS.diamond.map((b) => b.code)).toEqual(
      expect.arrayContaining(['executive_lounge', 'daily_breakfast', 'room_guarantee_48h']),
    );
  });

  it('lists each code once per tier, in the order of BENEFIT_CODES, from the known lists', () => {
    for (const tier of TIERS) {
      const codes = tierBenefits(tier, RULES_V2).map((b) => b.code);
      expect(new Set(codes).size, tier).toBe(codes.length);
      const order = codes.map((c) => BENEFIT_CODES.indexOf(c));
      expect(order, tier).toEqual([...order].sort((a, b) => a - b));
      expect(order.every((i) => i >= 0)).toBe(true);
      for (const b of TIER_BENEFITS[tier])
        if (b.code === 'room_upgrade') expect(UPGRADE_CEILINGS).toContain(b.upTo);
    }
  });
});
