/**
 * Win-back of a lapsed member (child `guest-<id>-winback-<lapsedOn>`): up to
 * three offers dated from the lapse (program rules `winBack.offerDays`, by
 * default days 0, 30 and 75), each with its own coupon; no answer within the
 * window after the last → the guest is told "may we ask why?" and the parent
 * hears `churned`. A booking or a stay ends it at once: the parent cancels
 * this workflow, which then simply stops.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { lapseDay, winBackSchedule } from '../domain/come-back-offers.js';
import { WIN_BACK_ENDED } from '../domain/mail-policy.js';
import { childFinishedSignal } from '../contracts/guest.js';
import type { WinBackInput } from '../contracts/win-back.js';
import { LOCAL_DB, MAIL, MAIL_DELIVERY_ATTEMPT } from './kit/activity-options.js';
import { PATCHES } from './kit/patches.js';
import { deliverIfScheduled, type MailOutcome } from './kit/planned-mail.js';

// A cancelled win-back waits for a mail in flight to finish rather than leave it behind.
const waitForIt = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };
const db = proxyLocalActivities<Activities>(LOCAL_DB);
const mail = proxyActivities<Activities>({ ...MAIL, ...waitForIt });
const planned = proxyActivities<Activities>({ ...MAIL_DELIVERY_ATTEMPT, ...waitForIt });

/**
 * A mail the planner put at a later send time (due outside the send window): sleep until then and deliver it.
 * Cancelled meanwhile (the guest booked), the mail is withdrawn — a suppressed row with the reason
 * (domain/mail-policy.ts WIN_BACK_ENDED) — before the cancellation goes on.
 */
function deliverOrWithdraw(sent: MailOutcome): Promise<void> {
  return deliverIfScheduled(planned, sent, PATCHES.mailSendWindow.id, { reason: WIN_BACK_ENDED });
}

export async function winBack(input: WinBackInput): Promise<'churned' | 'cancelled'> {
  const lapsedOn = lapseDay(input.lapsedAt);
  try {
    const plan = await db.winBackPlan({ now: new Date(Date.now()).toISOString() });
    // Who gets which offer when: domain/come-back-offers.ts.
    const schedule = winBackSchedule(input, plan);
    for (const { index, dueMs, key } of schedule.offers) {
      if (dueMs > Date.now()) await sleep(dueMs - Date.now());
      const offer = await mail.sendWinBackOffer({
        guestId: input.guestId,
        lapsedOn,
        index,
        key,
        now: new Date(Date.now()).toISOString(),
      });
      await deliverOrWithdraw(offer);
    }
    await sleep(schedule.answerWindowMs);
    const why = await mail.sendLifecycleMail({
      guestId: input.guestId,
      kind: 'churn-why',
      key: schedule.whyKey,
      now: new Date(Date.now()).toISOString(),
    });
    await deliverOrWithdraw(why);
  } catch (err) {
    // The parent cancels when the guest books or stays: nothing more to do or report.
    if (isCancellation(err)) return 'cancelled';
    throw err;
  }
  // Reported even if the parent is between runs: the signal reaches its current run.
  await CancellationScope.nonCancellable(() =>
    getExternalWorkflowHandle(input.guestWorkflowId).signal(childFinishedSignal, {
      kind: 'winBack',
      outcome: 'churned',
      lapsedOn,
    }),
  );
  return 'churned';
}
