/**
 * The lifecycle ladder (DOMAIN.md "The lifecycle", seed 004). The program is
 * open (seed 000: anyone joins, often at check-in), so a completed stay makes
 * the guest a member; a repeat stay makes a regular; a guest holding gold or
 * diamond is a VIP.
 */
import type { Tier } from './tiers.js';

export const STAGES = [
  'prospect',
  'member',
  'regular',
  'vip',
  'at_risk',
  'lapsed',
  'reactivated',
  'churned',
] as const;
export type Stage = (typeof STAGES)[number];

export function stageAfterStay(input: { current: Stage; totalStays: number; tier: Tier }): Stage {
  if (input.tier === 'gold' || input.tier === 'diamond') return 'vip';
  if (input.current === 'lapsed' || input.current === 'churned') return 'reactivated';
  if (input.totalStays >= 2) return 'regular';
  return 'member';
}

/** The stage a guest's record implies when a run starts without carried state. */
export function stageFromHistory(input: { totalStays: number; tier: Tier }): Stage {
  if (input.totalStays === 0) return 'prospect';
  return stageAfterStay({ current: 'member', totalStays: input.totalStays, tier: input.tier });
}
