/**
 * The lifecycle ladder (docs/architecture.md "The guest's lifecycle"): prospect →
 * member → regular (2+ stays) / VIP (gold or diamond) → at risk → lapsed →
 * reactivated / churned. Pure rules; the workflow records each transition.
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

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** Where an active guest stands on the ladder: prospect, member, regular or VIP. */
export function baseStage(input: { enrolled: boolean; totalStays: number; tier: Tier }): Stage {
  if (!input.enrolled && input.totalStays === 0) return 'prospect';
  if (input.tier === 'gold' || input.tier === 'diamond') return 'vip';
  if (input.totalStays >= 2) return 'regular';
  return 'member';
}

/**
 * After a completed stay. The program is open: a stay enrols a
 * prospect. A lapsed or churned guest who comes back is reactivated; any other
 * (at risk, reactivated) returns to the ladder.
 */
export function stageAfterStay(input: { current: Stage; totalStays: number; tier: Tier }): Stage {
  if (input.current === 'lapsed' || input.current === 'churned') return 'reactivated';
  return baseStage({ enrolled: true, totalStays: input.totalStays, tier: input.tier });
}

/** The stage a guest's record implies when a run starts without carried state and the record has none. */
export function stageFromHistory(input: { totalStays: number; tier: Tier; enrolled?: boolean }): Stage {
  return baseStage({
    enrolled: input.enrolled ?? input.totalStays > 0,
    totalStays: input.totalStays,
    tier: input.tier,
  });
}

/** Stages in which the guest is active: at-risk and lapse clocks run. */
export function isActive(stage: Stage): boolean {
  return (
    stage === 'member' ||
    stage === 'regular' ||
    stage === 'vip' ||
    stage === 'reactivated' ||
    stage === 'at_risk'
  );
}
