/**
 * Every patch id any workflow asks `patched()` about, in one place: what the patched branch does, what runs
 * from before it did instead, and when the old branch can go. A run that started before a change replays its
 * history through the old branch (no marker there), so a branch goes only once no such run is open, in two
 * steps (docs/architecture.md "Determinism"): `deprecatePatch(id)`, then nothing. The fixtures named
 * below (test/fixtures/histories/) hold the old branch; workflows/replay.test.ts replays them, so they are
 * retired in the same change. An id is written into histories: never rename one.
 */

export interface Patch {
  /** The marker's id. */
  readonly id: string;
  /** The workflow types whose code asks for it, and where. */
  readonly where: string;
  /** What the patched branch does; runs from before it did the rest. */
  readonly guards: string;
  /** When the unpatched branch can be removed. */
  readonly deprecateWhen: string;
}

export const PATCHES = {
  dueDeadlineAtOnce: {
    id: 'due-deadline-at-once',
    where: 'guestLifecycle (workflows/guest-lifecycle.ts, the loop)',
    guards: 'a deadline already due is handled at once after the waiting messages; before, on a 1 ms timer',
    deprecateWhen:
      'no guestLifecycle run started before it is open; retire 2026-11-24-before-due-deadline-lapsed.guestLifecycle.json',
  },
  cancelDueTimer: {
    id: 'cancel-due-timer',
    where: 'guestLifecycle (workflows/guest-lifecycle.ts, the loop)',
    guards:
      'the agenda timer armed for a deadline that became due meanwhile is cancelled; before, left to fire',
    deprecateWhen:
      'no guestLifecycle run started before it is open (a run of the first due-deadline-at-once code)',
  },
  answerStaffBeforeContinuing: {
    id: 'answer-staff-before-continuing',
    where: 'guestLifecycle (workflows/guest-lifecycle.ts, before continue-as-new)',
    guards:
      'staff Updates queued when the run is due to continue as new are answered first; before, the run waited for handlers that waited for it',
    deprecateWhen:
      'no guestLifecycle run started before it is open; retire 2026-11-24-before-staff-answer-continue-as-new-previous-run.guestLifecycle.json',
  },
  reviewWaitsForOwnChildren: {
    id: 'review-waits-for-own-children',
    where: 'guestLifecycle (workflows/guest.ts, the tierReview deadline)',
    guards:
      'after the annual review the run continues as new only once the children it started have finished; before, at once',
    deprecateWhen:
      'no guestLifecycle run started before it is open; re-record or retire the guestLifecycle fixtures recorded before it (all but december-stay-review-waits-for-follow-up)',
  },
  reviewResultInWindow: {
    id: 'review-result-in-window',
    where:
      'guestLifecycle (workflows/guest.ts, reviewYearOf and the tierReview deadline) and tierReview (workflows/tier-review.ts)',
    guards:
      "the review's result mail is the guest's workflow's, held for the send window while the loop goes on; before, the tierReview child sent it",
    deprecateWhen:
      'no guestLifecycle or tierReview run started before it is open; re-record or retire review-soft-landing.tierReview.json and the guestLifecycle fixtures that review',
  },
  mailSendWindow: {
    id: 'mail-send-window',
    where: 'guestLifecycle (workflows/guest.ts, sendMailKeyed) and winBack (workflows/win-back.ts)',
    guards:
      'a mail that comes back `scheduled` is held until its sendAt, then delivered (a cancelled win-back withdraws it); before, never scheduled',
    deprecateWhen:
      'no guestLifecycle or winBack run started before it is open; retire 2026-11-24-before-cadence-*.guestLifecycle.json and *.winBack.json',
  },
  inStayCare: {
    id: 'in-stay-care',
    where: 'guestLifecycle (workflows/guest.ts, stay.started)',
    guards: 'a check-in starts the inStayCare child; before, stay.started did nothing',
    deprecateWhen:
      'no guestLifecycle run started before it is open; retire 2026-11-24-before-cadence-*.guestLifecycle.json',
  },
  churnedBookingReactivates: {
    id: 'churned-booking-reactivates',
    where: 'guestLifecycle (workflows/guest.ts, booking.created)',
    guards: "a churned guest's booking reactivates as a stay does; before, only a lapsed guest's",
    deprecateWhen: 'no guestLifecycle run started before it is open',
  },
  closedSurveyCase: {
    id: 'closed-survey-case',
    where: 'guestLifecycle (workflows/guest.ts, survey.answered)',
    guards:
      'a low answer for a stay whose case is closed flags nothing and starts no child; before, a flag no case would clear',
    deprecateWhen: 'no guestLifecycle run started before it is open',
  },
  staySendWindow: {
    id: 'stay-mails-send-window',
    where: 'postStayFollowUp (workflows/post-stay-follow-up.ts, the mails the stay caused)',
    guards:
      'those that come back `scheduled` are held and delivered before the cadence starts; before, not held',
    deprecateWhen:
      'no postStayFollowUp run started before it is open; re-record or retire the postStayFollowUp fixtures recorded before it',
  },
  followUpLocalSteps: {
    id: 'follow-up-local-steps',
    where: 'postStayFollowUp (workflows/post-stay-follow-up.ts)',
    guards: "the cadence's bookkeeping runs as local activities; before, as regular activities",
    deprecateWhen:
      'no postStayFollowUp run started before it is open; retire 2026-11-24-before-local-steps-*.postStayFollowUp.json',
  },
  followUpCancelled: {
    id: 'follow-up-cancelled',
    where: 'postStayFollowUp (workflows/post-stay-follow-up.ts, when it is cancelled)',
    guards:
      'a cancelled follow-up withdraws the mails it holds for their send time, marks its row cancelled and answers the moves waiting, then ends cancelled; before, it ended at once (staff could not cancel one)',
    deprecateWhen: 'no postStayFollowUp run started before it is open',
  },
  cadenceFollowUp: {
    id: 'cadence-follow-up',
    where: 'postStayFollowUp (workflows/post-stay-follow-up.ts)',
    guards:
      "the follow-up runs the stay's cadence; before, the thank-you alone, delayMinutes after check-out",
    deprecateWhen:
      'no postStayFollowUp run started before it is open; retire 2026-11-24-before-cadence-*.postStayFollowUp.json (with followUpLocalSteps: the regular-activity branch goes too)',
  },
  caseMailsSendWindow: {
    id: 'case-mails-send-window',
    where: 'serviceRecovery (workflows/case.ts, sendMail)',
    guards:
      'a case mail that comes back `scheduled` is held until its sendAt, then delivered, before the case closes; before, never scheduled',
    deprecateWhen: 'no serviceRecovery run started before it is open',
  },
  tellGuestOfCompensationPoints: {
    id: 'tell-guest-of-compensation-points',
    where: 'serviceRecovery (workflows/case.ts, handle)',
    guards:
      "granted points are told to the guest's workflow (points.compensated) before the request is answered; before, not told",
    deprecateWhen:
      'no serviceRecovery run started before it is open; retire 2026-11-24-before-compensation-points-closed-after-reopening.serviceRecovery.json',
  },
  searchAttributes: {
    id: 'search-attributes',
    where: 'guestLifecycle (workflows/guest-lifecycle.ts, after each item and deadline)',
    guards:
      'the run upserts GuestStage, GuestTier, LastProperty and OpenCases (contracts/guest.ts) when they change; before, it set none',
    deprecateWhen: 'no guestLifecycle run started before it is open',
  },
  stayAmended: {
    id: 'stay-amended',
    where: 'guestLifecycle (workflows/guest.ts, stay.amended)',
    guards:
      "a stay the PMS corrected is corrected (correctStay: the stay row, ledger rows `stay_amended`, an upgrade, a reviewed year's review again), or recorded as the completed stay when not yet known; before, the message type was unknown and rejected",
    deprecateWhen: 'no guestLifecycle run started before it is open',
  },
  stayCancelled: {
    id: 'stay-cancelled',
    where: 'guestLifecycle (workflows/guest.ts, stay.cancelled)',
    guards:
      'a stay the PMS voided is reversed (correctStay: ledger rows `stay_cancelled`, the stay marked cancelled, its held follow-up mails suppressed) and its follow-up cancelled; before, the message type was unknown and rejected',
    deprecateWhen: 'no guestLifecycle run started before it is open',
  },
  guestErased: {
    id: 'guest-erased',
    where: 'guestLifecycle (workflows/guest.ts `forget`, workflows/guest-lifecycle.ts after an item)',
    guards:
      "a guest.erased message cancels the guest's children that may run, clears the carried state and the search attributes, and ends the run; before, the message type was unknown (a recorded rejection)",
    deprecateWhen: 'no guestLifecycle run started before it is open',
  },
} as const satisfies Record<string, Patch>;
