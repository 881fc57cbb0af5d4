/**
 * Stays and points: one activity per decision, one transaction per activity
 * (docs/architecture.md "Exactly once"). `applyStay` records the stay, posts its
 * base points, marks the PMS event handled and reads the guest's standing in
 * one transaction on one connection, so a retry finds everything or nothing.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex.js';
import * as guests from '../db/repositories/guests.js';
import * as ledger from '../db/repositories/ledger.js';
import * as pmsEvents from '../db/repositories/pms-events.js';
import * as program from '../db/repositories/program.js';
import * as lifecycle from '../db/repositories/lifecycle.js';
import * as stays from '../db/repositories/stays.js';
import * as cadences from '../db/repositories/cadences.js';
import * as outbox from '../db/repositories/outbox.js';
import { followUpWorkflowId } from '../domain/ids.js';
import { STAY_CANCELLED } from '../domain/mail-policy.js';
import type { StayAmendedMessage, StayCancelledMessage, StayCompletedMessage } from '../domain/messages.js';
import { baseEarn } from '../domain/points.js';
import { bonusTierOf, isTier, tierBonusPoints, tierEarnedBy, tierRank, type Tier } from '../domain/tiers.js';
import { followUpStepKey } from './cadence.js';
import { failFastOnDataErrors } from './errors.js';
import type { FaultInjector } from './faults.js';
import { rulesAt, snapshotOf } from './lifecycle.js';
import { type GuestSnapshot } from '../contracts/guest.js';

export type { GuestStanding } from '../db/repositories/standing.js';
export type { LastStay } from '../contracts/guest.js';

export interface ApplyStayResult {
  stayId: string;
  /** False when the stay was recorded before (a repeat delivery, a retry, a re-driven event). */
  created: boolean;
  /** Base points of this stay (0 and `earnFlag` set for a currency without a rate). */
  pointsEarned: number;
  bonusPoints: number;
  balanceAfter: number;
  earnFlag: string | null;
  rulesVersion: number;
  /** The stay enrolled the guest (a prospect's first stay: the program is open). */
  enrolledNow: boolean;
  /** A tier reached by this stay (mid-year upgrade), valid through the end of next year. */
  upgrade: { tier: Tier; previous: Tier; validThrough: string } | null;
  /** The referral bonus this first stay earned the referrer. */
  referral: { referrerGuestId: string; points: number } | null;
  /** The calendar year of the departure (a late stay of a reviewed year re-runs its review). */
  departureYear: number;
  settings: program.ProgramSettings;
  snapshot: GuestSnapshot;
}

/** What a correction of a stay by the PMS did (`correctStay`). */
export interface StayCorrectionResult {
  /**
   * `amended`, `cancelled`; `unchanged` for a repeat or an older amendment delivered late; `unknown` for an
   * amendment of a stay not yet recorded (the workflow records it as the completed stay: nothing written here).
   */
  outcome: 'amended' | 'cancelled' | 'unchanged' | 'unknown';
  stayId: string | null;
  /** The ledger rows this correction posted: the base points' and the tier bonus's difference (0: none). */
  basePoints: number;
  bonusPoints: number;
  /** A tier the corrected figures reached (mid-year upgrade). */
  upgrade: ApplyStayResult['upgrade'];
  /** The departure year of the corrected stay (its review re-runs if it was held already). */
  departureYear: number | null;
  /** The stay's follow-up (a cancelled stay's is withdrawn by the guest's workflow). */
  followUpWorkflowId: string | null;
  snapshot: GuestSnapshot;
}

/** Settings missing is a deployment fault no retry fixes: fail the activity for good, with its type. */
export async function settingsOf(db: Db): Promise<program.ProgramSettings> {
  try {
    return await program.getSettings(db);
  } catch (err) {
    if (err instanceof program.SettingsMissingError) {
      throw ApplicationFailure.nonRetryable(err.message, 'SettingsMissing');
    }
    throw err;
  }
}

