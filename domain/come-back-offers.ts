/**
 * Who gets a come-back offer. Three offers ask a guest to come back; this file answers for each, or says where
 * the answer is:
 *
 * 1. The cadence step `come-back` (template `come-back-offer`): the last step of the post-stay cadence that every
 *    stay's follow-up runs (workflows/post-stay-follow-up.ts), 30 days after the check-out, to a guest who has not
 *    booked since. Its default is domain/cadence.ts `DEFAULT_POST_STAY_STEPS` (condition
 *    `no_booking_since_anchor`), and marketers edit it as a `cadence_versions` row (api/marketing/cadences.ts);
 *    the condition is judged at the step's due time by domain/cadence.ts `conditionNotMet`
 *    (lib/cadence-times.ts), and consent, the frequency cap and an open case by domain/mail-policy.ts.
 * 2. The first-year come-back (`first-year-come-back`): `firstYearReminder` below. At the `firstYearReminder`
 *    deadline (3 months before the first anniversary of the enrolment, program rules
 *    `firstYearReminderMonthsBefore`, dated by activities/agenda.ts) a guest with a single stay is at risk and
 *    gets the offer; one with more stays gets the reminder without an offer. The offer is the first win-back
 *    offer with a coupon of its own (activities/lifecycle.ts, the `first-year-come-back` facts).
 * 3. The win-back (`win-back-offer`): `lapse` below. At the `lapse` deadline (12 months without a stay, program
 *    rules `lapseAfterMonths`, dated by activities/agenda.ts) the guest lapses and a `winBack` child
 *    (workflows/win-back.ts) sends the offers on the days `winBackSchedule` below dates from the lapse (program
 *    rules `winBack.offerDays`, domain/default-rules.ts), each with a coupon for the offer of its number
 *    (activities/lifecycle.ts `sendWinBackOffer`). A booking or a stay ends it: domain/guest-decisions.ts
 *    `returnsOnBooking` and `afterStay`. Staff may cancel it (the guest stays lapsed, with no win-back) and start
 *    one by hand for a lapsed guest without one: `winBackByHand` below, dated from that moment
 *    (api/guests/actions.ts, through the guest's workflow).
 */
import type { DeadlinePlan, GuestFacts, WinBackStart } from './guest-plan.js';

const DAY_MS = 86_400_000;

/**
 * The `firstYearReminder` deadline of `day`: a guest with a single stay is at risk and gets the first-year
 * come-back; any other the first-year reminder (the same key: one of the two, once).
 */
export function firstYearReminder(guest: Pick<GuestFacts, 'stays'>, day: string): DeadlinePlan {
  const key = `first-year:${day}`;
  if (guest.stays <= 1)
    return {
      stage: { to: 'at_risk', reason: 'a single stay, first anniversary in 3 months' },
      mail: { kind: 'first-year-come-back', key },
    };
  return { mail: { kind: 'first-year-reminder', key } };
}

/** The day (`YYYY-MM-DD`, UTC) of a lapse at the instant `lapsedAt`: it names the lapse's win-back and keys. */
export function lapseDay(lapsedAt: string): string {
  return lapsedAt.slice(0, 10);
}

/** The win-back child of the lapse of `lapsedOn`: `<guest's workflow ID>-winback-<lapsedOn>`. */
export function winBackWorkflowId(guestWorkflowId: string, lapsedOn: string): string {
  return `${guestWorkflowId}-winback-${lapsedOn}`;
}

/** The day a win-back's workflow ID names (`…-winback-<YYYY-MM-DD>`), or null for another ID. */
export function winBackDayOf(workflowId: string): string | null {
  return /-winback-(\d{4}-\d{2}-\d{2})$/.exec(workflowId)?.[1] ?? null;
}

/** The `lapse` deadline at the instant `at`: the guest lapses and the win-back starts. */
export function lapse(guestWorkflowId: string, at: string): DeadlinePlan {
  const lapsedOn = lapseDay(at);
  return {
    stage: { to: 'lapsed', reason: 'no stay for 12 months' },
    winBack: { workflowId: winBackWorkflowId(guestWorkflowId, lapsedOn), lapsedOn, lapsedAt: at },
  };
}

/**
 * A win-back staff start by hand at the instant `at` (a lapsed guest whose win-back was cancelled): dated from
 * `at` as a lapse's is from its deadline, so its first offer is due at once. Its day names it: on the day of an
 * earlier win-back (the lapse's, or another started by hand) it is that one's workflow ID with the same mail
 * keys, so an offer already sent does not go twice.
 */
export function winBackByHand(guestWorkflowId: string, at: string): WinBackStart {
  const lapsedOn = lapseDay(at);
  return { workflowId: winBackWorkflowId(guestWorkflowId, lapsedOn), lapsedOn, lapsedAt: at };
}

/**
 * When the win-back's offers are due (epoch ms: the lapse plus each of the rules' offer days) and their mail
 * keys, how long the guest then has to answer before the "may we ask why?" mail, and that mail's key.
 */
export function winBackSchedule(
  input: { guestWorkflowId: string; lapsedAt: string },
  plan: { offerDays: readonly number[]; answerWindowDays: number },
): { offers: { index: number; dueMs: number; key: string }[]; answerWindowMs: number; whyKey: string } {
  const lapsedAtMs = Date.parse(input.lapsedAt);
  const key = `${input.guestWorkflowId}:win-back:${lapseDay(input.lapsedAt)}`;
  return {
    offers: plan.offerDays.map((day, index) => ({
      index,
      dueMs: lapsedAtMs + day * DAY_MS,
      key: `${key}:offer-${index + 1}`,
    })),
    answerWindowMs: plan.answerWindowDays * DAY_MS,
    whyKey: `${key}:why`,
  };
}
