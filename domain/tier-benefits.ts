/**
 * What each tier gives the guest at the hotel, as data: the benefits the front desk honours (the arrivals
 * brief, `GET /v1/arrivals`), each a code the console translates, with its parameter where it has one. The
 * program copies Hilton Honors' thresholds (docs/program.md), and these are Hilton Honors' on-property benefits
 * of each tier, with daily breakfast where Hilton outside the US gives a continental breakfast or a food and
 * beverage credit. docs/program.md "What each tier gives" is the same list in words.
 *
 * The points bonus is not repeated here: it is the rules version's `bonusPercent` (domain/program.ts), so
 * `tierBenefits` takes the version in force and puts `bonus_points` with its percentage first.
 */
import type { ProgramRules } from './program.js';
import { TIERS, type Tier } from './tiers.js';

/** Every benefit code, in the order a tier lists them. */
export const BENEFIT_CODES = [
  /** Extra points on a stay's base points (`percent`, from the rules version in force). */
  'bonus_points',
  /** Member-only room rates. */
  'member_rate',
  /** Standard Wi-Fi at no charge. */
  'free_wifi',
  /** Check-in online and the room key on the phone. */
  'digital_key',
  /** A later check-out when the guest asks, as availability allows. */
  'late_checkout',
  /** Two bottles of water in the room, each stay. */
  'bottled_water',
  /** A better room at check-in when one is free (`upTo`: the highest category). */
  'room_upgrade',
  /** Breakfast for the guest and one other each morning of the stay. */
  'daily_breakfast',
  /** The executive lounge, for the guest and one other. */
  'executive_lounge',
  /** The faster Wi-Fi at no charge. */
  'premium_wifi',
  /** A room guaranteed when booked at least 48 hours before arrival. */
  'room_guarantee_48h',
] as const;
export type BenefitCode = (typeof BENEFIT_CODES)[number];

/** The highest room category a space-available upgrade goes to. */
export const UPGRADE_CEILINGS = ['preferred_room', 'one_bedroom_suite'] as const;
export type UpgradeCeiling = (typeof UPGRADE_CEILINGS)[number];

export type TierBenefit =
  | { code: 'bonus_points'; percent: number }
  | { code: 'room_upgrade'; upTo: UpgradeCeiling }
  | { code: Exclude<BenefitCode, 'bonus_points' | 'room_upgrade'> };

/** A tier's benefits apart from its points bonus. */
export type StaticBenefit = Exclude<TierBenefit, { code: 'bonus_points' }>;

/** Each tier's benefits apart from the points bonus; a tier keeps every benefit of the tier below it. */
export const TIER_BENEFITS: Record<Tier, readonly StaticBenefit[]> = {
  member: [
    { code: 'member_rate' },
    { code: 'free_wifi' },
    { code: 'digital_key' },
    { code: 'late_checkout' },
  ],
  silver: [
    { code: 'member_rate' },
    { code: 'free_wifi' },
    { code: 'digital_key' },
    { code: 'late_checkout' },
    { code: 'bottled_water' },
  ],
  gold: [
    { code: 'member_rate' },
    { code: 'free_wifi' },
    { code: 'digital_key' },
    { code: 'late_checkout' },
    { code: 'bottled_water' },
    { code: 'room_upgrade', upTo: 'preferred_room' },
    { code: 'daily_breakfast' },
  ],
  diamond: [
    { code: 'member_rate' },
    { code: 'free_wifi' },
    { code: 'digital_key' },
    { code: 'late_checkout' },
    { code: 'bottled_water' },
    { code: 'room_upgrade', upTo: 'one_bedroom_suite' },
    { code: 'daily_breakfast' },
    { code: 'executive_lounge' },
    { code: 'premium_wifi' },
    { code: 'room_guarantee_48h' },
  ],
};

/** What `tier` gives under `rules` (the version in force): the points bonus, when there is one, then the rest. */
export function tierBenefits(tier: Tier, rules: Pick<ProgramRules, 'tiers'>): TierBenefit[] {
  const percent = tier === 'member' ? 0 : rules.tiers[tier].bonusPercent;
  return [...(percent > 0 ? [{ code: 'bonus_points' as const, percent }] : []), ...TIER_BENEFITS[tier]];
}

/** The tiers in order, for the console's legend: each with its benefits under `rules`. */
export function benefitsByTier(
  rules: Pick<ProgramRules, 'tiers'>,
): { tier: Tier; benefits: TierBenefit[] }[] {
  return TIERS.map((tier) => ({ tier, benefits: tierBenefits(tier, rules) }));
}
