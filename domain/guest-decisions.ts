/**
 * The guest's decisions: what a message, a deadline of the agenda, a child's report or a staff request changes
 * for the guest as the state has it. Pure; each returns plain data (domain/guest-plan.ts) — a stage to record, a
 * mail to send with its facts, a child to start — which the `Guest` class (workflows/guest.ts) carries out with
 * its activities, in the order the result gives. Who gets a come-back offer: domain/come-back-offers.ts.
 */
import type { Agenda, DeadlineKind } from './agenda.js';
import { firstYearReminder, lapse, winBackWorkflowId } from './come-back-offers.js';
import type { DeadlinePlan, GuestFacts, MailOrder, ReviewRun, StageChange } from './guest-plan.js';
import { followUpWorkflowId, inStayCareWorkflowId } from './ids.js';
import type { ReferralRewardedMessage, StayCompletedMessage, StayStartedMessage } from './messages.js';
import { baseStage, stageAfterStay, type Stage } from './stages.js';
import { isTier, type Tier } from './tiers.js';

/** The guest's workflow and the guest it is for. */
export interface GuestIds {
  guestId: string;
  workflowId: string;
}

// ---- stages ----------------------------------------------------------------------------------------------------

/** Stage transitions the state (and so the `state` query) keeps; all of them are in `stage_history`. */
export const RECENT_STAGES_KEPT = 10;

type RecentStage = { from: Stage; to: Stage; reason: string; at: string };

/** The state's fields after the guest moves to `change.to` at `at`; null when the guest is there already. */
export function stageTransition(
  guest: { stage: Stage; stageChanges: number; recentStages: readonly RecentStage[] },
  change: StageChange,
  at: string,
): { from: Stage; stage: Stage; stageChanges: number; recentStages: RecentStage[] } | null {
  if (guest.stage === change.to) return null;
  const from = guest.stage;
  return {
    from,
    stage: change.to,
    stageChanges: guest.stageChanges + 1,
    recentStages: [...guest.recentStages, { from, to: change.to, reason: change.reason, at }].slice(
      -RECENT_STAGES_KEPT,
    ),
  };
}

/** Back on the ladder (prospect, member, regular or VIP) by the guest's stays and tier, an enrolled guest. */
function ladder(guest: Pick<GuestFacts, 'stays' | 'tier'>, reason: string): StageChange {
  return { to: baseStage({ enrolled: true, totalStays: guest.stays, tier: guest.tier }), reason };
}

// ---- at risk -----------------------------------------------------------------------------------------------------
// The other reasons are deadlines: `atDeadline` ('no stay for 9 months') and come-back-offers.ts
// `firstYearReminder` (a single stay near the first anniversary).

/** A satisfaction survey answered with a score of 2 or less, or "would not return", opens a service case. */
export function opensServiceCase(answer: { score: number; wouldReturn: string }): boolean {
  return answer.score <= 2 || answer.wouldReturn === 'no';
}

/** An open case (`case:<id>`) flags the guest at risk, unless the guest is a prospect, lapsed or churned. */
export function riskFlagged(
  guest: Pick<GuestFacts, 'riskFlags' | 'stage'>,
  flag: string,
  reason: string,
): { riskFlags: string[]; stage: StageChange | null } {
  const riskFlags = guest.riskFlags.includes(flag) ? [...guest.riskFlags] : [...guest.riskFlags, flag];
  const flags = guest.stage !== 'lapsed' && guest.stage !== 'churned' && guest.stage !== 'prospect';
  return { riskFlags, stage: flags ? { to: 'at_risk', reason } : null };
}

/** A flag cleared (a case closed): the last one takes an at-risk guest back to the ladder. */
export function riskCleared(
  guest: Pick<GuestFacts, 'riskFlags' | 'stage' | 'stays' | 'tier'>,
  flag: string,
): { riskFlags: string[]; stage: StageChange | null } {
  const riskFlags = guest.riskFlags.filter((f) => f !== flag);
  const back = riskFlags.length === 0 && guest.stage === 'at_risk';
  const reason = flag.startsWith('case:') ? 'service case closed' : `${flag} cleared`;
  return { riskFlags, stage: back ? ladder(guest, reason) : null };
}

/** The risk flag of an open service case (the guest is at risk until it closes). */
export function caseFlag(caseId: string): string {
  return `case:${caseId}`;
}

