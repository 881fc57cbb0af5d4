/**
 * One stay's follow-up, a child of the guest's workflow: the thank-you mail
 * `delayMinutes` after check-out (at once if that moment has passed), through
 * the outbox. Later steps of the cadence join here.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { thankYouDelayMs } from '../domain/followup.js';
import { idempotencyKey } from '../domain/ids.js';

export interface PostStayFollowUpInput {
  guestId: string;
  /** The parent's workflow ID: prefix of this follow-up's idempotency keys. */
  guestWorkflowId: string;
  stayId: string;
  checkedOutAt: string;
  delayMinutes: number;
  stay: { propertyCode: string; arrival: string; departure: string; nights: number };
  pointsEarned: number;
  pointsBalance: number;
}

export interface PostStayFollowUpResult {
  thankYou: { outboxId: number; messageId: string };
}

const { queueMail, deliverMail } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function postStayFollowUp(input: PostStayFollowUpInput): Promise<PostStayFollowUpResult> {
  const wait = thankYouDelayMs({
    checkedOutAtMs: Date.parse(input.checkedOutAt),
    nowMs: Date.now(), // the workflow clock
    delayMinutes: input.delayMinutes,
  });
  if (wait > 0) await sleep(wait);

  const queued = await queueMail({
    guestId: input.guestId,
    template: 'stay-thank-you',
    idempotencyKey: idempotencyKey(input.guestWorkflowId, `stay-thank-you:${input.stayId}`),
    vars: {
      propertyCode: input.stay.propertyCode,
      arrival: input.stay.arrival,
      departure: input.stay.departure,
      nights: input.stay.nights,
      oneNight: input.stay.nights === 1,
      pointsEarned: input.pointsEarned,
      pointsBalance: input.pointsBalance,
    },
  });
  await deliverMail({ outboxId: queued.outboxId });
  return { thankYou: { outboxId: queued.outboxId, messageId: queued.messageId } };
}