export function createStayActivities(deps: { db: Db; faults: FaultInjector }) {
  const { db, faults } = deps;
  return {
    /**
     * A completed stay, in one transaction: the stay (once per source and
     * PMS stay id), its base points by the rules version in force on the
     * departure date and the tier bonus by the tier held (keys
     * `<workflowId>:stay-base-points:<stayId>`, `…:stay-tier-bonus:<stayId>`),
     * enrolment of a prospect, a mid-year upgrade, the referrer's bonus on a
     * first stay, and the PMS event marked handled. Returns the snapshot after.
     */
    async applyStay(input: {
      guestId: string;
      workflowId: string;
      message: StayCompletedMessage;
      now: string;
    }): Promise<ApplyStayResult> {
      const { message, guestId } = input;
      const departureYear = Number(message.stay.departure.slice(0, 4));
      const checkedOutAt = new Date(message.occurredAt);
      const result = await failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const record = await lifecycle.recordOf(trx, guestId, { lock: true });
          if (!record) throw ApplicationFailure.nonRetryable(`guest ${guestId} not found`, 'GuestNotFound');
          const settings = await settingsOf(trx);
          const { version, rules } = await rulesAt(trx, message.stay.departure);
          const earn = baseEarn(message.stay, rules);
          const { stay, created } = await stays.insertIfAbsent(trx, {
            guestId,
            source: message.source,
            eventId: message.eventId,
            checkedOutAt,
            stay: message.stay,
            rulesVersion: version,
            earnFlag: earn.flag,
            bonusTier: isTier(record.tier) ? record.tier : 'member',
          });
          if (!created) {
            // The same stay again (a retry after the commit, the PMS sending it under a new event id, the
            // sweeper): what its first time did, read back. Not decided again: the tier held now may be the one
            // this stay brought, and a tier bonus by it would pay a second time.
            await pmsEvents.markHandled(trx, message.eventId);
            return {
              ...(await firstTimeOf(trx, { guestId, workflowId: input.workflowId, stay })),
              created,
              earnFlag: earn.flag,
              rulesVersion: version,
              referral: null,
              departureYear,
              settings,
            };
          }
          const heldTier: Tier = isTier(record.tier) ? record.tier : 'member';
          const base = await ledger.post(trx, {
            guestId,
            stayId: stay.id,
            reason: 'stay_base',
            source: 'stay',
            points: earn.points,
            rulesVersion: version,
            effectiveAt: checkedOutAt,
            idempotencyKey: `${input.workflowId}:stay-base-points:${stay.id}`,
          });
          const bonus = tierBonusPoints(base.entry.points, heldTier, rules.tiers);
          let balanceAfter = base.entry.balance_after;
          let bonusPoints = 0;
          if (bonus > 0 || (await ledger.hasEntry(trx, `${input.workflowId}:stay-tier-bonus:${stay.id}`))) {
            const b = await ledger.post(trx, {
              guestId,
              stayId: stay.id,
              reason: 'tier_bonus',
              points: bonus,
              rulesVersion: version,
              effectiveAt: checkedOutAt,
              idempotencyKey: `${input.workflowId}:stay-tier-bonus:${stay.id}`,
            });
            bonusPoints = b.entry.points;
            balanceAfter = b.entry.balance_after;
          }
          const enrolment = await lifecycle.enrol(trx, { guestId, at: checkedOutAt, channel: 'stay' });

          // Mid-year upgrade: the moment this year's activity crosses a threshold.
          let upgrade: ApplyStayResult['upgrade'] = null;
          const activity = await lifecycle.yearActivity(trx, guestId, departureYear);
          const earned = tierEarnedBy(activity, rules.tiers);
          if (tierRank(earned) > tierRank(heldTier)) {
            const validThrough = `${departureYear + 1}-12-31`;
            await lifecycle.recordTier(trx, {
              guestId,
              tier: earned,
              previous: heldTier,
              validFrom: message.stay.departure,
              validThrough,
              source: 'upgrade',
              reason: `${departureYear}: ${activity.stays} stays, ${activity.nights} nights, ${activity.basePoints} base points`,
              rulesVersion: version,
              key: `${input.workflowId}:tier-upgrade:${stay.id}`,
              at: checkedOutAt,
            });
            upgrade = { tier: earned, previous: heldTier, validThrough };
          }

          // Referral: the referrer earns the bonus when the referred member completes a first stay.
          let referral: ApplyStayResult['referral'] = null;
          if (record.referred_by_guest_id && rules.referralBonus > 0) {
            if ((await stays.firstStayIdOf(trx, guestId)) === stay.id) {
              await ledger.post(trx, {
                guestId: record.referred_by_guest_id,
                reason: 'referral',
                points: rules.referralBonus,
                rulesVersion: version,
                effectiveAt: checkedOutAt,
                idempotencyKey: `referral:${guestId}`,
              });
              referral = { referrerGuestId: record.referred_by_guest_id, points: rules.referralBonus };
            }
          }
          await pmsEvents.markHandled(trx, message.eventId);
          return {
            stayId: stay.id,
            created,
            pointsEarned: base.entry.points,
            bonusPoints,
            balanceAfter,
            earnFlag: earn.flag,
            rulesVersion: version,
            enrolledNow: enrolment.created,
            upgrade,
            referral,
            departureYear,
            settings,
          };
        }),
      ).catch((err: unknown) => {
        if (err instanceof stays.StayOwnedByAnotherGuestError) {
          throw ApplicationFailure.nonRetryable(err.message, 'StayOwnedByAnotherGuest');
        }
        throw err;
      });
      faults('ledger.afterPost');
      const snapshot = await snapshotOf(db, guestId, input.now);
      return { ...result, snapshot };
    },

    /**
     * A stay the PMS corrected (`stay.amended`: its full, corrected facts) or voided (`stay.cancelled`), in one
     * transaction with the guest's and the stay's rows locked (docs/program.md "Corrections"):
     * - amended: the stay row takes the new facts (`revision` + 1); its base points by the rules in force on the
     *   new departure and its tier bonus by the tier it earned at check-out (`stays.bonus_tier`) are computed
     *   again, and the differences from what its ledger rows add up to are posted, reason `stay_amended`
     *   (sources `stay`, `tier_bonus`; keys `<workflowId>:stay-amended-base:<eventId>`, `…-bonus:<eventId>`).
     *   A tier the corrected year crosses is an upgrade. A repeat, or an amendment older than the one applied,
     *   changes nothing; an amendment of a stay not yet recorded is `unknown` (the workflow records it as the
     *   completed stay); one of a cancelled stay is refused (`StayCancelled`).
     * - cancelled: the stay's base points and bonus are reversed, reason `stay_cancelled` (keys
     *   `<workflowId>:stay-cancelled-base:<stayId>`, `…-bonus:<stayId>`), the row is marked `cancelled_at` (kept),
     *   the mails its follow-up holds for a send time are suppressed (`STAY_CANCELLED`) and the follow-up's row
     *   cancelled; the guest's workflow then cancels the follow-up itself. A stay not recorded is refused
     *   (`UnknownStay`: the event is recorded as rejected, nothing changes).
     * The PMS event is marked handled in the same transaction. Returns the snapshot after.
     */
    async correctStay(input: {
      guestId: string;
      workflowId: string;
      message: StayAmendedMessage | StayCancelledMessage;
      now: string;
    }): Promise<StayCorrectionResult> {
      const { message, guestId, workflowId } = input;
      const at = new Date(message.occurredAt);
      const none = {
        basePoints: 0,
        bonusPoints: 0,
        upgrade: null,
        departureYear: null,
        followUpWorkflowId: null,
      };
      const result = await failFastOnDataErrors(() =>
        db.transaction(async (trx): Promise<Omit<StayCorrectionResult, 'snapshot'>> => {
          const record = await lifecycle.recordOf(trx, guestId, { lock: true });
          if (!record) throw ApplicationFailure.nonRetryable(`guest ${guestId} not found`, 'GuestNotFound');
          const pmsStayId = message.stay.pmsStayId;
          const stay = await stays.findByPmsIdForUpdate(trx, message.source, pmsStayId);
          if (stay && stay.guest_id !== guestId) {
            throw ApplicationFailure.nonRetryable(
              `stay ${message.source}/${pmsStayId} is recorded for another guest`,
              'StayOwnedByAnotherGuest',
            );
          }
          if (message.type === 'stay.amended') {
            if (!stay) return { outcome: 'unknown', stayId: null, ...none };
            if (stay.cancelled_at) {
              throw ApplicationFailure.nonRetryable(
                `stay ${pmsStayId} was cancelled; an amendment cannot restore it`,
                'StayCancelled',
              );
            }
            const seen =
              stay.event_id === message.eventId ||
              stay.amended_event_id === message.eventId ||
              (stay.amended_at !== null && at <= stay.amended_at);
            if (seen) {
              await pmsEvents.markHandled(trx, message.eventId);
              return { outcome: 'unchanged', stayId: stay.id, ...none };
            }
            const { version, rules } = await rulesAt(trx, message.stay.departure);
            const earn = baseEarn(message.stay, rules);
            const had = await stays.pointsOf(trx, stay.id);
            const tier: Tier = isTier(stay.bonus_tier)
              ? stay.bonus_tier
              : bonusTierOf(had.base, had.bonus, rules.tiers);
            const base = earn.points - had.base;
            const bonus = tierBonusPoints(earn.points, tier, rules.tiers) - had.bonus;
            const correction = (points: number, source: 'stay' | 'tier_bonus', purpose: string) =>
              ledger.post(trx, {
                guestId,
                stayId: stay.id,
                reason: 'stay_amended',
                source,
                points,
                rulesVersion: version,
                effectiveAt: at,
                idempotencyKey: `${workflowId}:${purpose}:${message.eventId}`,
              });
            if (base !== 0) await correction(base, 'stay', 'stay-amended-base');
            if (bonus !== 0) await correction(bonus, 'tier_bonus', 'stay-amended-bonus');
            await stays.amend(trx, {
              stayId: stay.id,
              stay: message.stay,
              eventId: message.eventId,
              amendedAt: at,
              rulesVersion: version,
              earnFlag: earn.flag,
            });
            // The corrected year may cross a threshold: an upgrade, as a stay's. A tier is not taken back here.
            const departureYear = Number(message.stay.departure.slice(0, 4));
            const upgrade: StayCorrectionResult['upgrade'] = await upgradeForYear(trx, {
              guestId,
              held: record.tier,
              year: departureYear,
              tiers: rules.tiers,
              rulesVersion: version,
              now: input.now,
              why: 'a stay amended',
              key: `${workflowId}:tier-upgrade:amend-${message.eventId}`,
            });
            await pmsEvents.markHandled(trx, message.eventId);
            return {
              outcome: 'amended',
              stayId: stay.id,
              basePoints: base,
              bonusPoints: bonus,
              upgrade,
              departureYear,
              followUpWorkflowId: null,
            };
          }

          // stay.cancelled
          if (!stay) {
            throw ApplicationFailure.nonRetryable(
              `stay ${pmsStayId} is not known: there is nothing to cancel`,
              'UnknownStay',
            );
          }
          const followUp = followUpWorkflowId(guestId, stay.id);
          if (stay.cancelled_at) {
            await pmsEvents.markHandled(trx, message.eventId);
            return { outcome: 'unchanged', stayId: stay.id, ...none, followUpWorkflowId: followUp };
          }
          const had = await stays.pointsOf(trx, stay.id);
          const reversal = (points: number, source: 'stay' | 'tier_bonus', purpose: string) =>
            ledger.post(trx, {
              guestId,
              stayId: stay.id,
              reason: 'stay_cancelled',
              source,
              points: -points,
              ...(stay.rules_version !== null ? { rulesVersion: stay.rules_version } : {}),
              effectiveAt: at,
              idempotencyKey: `${workflowId}:${purpose}:${stay.id}`,
            });
          if (had.base !== 0) await reversal(had.base, 'stay', 'stay-cancelled-base');
          if (had.bonus !== 0) await reversal(had.bonus, 'tier_bonus', 'stay-cancelled-bonus');
          await stays.markCancelled(trx, { stayId: stay.id, eventId: message.eventId, at });
          // Its follow-up's mails held for a send time, withdrawn with the reason; its row cancelled.
          await outbox.suppressPendingOf(trx, {
            guestId,
            keys: [followUpStepKey(workflowId, stay.id, 'thank-you')],
            prefix: followUpStepKey(workflowId, stay.id, ''),
            reason: STAY_CANCELLED,
          });
          await cadences.finishFollowUp(trx, {
            workflowId: followUp,
            status: 'cancelled',
            at: new Date(input.now),
          });
          await pmsEvents.markHandled(trx, message.eventId);
          return {
            outcome: 'cancelled',
            stayId: stay.id,
            basePoints: -had.base,
            bonusPoints: -had.bonus,
            upgrade: null,
            departureYear: Number(stay.departure.slice(0, 4)),
            followUpWorkflowId: followUp,
          };
        }),
      );
      const snapshot = await snapshotOf(db, guestId, input.now);
      return { ...result, snapshot };
    },

    /**
     * A stay re-earned by an admin (`POST /v1/admin/stays/re-earn`; the ledger row `stay-re-earn:<stayId>` is
     * written already): its base points now count toward the departure year's, so the year's activity is checked
     * against the thresholds as a stay's is, and a tier crossed is an upgrade (`tier_history` source `upgrade`,
     * key `<workflowId>:tier-upgrade:re-earn-<stayId>`, valid from today through the end of the next year). No
     * tier bonus: the tier held at the check-out is not what the guest holds now. Returns the snapshot after.
     */
    async applyReEarn(input: { guestId: string; workflowId: string; stayId: string; now: string }): Promise<{
      upgrade: ApplyStayResult['upgrade'];
      departureYear: number | null;
      snapshot: GuestSnapshot;
    }> {
      const { guestId } = input;
      const result = await failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const record = await lifecycle.recordOf(trx, guestId, { lock: true });
          if (!record) throw ApplicationFailure.nonRetryable(`guest ${guestId} not found`, 'GuestNotFound');
          const stay = await stays.findGuestStay(trx, guestId, input.stayId);
          if (!stay || !(await ledger.hasEntry(trx, `stay-re-earn:${stay.id}`)))
            return { upgrade: null, departureYear: null };
          const departureYear = Number(stay.departure.slice(0, 4));
          const { version, rules } = await rulesAt(trx, stay.departure);
          const upgrade: ApplyStayResult['upgrade'] = await upgradeForYear(trx, {
            guestId,
            held: record.tier,
            year: departureYear,
            tiers: rules.tiers,
            rulesVersion: version,
            now: input.now,
            why: 'a stay re-earned',
            key: `${input.workflowId}:tier-upgrade:re-earn-${stay.id}`,
          });
          return { upgrade, departureYear };
        }),
      );
      return { ...result, snapshot: await snapshotOf(db, guestId, input.now) };
    },

    /** The guest's workflow could not act on a PMS event: recorded with a summary, so the sweeper leaves it. */
    async rejectEvent(input: { eventId: string; reason: string }): Promise<void> {
      await failFastOnDataErrors(() => pmsEvents.markRejected(db, input.eventId, input.reason));
    },

    /** The workflow acted on a message that needs no other write (a booking, a profile change…). */
    async markEventHandled(input: { eventId: string }): Promise<void> {
      await failFastOnDataErrors(() => pmsEvents.markHandled(db, input.eventId));
    },
  };
}