// ---- a lapsed or churned guest comes back ------------------------------------------------------------------------

/**
 * Whether a booking brings the guest back: a running win-back or a lapse does (`lapsed`); a churned guest's does
 * too, since `patched('churned-booking-reactivates')` in workflows/guest.ts (`churned`).
 */
export function returnsOnBooking(guest: Pick<GuestFacts, 'winBack' | 'stage'>): 'lapsed' | 'churned' | null {
  if (guest.winBack || guest.stage === 'lapsed') return 'lapsed';
  return guest.stage === 'churned' ? 'churned' : null;
}

/**
 * The key of a return's welcome-back bonus and mail: the lapse day of the running win-back, or, once it is over
 * (churned), the stage change that ends this absence (a second return after a second churn is another key).
 */
export function welcomeBackKey(guest: Pick<GuestFacts, 'winBack' | 'stage' | 'stageChanges'>): string {
  return `welcome-back:${guest.winBack?.lapsedOn ?? `${guest.stage}-${guest.stageChanges}`}`;
}

export function welcomeBackMail(key: string, bonusPoints: number): MailOrder {
  return { kind: 'welcome-back', key, vars: { bonusPoints } };
}

/** The win-back told the guest's workflow it ended without an answer: a guest still lapsed has churned. */
export function afterWinBack(
  report: { kind: string; outcome?: string },
  guest: Pick<GuestFacts, 'stage'>,
): StageChange | null {
  return report.kind === 'winBack' && report.outcome === 'churned' && guest.stage === 'lapsed'
    ? { to: 'churned', reason: 'no answer to three win-back offers' }
    : null;
}

// ---- messages ----------------------------------------------------------------------------------------------------

/** How long after becoming an opted-in prospect the invitation to join goes out. */
export const INVITATION_DELAY_MS = 3_600_000;

/**
 * An opted-in prospect not invited yet is invited an hour after the message that made them one (`nowMs`): a
 * stay or an enrolment arriving with the profile (PMS events come unordered) makes the invitation moot. Null:
 * nothing to plan.
 */
export function invitationDueAt(guest: GuestFacts, nowMs: number): string | null {
  const invites =
    guest.stage === 'prospect' && guest.marketingConsent && !guest.invitationSent && !guest.invitationDueAt;
  return invites ? new Date(nowMs + INVITATION_DELAY_MS).toISOString() : null;
}

/** An enrolment makes a prospect a member, welcomed. */
export function onEnrolment(
  guest: Pick<GuestFacts, 'stage'>,
  channel: string,
): { stage: StageChange; mail: MailOrder } | null {
  if (guest.stage !== 'prospect') return null;
  return {
    stage: { to: 'member', reason: `enrolled (${channel})` },
    mail: { kind: 'welcome-member', key: 'welcome-member' },
  };
}

/** A guest this member referred has stayed: the member is told of the bonus (once per referred guest). */
export function referralBonusMail(message: { referredGuestId: string; points: number }): MailOrder {
  return {
    kind: 'referral-bonus',
    key: `referral-bonus:${message.referredGuestId}`,
    vars: { points: message.points },
  };
}

/** What the referrer's workflow is told when `guestId`'s first stay earned it `points`. */
export function referralRewarded(guestId: string, points: number, at: string): ReferralRewardedMessage {
  return {
    type: 'referral.rewarded',
    eventId: `referral:${guestId}`,
    source: 'workflow',
    occurredAt: at,
    referredGuestId: guestId,
    points,
  };
}

// ---- stays and tier reviews --------------------------------------------------------------------------------------

/**
 * A stay recorded (the guest's facts already those after it, the stage `before` it): a lapsed or churned guest,
 * or one in a win-back, is reactivated; any other moves on the ladder. Then the mails it causes, and the review of
 * its year if that year was reviewed already (a stay reported late).
 */
