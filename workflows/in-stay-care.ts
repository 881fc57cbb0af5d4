/**
 * Care during the stay (docs/architecture.md "Care during the stay"; child `guest-<id>-in-stay-<pmsStayId>`, one
 * per PMS stay, started by the guest's workflow on `stay.started`): the next 09:00 in the property's zone after
 * the check-in (an activity computes it), the guest is asked "how is your stay?" with a signed link to report a
 * problem, if still in house then (no check-out recorded, expected departure not passed); otherwise a
 * suppressed row with the reason. The mail goes through the planning activity like every other; one the
 * planner still schedules for later is delivered when due (workflows/kit/planned-mail.ts).
 */
import { proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { idempotencyKey } from '../domain/ids.js';
import type { InStayCareInput, InStayCareResult } from '../contracts/in-stay-care.js';
import { LOCAL_DB, MAIL, MAIL_DELIVERY_ATTEMPT } from './kit/activity-options.js';
import { deliverWhenDue } from './kit/planned-mail.js';

const db = proxyLocalActivities<Activities>(LOCAL_DB);
const mail = proxyActivities<Activities>(MAIL);
const planned = proxyActivities<Activities>(MAIL_DELIVERY_ATTEMPT);

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
    const delivered = await deliverWhenDue(planned, r);
    return { outboxId: r.outboxId, status: delivered.status, localCheckAt: plan.localCheckAt };
  }
  return {
    outboxId: r.outboxId,
    status: r.status,
    localCheckAt: plan.localCheckAt,
    ...('reason' in r ? { reason: r.reason } : {}),
  };
}