/** What applying `stay` did the first time: its points, the balance after them, the enrolment and upgrade it made. */
/**
 * A stay corrected or re-earned may lift its year over a threshold: an upgrade as a stay's (valid through the end
 * of the next year), never a lowering. Null when the year's activity earns no higher tier, or the upgrade under
 * `key` was recorded before.
 */
async function upgradeForYear(
  trx: Db,
  input: {
    guestId: string;
    held: string | null;
    year: number;
    tiers: Parameters<typeof tierEarnedBy>[1];
    rulesVersion: number;
    now: string;
    why: string;
    key: string;
  },
): Promise<{ tier: Tier; previous: Tier; validThrough: string } | null> {
  const heldTier: Tier = isTier(input.held) ? input.held : 'member';
  const activity = await lifecycle.yearActivity(trx, input.guestId, input.year);
  const earned = tierEarnedBy(activity, input.tiers);
  if (tierRank(earned) <= tierRank(heldTier)) return null;
  const validThrough = `${input.year + 1}-12-31`;
  const created = await lifecycle.recordTier(trx, {
    guestId: input.guestId,
    tier: earned,
    previous: heldTier,
    validFrom: input.now.slice(0, 10),
    validThrough,
    source: 'upgrade',
    reason: `${input.year}: ${activity.stays} stays, ${activity.nights} nights, ${activity.basePoints} base points (${input.why})`,
    rulesVersion: input.rulesVersion,
    key: input.key,
    at: new Date(input.now),
  });
  return created ? { tier: earned, previous: heldTier, validThrough } : null;
}