export function afterStay(
  before: Stage,
  guest: GuestFacts,
  applied: { stayId: string; enrolledNow: boolean; upgrade: { tier: Tier } | null; departureYear: number },
): { reactivate: string | null; stage: StageChange | null; mails: MailOrder[]; review: ReviewRun | null } {
  const returns = before === 'lapsed' || before === 'churned' || Boolean(guest.winBack);
  const mails: MailOrder[] = [];
  if (applied.enrolledNow && before === 'prospect')
    mails.push({ kind: 'welcome-member', key: 'welcome-member' });
  if (applied.upgrade)
    mails.push({ kind: 'tier-upgrade', key: `tier-upgrade:${applied.upgrade.tier}:${applied.stayId}` });
  return {
    reactivate: returns ? 'stayed after lapsing' : null,
    stage: returns
      ? null
      : {
          to: stageAfterStay({ current: before, totalStays: guest.stays, tier: guest.tier }),
          reason: before === 'prospect' ? 'first stay (the program is open)' : `stay ${guest.stays}`,
        },
    mails,
    review: lateReview(guest, applied.departureYear, `after:${applied.stayId}`),
  };
}

/**
 * An admin re-earned a stay (api/program/service.ts): a tier it crossed is an upgrade, as a stay's (a member or
 * regular becomes a VIP by gold), and a year already reviewed is reviewed again.
 */
export function afterReEarn(
  guest: GuestFacts,
  stayId: string,
  applied: { upgrade: { tier: Tier } | null; departureYear: number | null },
): { stage: StageChange | null; mail: MailOrder | null; review: ReviewRun | null } {
  const { upgrade, departureYear } = applied;
  const climbs = upgrade !== null && (guest.stage === 'member' || guest.stage === 'regular');
  return {
    stage: climbs ? ladder(guest, `tier ${upgrade.tier} by a re-earned stay`) : null,
    mail: upgrade ? { kind: 'tier-upgrade', key: `tier-upgrade:${upgrade.tier}:re-earn-${stayId}` } : null,
    review: departureYear === null ? null : lateReview(guest, departureYear, `after-re-earn:${stayId}`),
  };
}

/**
 * The PMS corrected a stay (`stay.amended`) or voided it (`stay.cancelled`): a tier the corrected figures cross is
 * an upgrade, as a stay's (a tier earned is not taken back mid-year); a year already reviewed is reviewed again
 * from the corrected totals.
 */
export function afterCorrection(
  guest: GuestFacts,
  eventId: string,
  applied: { upgrade: { tier: Tier } | null; departureYear: number | null; changed: boolean },
): { stage: StageChange | null; mail: MailOrder | null; review: ReviewRun | null } {
  const { upgrade, departureYear } = applied;
  const climbs = upgrade !== null && (guest.stage === 'member' || guest.stage === 'regular');
  return {
    stage: climbs ? ladder(guest, `tier ${upgrade.tier} by an amended stay`) : null,
    mail: upgrade ? { kind: 'tier-upgrade', key: `tier-upgrade:${upgrade.tier}:amend-${eventId}` } : null,
    review:
      departureYear === null || !applied.changed
        ? null
        : lateReview(guest, departureYear, `after-correction:${eventId}`),
  };
}

/** A year's review runs again when a stay of it counts after it ran; `cause` tells the runs apart in their key. */
function lateReview(guest: Pick<GuestFacts, 'reviewedYear'>, year: number, cause: string): ReviewRun | null {
  if (guest.reviewedYear === null || year > guest.reviewedYear) return null;
  return { year, key: `tier-review:${year}:${cause}`, rerun: true };
}

/** The 1 January review of last year: held for a guest above member or with a floor; none for the others. */
export function annualReview(guest: Pick<GuestFacts, 'tier' | 'tierFloor' | 'reviewYear'>): ReviewRun | null {
  const year = guest.reviewYear;
  return guest.tier !== 'member' || guest.tierFloor
    ? { year, key: `tier-review:${year}`, rerun: false }
    : null;
}

/** After the annual review a regular or VIP takes the stage the reviewed tier gives. */
export function stageAfterReview(guest: GuestFacts, year: number): StageChange | null {
  return guest.stage === 'vip' || guest.stage === 'regular' ? ladder(guest, `tier review ${year}`) : null;
}

/** The review's result mail: after every annual review, after a re-run only when the tier changed. */
export function reviewResultMail(
  run: ReviewRun,
  result: { tier: string; previousTier: string; outcome: string },
): MailOrder | null {
  if (run.rerun && result.tier === result.previousTier) return null;
  return {
    kind: 'tier-review-result',
    key: `${run.key}:mail`,
    vars: { year: run.year, tier: result.tier, previousTier: result.previousTier, outcome: result.outcome },
  };
}

