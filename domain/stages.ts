/**
 * The lifecycle ladder (docs/architecture.md "The guest's lifecycle"): prospect → member → regular (2+ stays) /
 * VIP (gold or diamond) → at risk → lapsed → reactivated / churned. Pure rules; the guest's workflow records
 * each transition (`stage_history`).
 *
 * When a guest becomes at risk, lapsed or churned — the numbers are program rules (domain/program.ts, defaults
 * in domain/default-rules.ts), the dates are computed in the guest's zone by activities/agenda.ts from
 * domain/agenda.ts `agendaBasis`, and each decision is a function of domain/guest-decisions.ts:
 *
 * - **At risk**, from an active stage (member, regular, VIP, reactivated):
 *   - `atRiskAfterMonths` (9) after the last stay or reactivation, with no stay since (`atDeadline`, deadline
 *     `atRisk`);
 *   - a single stay when the first anniversary of the enrolment is `firstYearReminderMonthsBefore` (3) months
 *     away (domain/come-back-offers.ts `firstYearReminder`);
 *   - a survey answer of 2 or less, or "would not return", which opens a service case (`opensServiceCase`), and
 *     any open case (`riskFlagged`); the guest goes back to the stage the stays give when the last case closes
 *     (`riskCleared`).
 * - **Lapsed**: `lapseAfterMonths` (12) after the last stay or reactivation (deadline `lapse`:
 *   domain/come-back-offers.ts `lapse`), which starts the win-back.
 * - **Churned**: no booking and no stay by `winBack.answerWindowDays` (30) after the last win-back offer; the
 *   win-back reports `churned` (`afterWinBack`).
 * - **Reactivated**: a booking or a stay of a lapsed guest (a churned one's too) (`returnsOnBooking`,
 *   `afterStay`).
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