async function firstTimeOf(
  db: Db,
  input: { guestId: string; workflowId: string; stay: { id: string; checked_out_at: Date } },
): Promise<
  Pick<
    ApplyStayResult,
    'stayId' | 'pointsEarned' | 'bonusPoints' | 'balanceAfter' | 'enrolledNow' | 'upgrade'
  >
> {
  const { guestId, workflowId, stay } = input;
  const entry = (purpose: string) => ledger.entryByKey(db, `${workflowId}:${purpose}:${stay.id}`);
  const base = await entry('stay-base-points');
  const bonus = await entry('stay-tier-bonus');
  const upgrade = await lifecycle.tierRowByKey(db, `${workflowId}:tier-upgrade:${stay.id}`);
  const guest = await guests.enrolmentOf(db, guestId);
  return {
    stayId: stay.id,
    pointsEarned: Number(base?.points ?? 0),
    bonusPoints: Number(bonus?.points ?? 0),
    balanceAfter: Number((bonus ?? base)?.balance_after ?? 0),
    enrolledNow:
      guest?.enrolment_channel === 'stay' && guest.enrolled_at?.getTime() === stay.checked_out_at.getTime(),
    upgrade: upgrade
      ? { tier: upgrade.tier, previous: upgrade.previous, validThrough: upgrade.validThrough! }
      : null,
  };
}