/** What the state takes from the record (contracts/guest.ts `GuestSnapshot`) each time it reads the guest. */
export const RECORDED_FIELDS = [
  'tier',
  'tierFloor',
  'enrolled',
  'stays',
  'nights',
  'pointsBalance',
  'lastStay',
  'marketingConsent',
  'redemptionMinimum',
] as const;
type Recorded = (typeof RECORDED_FIELDS)[number];

/**
 * The state's fields after the guest is read again from Postgres (the record): the recorded fields, the agenda and
 * the review year, not the stage (the workflow's own). The invitation is the workflow's own deadline. A review
 * whose moment came while a message was being handled (its timer and the message at the same instant) has not
 * run: Postgres plans the next year's, the workflow keeps this one due.
 */
export function refreshed<R extends Record<Recorded, unknown> & { agenda: Agenda; reviewYear: number }>(
  guest: Pick<GuestFacts, 'invitationDueAt' | 'reviewYear' | 'reviewedYear'> & { agenda: Agenda },
  record: R,
): Pick<R, Recorded> & { agenda: Agenda; reviewYear: number } {
  const facts = Object.fromEntries(RECORDED_FIELDS.map((f) => [f, record[f]])) as Pick<R, Recorded>;
  const agenda = guest.invitationDueAt
    ? { ...record.agenda, invitation: guest.invitationDueAt }
    : record.agenda;
  const reviewDue =
    guest.agenda.tierReview !== undefined &&
    guest.reviewYear > 0 &&
    record.reviewYear > guest.reviewYear &&
    (guest.reviewedYear ?? 0) < guest.reviewYear;
  if (!reviewDue) return { ...facts, agenda, reviewYear: record.reviewYear };
  return {
    ...facts,
    agenda: { ...agenda, tierReview: guest.agenda.tierReview! },
    reviewYear: guest.reviewYear,
  };
}

/**
 * A run without carried state takes stage, the count of stage changes (which keys their rows), the running
 * win-back of a lapse and the open cases from the record. (A record read before these were loaded has only the
 * stage.)
 */
export function fromRecord(
  guest: Pick<GuestFacts, 'stageChanges' | 'winBack' | 'riskFlags'>,
  record: { stage: Stage; stageChanges?: number; lapsedOn?: string | null; unclosedCases?: string[] },
  guestWorkflowId: string,
): Pick<GuestFacts, 'stage' | 'stageChanges' | 'winBack'> & { riskFlags: string[] } {
  let riskFlags = [...guest.riskFlags];
  for (const caseId of record.unclosedCases ?? [])
    if (!riskFlags.includes(caseFlag(caseId))) riskFlags = [...riskFlags, caseFlag(caseId)];
  return {
    stage: record.stage,
    stageChanges:
      record.stageChanges !== undefined
        ? Math.max(guest.stageChanges, record.stageChanges)
        : guest.stageChanges,
    winBack:
      record.lapsedOn && !guest.winBack
        ? { workflowId: winBackWorkflowId(guestWorkflowId, record.lapsedOn), lapsedOn: record.lapsedOn }
        : guest.winBack,
    riskFlags,
  };
}

// ---- the agenda's deadlines --------------------------------------------------------------------------------------

/**
 * What a deadline of the agenda (due at `at`) does, but the annual review (`annualReview`, which needs its child's
 * result before it goes on). Mail keys carry the deadline's day, so a deadline handled twice sends once.
 */
export function atDeadline(
  kind: Exclude<DeadlineKind, 'tierReview'>,
  at: string,
  guest: GuestFacts,
  guestWorkflowId: string,
): DeadlinePlan {
  const day = at.slice(0, 10);
  switch (kind) {
    case 'atRisk':
      return { stage: { to: 'at_risk', reason: 'no stay for 9 months' } };
    case 'lapse':
      return lapse(guestWorkflowId, at);
    case 'firstYearReminder':
      return firstYearReminder(guest, day);
    case 'tierKeepReminder':
      return { mail: { kind: 'tier-keep-reminder', key: `tier-keep:${day}` } };
    case 'pointsExpiryWarning':
      return { mail: { kind: 'points-expiry-warning', key: `points-expiry-warning:${day}` } };
    case 'pointsExpiry':
      return { expirePoints: { key: `points-expiry:${day}`, day } };
    case 'birthday':
      return { mail: { kind: 'birthday-greeting', key: `birthday:${day}` } };
    case 'invitation':
      // Sent once, to a prospect who still consents; the deadline is gone either way.
      if (guest.stage === 'prospect' && guest.marketingConsent && !guest.invitationSent)
        return {
          set: { invitationDueAt: null, invitationSent: true },
          mail: { kind: 'enrolment-invitation', key: 'enrolment-invitation' },
        };
      return { set: { invitationDueAt: null } };
  }
}

