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
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { lapseDay, winBackSchedule } from '../domain/come-back-offers.js';
import { MAIL_DELIVERY } from '../domain/mail-timing.js';
import { childFinishedSignal } from '../contracts/guest.js';
import type { WinBackInput } from '../contracts/win-back.js';

export type { WinBackInput } from '../contracts/win-back.js';

const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const mail = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  // A cancelled win-back waits for a mail in flight to finish rather than leave it behind.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const planned = proxyActivities<Activities>({
  startToCloseTimeout: MAIL_DELIVERY.startToCloseMs,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * A mail the planner put at a later send time (due outside the send window): sleep until then and deliver it.
 * Cancelled meanwhile (the guest booked), the mail is withdrawn — a suppressed row with the reason — before
 * the cancellation goes on.
 */
async function deliverWhenDue(sent: { status: string; outboxId: number; sendAt?: string }): Promise<void> {
  if (sent.status !== 'scheduled' || sent.sendAt === undefined || !patched('mail-send-window')) return;
  try {
    const wait = Date.parse(sent.sendAt) - Date.now();
    if (wait > 0) await sleep(wait);
  } catch (err) {
    if (isCancellation(err))
      await CancellationScope.nonCancellable(() =>
        planned.withdrawPlannedMail({
          outboxId: sent.outboxId,
          reason: 'exit_condition: the win-back ended before the send time (the guest came back)',
        }),
      );
    throw err;
  }
  await planned.deliverPlannedMail({ outboxId: sent.outboxId });
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
      await deliverWhenDue(offer);
    }
    await sleep(schedule.answerWindowMs);
    const why = await mail.sendLifecycleMail({
      guestId: input.guestId,
      kind: 'churn-why',
      key: schedule.whyKey,
      now: new Date(Date.now()).toISOString(),
    });
    await deliverWhenDue(why);
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
