import { describe, expect, it } from 'vitest';
import { baseStage, stageAfterStay, stageFromHistory } from './stages.js';

describe('stageAfterStay', () => {
  it('makes a first-time guest a member and a repeat guest a regular', () => {
    expect(stageAfterStay({ current: 'prospect', totalStays: 1, tier: 'member' })).toBe('member');
    expect(stageAfterStay({ current: 'member', totalStays: 2, tier: 'member' })).toBe('regular');
    expect(stageAfterStay({ current: 'regular', totalStays: 5, tier: 'silver' })).toBe('regular');
  });
  it('makes gold and diamond guests VIPs', () => {
    expect(stageAfterStay({ current: 'regular', totalStays: 20, tier: 'gold' })).toBe('vip');
  });
  it('marks a lapsed or churned guest who comes back as reactivated, and an at-risk guest back on the ladder', () => {
    expect(stageAfterStay({ current: 'lapsed', totalStays: 3, tier: 'member' })).toBe('reactivated');
    expect(stageAfterStay({ current: 'churned', totalStays: 3, tier: 'silver' })).toBe('reactivated');
    expect(stageAfterStay({ current: 'at_risk', totalStays: 3, tier: 'member' })).toBe('regular');
    expect(stageAfterStay({ current: 'reactivated', totalStays: 4, tier: 'member' })).toBe('regular');
  });
});

describe('baseStage', () => {
  it('keeps a guest with no stay who has not enrolled a prospect', () => {
    expect(baseStage({ enrolled: false, totalStays: 0, tier: 'member' })).toBe('prospect');
    expect(baseStage({ enrolled: true, totalStays: 0, tier: 'member' })).toBe('member');
    expect(stageFromHistory({ totalStays: 0, tier: 'member' })).toBe('prospect');
  });
});