/** The points the `pointsExpiry` deadline of `day` took are told to the guest, if there were any. */
export function pointsExpiredMail(day: string, points: number): MailOrder | null {
  return points > 0 ? { kind: 'points-expired', key: `points-expired:${day}`, vars: { points } } : null;
}

// ---- children ----------------------------------------------------------------------------------------------------

/**
 * The follow-up of a stay (workflows/post-stay-follow-up.ts): its ID and input, with the mails the stay caused
 * (full keys), which it sends at once.
 */
export function followUpChild(
  ids: GuestIds,
  message: StayCompletedMessage,
  applied: {
    stayId: string;
    settings: { thankYouDelayMinutes: number; thankYouMaxAgeDays: number };
    pointsEarned: number;
    bonusPoints: number;
    balanceAfter: number;
  },
  mails: readonly MailOrder[],
) {
  const { stay } = message;
  return {
    workflowId: followUpWorkflowId(ids.guestId, applied.stayId),
    input: {
      guestId: ids.guestId,
      guestWorkflowId: ids.workflowId,
      stayId: applied.stayId,
      checkedOutAt: message.occurredAt,
      delayMinutes: applied.settings.thankYouDelayMinutes,
      maxAgeDays: applied.settings.thankYouMaxAgeDays,
      stay: {
        propertyCode: stay.propertyCode,
        arrival: stay.arrival,
        departure: stay.departure,
        nights: stay.nights,
      },
      pointsEarned: applied.pointsEarned + applied.bonusPoints,
      pointsBalance: applied.balanceAfter,
      ...(mails.length > 0 ? { mails: [...mails] } : {}),
    },
  };
}

/** The in-stay care of a check-in (workflows/in-stay-care.ts): one per PMS stay, its ID and input. */
export function inStayCareChild(ids: GuestIds, message: StayStartedMessage) {
  return {
    workflowId: inStayCareWorkflowId(ids.guestId, message.stay.pmsStayId),
    input: {
      guestId: ids.guestId,
      guestWorkflowId: ids.workflowId,
      source: message.source,
      pmsStayId: message.stay.pmsStayId,
      propertyCode: message.stay.propertyCode,
      checkedInAt: message.occurredAt,
    },
  };
}

// ---- staff requests ----------------------------------------------------------------------------------------------

/** Why a staff request is refused: the message and the type of the ApplicationFailure its Update throws. */
export interface Refusal {
  message: string;
  type: string;
}

export type StaffRequest =
  | { type: 'staff.redeem' | 'staff.adjust'; requestId: unknown; points: number }
  | { type: 'staff.floor'; requestId: unknown; tier: unknown };

/** An inbox item as the points check sees it: staff requests and points messages carry `points`. */
export type PendingItem = { type: string; points?: number };

/**
 * The Updates' validators: why a staff request is refused before it joins the inbox (nothing is written), or null.
 * `waiting` is the inbox, or null while a fresh run has not loaded the balance (the request's turn checks then).
 */
export function staffRefusal(
  request: StaffRequest,
  guest: { pointsBalance: number; redemptionMinimum: number },
  waiting: readonly PendingItem[] | null,
): Refusal | null {
  if (typeof request.requestId !== 'string' || request.requestId.length === 0)
    return { message: 'requestId is required', type: 'RequestIdRequired' };
  if (request.type === 'staff.floor')
    return isTier(request.tier)
      ? null
      : { message: `unknown tier '${String(request.tier)}'`, type: 'UnknownTier' };
  const { points } = request;
  if (request.type === 'staff.redeem') {
    if (!Number.isInteger(points) || points <= 0)
      return { message: 'points must be a whole number above 0', type: 'InvalidAmount' };
    if (points < guest.redemptionMinimum)
      return {
        message: `the program's minimum redemption is ${guest.redemptionMinimum} points`,
        type: 'BelowMinimum',
      };
  } else if (!Number.isInteger(points) || points === 0)
    return { message: 'points must be a whole number other than 0', type: 'InvalidAmount' };
  const short = waiting && pointsShort(staffPoints(request), guest.pointsBalance, waiting, true);
  return short ? { message: short, type: 'InsufficientPoints' } : null;
}

