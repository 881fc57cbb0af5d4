/**
 * Care during the stay (issue 8 §4; child `guest-<id>-in-stay-<pmsStayId>`, one per PMS stay, started by the
 * guest's workflow on `stay.started`): the next 09:00 in the property's zone after the check-in (an activity
 * computes it), the guest is asked "how is your stay?" with a signed link to report a problem, if still in
 * house then (no check-out recorded, expected departure not passed); otherwise a suppressed row with the
 * reason. The mail goes through the planning activity like every other.
 */
import { proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { idempotencyKey } from '../domain/ids.js';
import { MAIL_DELIVERY } from '../domain/mail-timing.js';
import type { InStayCareInput, InStayCareResult } from '../contracts/in-stay-care.js';

export type { InStayCareInput, InStayCareResult } from '../contracts/in-stay-care.js';

const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const mail = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const { deliverPlannedMail } = proxyActivities<Activities>({
  startToCloseTimeout: MAIL_DELIVERY.startToCloseMs,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const nowIso = () => new Date(Date.now()).toISOString();

export async function inStayCare(input: InStayCareInput): Promise<InStayCareResult> {
  const plan = await db.planInStayCheck({
    guestId: input.guestId,
    propertyCode: input.propertyCode,
    checkedInAt: input.checkedInAt,
    now: nowIso(),
  });
  const wait = Date.parse(plan.checkAt) - Date.now();
  if (wait > 0) await sleep(wait);
  const r = await mail.sendInStayCheck({
    guestId: input.guestId,
    source: input.source,
    pmsStayId: input.pmsStayId,
    propertyCode: input.propertyCode,
    key: idempotencyKey(input.guestWorkflowId, `in-stay-check:${input.source}:${input.pmsStayId}`),
    now: nowIso(),
  });
  if (r.status === 'scheduled') {
    // Not today (a transactional mail goes at once), but the planner has the last word on the send time.
    const until = Date.parse(r.sendAt) - Date.now();
    if (until > 0) await sleep(until);
    const delivered = await deliverPlannedMail({ outboxId: r.outboxId });
    return { outboxId: r.outboxId, status: delivered.status, localCheckAt: plan.localCheckAt };
  }
  return {
    outboxId: r.outboxId,
    status: r.status,
    localCheckAt: plan.localCheckAt,
    ...('reason' in r ? { reason: r.reason } : {}),
  };
}
