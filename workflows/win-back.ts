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
import { childFinishedSignal } from './messages.js';
import type { WinBackInput } from './types.js';

export type { WinBackInput } from './types.js';

const DAY_MS = 86_400_000;

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

export async function winBack(input: WinBackInput): Promise<'churned' | 'cancelled'> {
  const lapsedAtMs = Date.parse(input.lapsedAt);
  const lapsedOn = input.lapsedAt.slice(0, 10);
  const key = `${input.guestWorkflowId}:win-back:${lapsedOn}`;
  try {
    const plan = await db.winBackPlan({ now: new Date(Date.now()).toISOString() });
    for (const [index, day] of plan.offerDays.entries()) {
      const due = lapsedAtMs + day * DAY_MS;
      if (due > Date.now()) await sleep(due - Date.now());
      await mail.sendWinBackOffer({
        guestId: input.guestId,
        lapsedOn,
        index,
        key: `${key}:offer-${index + 1}`,
        now: new Date(Date.now()).toISOString(),
      });
    }
    await sleep(plan.answerWindowDays * DAY_MS);
    await mail.sendLifecycleMail({
      guestId: input.guestId,
      kind: 'churn-why',
      key: `${key}:why`,
      now: new Date(Date.now()).toISOString(),
    });
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
