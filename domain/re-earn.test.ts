import { describe, expect, it } from 'vitest';
import { RULES_V1, RULES_V2 } from './default-rules.js';
import type { RulesVersion } from './program.js';
import { reEarn } from './re-earn.js';

const v1: RulesVersion = { version: 1, effectiveFrom: '2000-01-01', rules: RULES_V1 };
const v2: RulesVersion = { version: 2, effectiveFrom: '2026-01-01', rules: RULES_V2 };
const withBrl = (version: number, effectiveFrom: string): RulesVersion => ({
  version,
  effectiveFrom,
  rules: { ...RULES_V2, currencyRates: { ...RULES_V2.currencyRates, BRL: 0.18 } },
});
const brlStay = { departure: '2026-12-04', roomRevenue: '1000.00', currency: 'BRL', rulesVersion: 2 };

describe('reEarn', () => {
  it('waits while no version has the rate', () => {
    expect(reEarn([v1, v2], brlStay, '2026-12-06')).toBeUndefined();
  });
  it('takes the first later version in force today that has the rate: 1000 BRL × 0.18 × 10', () => {
    expect(reEarn([v1, v2, withBrl(3, '2026-12-05')], brlStay, '2026-12-06')).toEqual({
      version: 3,
      points: 1800,
    });
  });
  it('not a version that is not in force yet', () => {
    expect(reEarn([v1, v2, withBrl(3, '2027-01-01')], brlStay, '2026-12-06')).toBeUndefined();
  });
  it('the version in force on the departure when it has the rate', () => {
    const v3 = withBrl(3, '2026-12-02');
    expect(reEarn([v1, v2, v3], { ...brlStay, rulesVersion: null }, '2026-12-06')).toEqual({
      version: 3,
      points: 1800,
    });
  });
});