/** The points a redemption or an adjustment moves: a redemption spends them. */
export function staffPoints(request: { type: 'staff.redeem' | 'staff.adjust'; points: number }): number {
  return request.type === 'staff.redeem' ? -request.points : request.points;
}

/**
 * Why moving `points` (negative: spending) would take the balance below 0, or null: points a case or a re-earn
 * has put on the ledger whose message waits in the inbox count as there, and (`countSpend`) so do the points
 * the redemptions and removals waiting there will spend. At its own turn a request counts no spending still
 * waiting: it was counted when its Update was validated.
 */
export function pointsShort(
  points: number,
  balance: number,
  waiting: readonly PendingItem[],
  countSpend: boolean,
): string | null {
  if (points >= 0) return null;
  const available = balance - (countSpend ? pendingSpend(waiting) : 0) + pendingCredit(waiting);
  return available + points < 0 ? `the balance is ${available} points, ${-points} were asked for` : null;
}

function pendingCredit(waiting: readonly PendingItem[]): number {
  return waiting.reduce(
    (sum, i) =>
      sum +
      (i.type === 'points.compensated' || i.type === 'points.re_earned' ? Math.max(0, i.points ?? 0) : 0),
    0,
  );
}

function pendingSpend(waiting: readonly PendingItem[]): number {
  return waiting.reduce(
    (sum, i) =>
      sum +
      (i.type === 'staff.redeem' || (i.type === 'staff.adjust' && (i.points ?? 0) < 0)
        ? Math.abs(i.points ?? 0)
        : 0),
    0,
  );
}

// ---- staff actions on the guest's workflow ---------------------------------------------------------------------

/**
 * Why staff may not start a win-back by hand (api/guests/actions.ts): the guest is not lapsed (`NotLapsed`), or
 * a win-back runs already (`WinBackRunning`); null when one may start (domain/come-back-offers.ts `winBackByHand`).
 */
export function winBackStartRefusal(guest: Pick<GuestFacts, 'stage' | 'winBack'>): Refusal | null {
  if (guest.stage !== 'lapsed')
    return {
      message: `the guest is ${guest.stage}, not lapsed: a win-back is for a lapsed guest`,
      type: 'NotLapsed',
    };
  if (guest.winBack)
    return { message: `a win-back runs already (${guest.winBack.workflowId})`, type: 'WinBackRunning' };
  return null;
}

/**
 * Why the guest's workflow does not cancel the win-back `workflowId` for staff: it is not a win-back of this
 * guest (`NotAWinBack`), or not the one the workflow holds (`NotHeld`: an orphan, stopped by the API directly;
 * none held, it has ended); null when the workflow lets go of it and asks it to stop. `guest` is null while a
 * fresh run has not loaded the guest (the request's turn checks then).
 */
export function winBackCancelRefusal(
  guestWorkflowId: string,
  guest: Pick<GuestFacts, 'winBack'> | null,
  workflowId: unknown,
): Refusal | null {
  if (typeof workflowId !== 'string' || !workflowId.startsWith(winBackWorkflowId(guestWorkflowId, '')))
    return { message: `${String(workflowId)} is not a win-back of ${guestWorkflowId}`, type: 'NotAWinBack' };
  if (guest && guest.winBack?.workflowId !== workflowId)
    return {
      message: `the guest's workflow does not hold ${workflowId} (it holds ${guest.winBack?.workflowId ?? 'none'})`,
      type: 'NotHeld',
    };
  return null;
}

// ---- what staff filter on --------------------------------------------------------------------------------------

/** The facts the guest's workflow publishes as search attributes (contracts/guest.ts): ids and enums only. */
export interface GuestSearchFacts {
  stage: Stage;
  tier: Tier;
  lastProperty: string | null;
  openCases: number;
}

export function searchFactsOf(guest: {
  stage: Stage;
  tier: Tier;
  lastStay: { propertyCode: string } | null;
  riskFlags: readonly string[];
}): GuestSearchFacts {
  return {
    stage: guest.stage,
    tier: guest.tier,
    lastProperty: guest.lastStay?.propertyCode ?? null,
    openCases: guest.riskFlags.filter((f) => f.startsWith('case:')).length,
  };
}
