/**
 * Re-earning a stay that earned nothing for want of a rate (`no_rate_for_currency`, domain/points.ts) once a rules
 * version has the rate. Which version decides: the one in force on the stay's departure if it has the rate now
 * (it cannot, being immutable, unless the stay was decided before it came into force); otherwise the first version
 * published after the one that decided the stay, already in force today, that lists the currency. Its rate and
 * points per unit give the base points; the ledger row records its number.
 */
import { baseEarn } from './points.js';
import { versionInForce, type RulesVersion } from './program.js';

export interface FlaggedStay {
  departure: string;
  roomRevenue: string;
  currency: string;
  /** The version that decided the stay (and found no rate). */
  rulesVersion: number | null;
}

const hasRate = (v: RulesVersion, currency: string) => (v.rules.currencyRates[currency] ?? 0) > 0;

/** The version a flagged stay is re-earned by on `today` ('YYYY-MM-DD'), or undefined while none has the rate. */
export function reEarnVersion(
  versions: RulesVersion[],
  stay: FlaggedStay,
  today: string,
): RulesVersion | undefined {
  const inForce = versionInForce(versions, stay.departure);
  if (inForce && hasRate(inForce, stay.currency)) return inForce;
  return [...versions]
    .sort((a, b) => a.version - b.version)
    .find(
      (v) => v.version > (stay.rulesVersion ?? 0) && v.effectiveFrom <= today && hasRate(v, stay.currency),
    );
}

/** The base points a flagged stay re-earns on `today`, and by which version; undefined while no rate exists. */
export function reEarn(
  versions: RulesVersion[],
  stay: FlaggedStay,
  today: string,
): { version: number; points: number } | undefined {
  const v = reEarnVersion(versions, stay, today);
  if (!v) return undefined;
  return { version: v.version, points: baseEarn(stay, v.rules).points };
}
