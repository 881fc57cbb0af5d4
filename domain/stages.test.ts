import { describe, expect, it } from 'vitest';
import { stageAfterStay } from './stages.js';

describe('stageAfterStay', () => {
  it('makes a first-time guest a member and a repeat guest a regular', () => {
    expect(stageAfterStay({ current: 'prospect', totalStays: 1, tier: 'blue' })).toBe('member');
    expect(stageAfterStay({ current: 'member', totalStays: 2, tier: 'blue' })).toBe('regular');
    expect(stageAfterStay({ current: 'regular', totalStays: 5, tier: 'silver' })).toBe('regular');
  });
  it('makes gold and diamond guests VIPs', () => {
    expect(stageAfterStay({ current: 'regular', totalStays: 20, tier: 'gold' })).toBe('vip');
    expect(stageAfterStay({ current: 'lapsed', totalStays: 31, tier: 'diamond' })).toBe('vip');
  });
  it('marks a lapsed or churned guest who comes back as reactivated', () => {
    expect(stageAfterStay({ current: 'lapsed', totalStays: 3, tier: 'blue' })).toBe('reactivated');
    expect(stageAfterStay({ current: 'churned', totalStays: 3, tier: 'silver' })).toBe('reactivated');
  });
});
