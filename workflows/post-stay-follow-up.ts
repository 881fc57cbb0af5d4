/**
 * One stay's follow-up, a child of the guest's workflow: the thank-you mail
 * `delayMinutes` after check-out (at once if that moment has passed), through
 * the outbox. A thank-you that would go out more than `maxAgeDays` after the
 * check-out (a stay reported late, a re-driven event) is not sent: it is
 * recorded as a suppressed mail with its reason. Later steps of the cadence
 * join here.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { thankYouDelayMs } from '../domain/followup.js';
import { idempotencyKey } from '../domain/ids.js';
import { MAIL_DELIVERY, isTooOldToThank } from '../domain/mail-timing.js';
import type { PostStayFollowUpInput, PostStayFollowUpResult } from './types.js';

export type { PostStayFollowUpInput, PostStayFollowUpResult } from './types.js';

const { queueMail, suppressMail, sendLifecycleMail } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const { deliverMail } = proxyActivities<Activities>({
  // One SMTP attempt is cut off at MAIL_DELIVERY.sendDeadlineMs, inside this, inside the row's lease.
  startToCloseTimeout: MAIL_DELIVERY.startToCloseMs,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const DEFAULT_MAX_AGE_DAYS = 7;

export async function postStayFollowUp(input: PostStayFollowUpInput): Promise<PostStayFollowUpResult> {
  // What the stay caused at once (welcome, upgrade, welcome back): decided by the guest's workflow, sent here.
  for (const mail of input.mails ?? []) {
    await sendLifecycleMail({
      guestId: input.guestId,
      kind: mail.kind,
      key: mail.key,
      now: new Date(Date.now()).toISOString(),
      ...(mail.vars ? { vars: mail.vars } : {}),
    });
  }
  const checkedOutAtMs = Date.parse(input.checkedOutAt);
  const wait = thankYouDelayMs({
    checkedOutAtMs,
    nowMs: Date.now(), // the workflow clock
    delayMinutes: input.delayMinutes,
  });
  if (wait > 0) await sleep(wait);
  const template = 'stay-thank-you';
  const key = idempotencyKey(input.guestWorkflowId, `stay-thank-you:${input.stayId}`);
  const maxAgeDays = input.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS;
  if (isTooOldToThank({ checkedOutAtMs, nowMs: Date.now(), maxAgeDays })) {
    const reason = `stay_too_old: checked out more than ${maxAgeDays} days ago`;
    const suppressed = await suppressMail({ guestId: input.guestId, template, idempotencyKey: key, reason });
    return { thankYou: { outboxId: suppressed.outboxId, suppressed: reason } };
  }
  const queued = await queueMail({
    guestId: input.guestId,
    template,
    idempotencyKey: key,
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
  return { thankYou: { outboxId: queued.outboxId } };
}
