/**
 * A mail the planner put at a later send time (due outside the guest's send window: domain/mail-policy.ts (MAIL_TIMING))
 * comes back `{ status: 'scheduled', outboxId, sendAt }`; the workflow that sent it sleeps until then and runs
 * `deliverPlannedMail`, which checks consent and open cases once more (docs/architecture.md "The guest's
 * lifecycle"). One timer if the time is still ahead, then one activity: the commands every workflow issued
 * when it wrote this inline. The proxy stays with the caller (its own activity options).
 */
import { CancellationScope, isCancellation, patched, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

/** What a mail activity answers: sent, suppressed or failed at once, or `scheduled` for `sendAt`. */
export interface MailOutcome {
  status: string;
  outboxId: number;
  sendAt?: string;
}

/** A mail planned for later. */
export interface PlannedMail {
  outboxId: number;
  sendAt: string;
}

type Delivery = Pick<Activities, 'deliverPlannedMail'>;
type Withdrawal = Pick<Activities, 'withdrawPlannedMail'>;

/** The mail was scheduled for later (else it has been sent, suppressed or has failed already). */
export function isScheduled(sent: MailOutcome): sent is MailOutcome & PlannedMail {
  return sent.status === 'scheduled' && sent.sendAt !== undefined;
}

/**
 * Sleeps until the mail's send time (no timer when it has come), then delivers it. With `withdraw`, a
 * cancellation during the sleep (a win-back the guest's booking ended) withdraws the mail first — a suppressed
 * row with that reason, in a non-cancellable scope — and goes on as the cancellation.
 */
export async function deliverWhenDue(
  activities: Delivery,
  mail: PlannedMail,
): ReturnType<Activities['deliverPlannedMail']>;
export async function deliverWhenDue(
  activities: Delivery & Withdrawal,
  mail: PlannedMail,
  withdraw: { reason: string },
): ReturnType<Activities['deliverPlannedMail']>;
export async function deliverWhenDue(
  activities: Delivery & Partial<Withdrawal>,
  mail: PlannedMail,
  withdraw?: { reason: string },
): ReturnType<Activities['deliverPlannedMail']> {
  try {
    const wait = Date.parse(mail.sendAt) - Date.now();
    if (wait > 0) await sleep(wait);
  } catch (err) {
    if (withdraw && activities.withdrawPlannedMail && isCancellation(err)) {
      const { withdrawPlannedMail } = activities;
      await CancellationScope.nonCancellable(() =>
        withdrawPlannedMail({ outboxId: mail.outboxId, reason: withdraw.reason }),
      );
    }
    throw err;
  }
  return activities.deliverPlannedMail({ outboxId: mail.outboxId });
}

/**
 * A mail an activity just sent: when it came back scheduled and the run takes the patched branch (`patchId`, one
 * of workflows/kit/patches.ts: runs from before it never held a mail; asked only for a scheduled mail, as
 * before), delivered when due (`deliverWhenDue`); otherwise nothing to do.
 */
export async function deliverIfScheduled(
  activities: Delivery,
  sent: MailOutcome,
  patchId: string,
): Promise<void>;
export async function deliverIfScheduled(
  activities: Delivery & Withdrawal,
  sent: MailOutcome,
  patchId: string,
  withdraw: { reason: string },
): Promise<void>;
export async function deliverIfScheduled(
  activities: Delivery & Partial<Withdrawal>,
  sent: MailOutcome,
  patchId: string,
  withdraw?: { reason: string },
): Promise<void> {
  if (!isScheduled(sent) || !patched(patchId)) return;
  if (withdraw) await deliverWhenDue(activities as Delivery & Withdrawal, sent, withdraw);
  else await deliverWhenDue(activities, sent);
}
