/**
 * The activity options every workflow proxies its activities with, by what the activity talks to. Each workflow
 * keeps its proxies next to their use (`proxyActivities<Activities>(MAIL)`); the values are the ones each call
 * site had. Retries are unlimited unless said otherwise: entity work must not be lost to an outage
 * (docs/architecture.md "When something fails"), so a retryable failure backs off and tries again.
 */
import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { MAIL_DELIVERY } from '../../domain/mail-timing.js';

/** From a second, doubling, to a minute: Postgres and Temporal, which come back soon. */
const TO_A_MINUTE: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
};
/** From five seconds, doubling, to five minutes: SMTP, whose outages last longer. */
const SMTP_BACKOFF: RetryPolicy = {
  initialInterval: '5 seconds',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
};

/**
 * Short single-transaction reads and writes of Postgres, as local activities: one marker each in the history.
 * Backing off to a minute.
 */
export const LOCAL_DB: LocalActivityOptions = { startToCloseTimeout: '10 seconds', retry: TO_A_MINUTE };

/**
 * A mail decided and planned (sendLifecycleMail, sendCaseMail, sendWinBackOffer, sendInStayCheck): it may talk to
 * SMTP, so a regular activity, backing off to five minutes.
 */
export const MAIL: ActivityOptions = { startToCloseTimeout: '45 seconds', retry: SMTP_BACKOFF };

/**
 * One delivery of a mail already on the outbox (deliverPlannedMail, deliverMail): one SMTP attempt is cut off
 * at MAIL_DELIVERY.sendDeadlineMs, inside this timeout, inside the row's lease (domain/mail-timing.ts). A regular
 * activity: its heartbeat records an accepted mail, which is how a retry never sends it twice.
 */
export const MAIL_DELIVERY_ATTEMPT: ActivityOptions = {
  startToCloseTimeout: MAIL_DELIVERY.startToCloseMs,
  retry: SMTP_BACKOFF,
};

/** A call to Temporal from an activity (tellGuest's signal-with-start: a guest between runs still hears it). */
export const TEMPORAL_CALL: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: TO_A_MINUTE };

/**
 * A longer Postgres write as a regular activity (the follow-up's outbox writes, and its cadence bookkeeping in
 * runs from before local activities): 30 seconds, backing off to five minutes.
 */
export const OUTBOX_WRITE: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...TO_A_MINUTE, maximumInterval: '5 minutes' },
};

/**
 * A longer Postgres transaction as a local activity (the follow-up's cadence bookkeeping: a planning can wait for
 * the guest's row lock, and an attempt cut off keeps its transaction running beside its retry), backing off to
 * a minute as LOCAL_DB.
 */
export const LOCAL_DB_LONG: LocalActivityOptions = { ...LOCAL_DB, startToCloseTimeout: '30 seconds' };

/** One pass of a periodic job (the PMS event sweeper): a pass that fails is simply the next pass, no retries. */
export const ONE_ATTEMPT_PASS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 1 },
};

/**
 * A campaign's batch (activities/campaigns.ts sendCampaignBatch): up to a few hundred mails, each SMTP attempt
 * cut off at MAIL_DELIVERY.sendDeadlineMs; it heartbeats per mail, so a killed worker is noticed within the
 * heartbeat timeout and the batch runs again (a mail already sent is never sent again). Backing off as SMTP.
 */
export const CAMPAIGN_BATCH: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: SMTP_BACKOFF,
};

/** Planning a campaign's audience (up to the whole base, page by page, heartbeating the last guest planned). */
export const CAMPAIGN_PLAN: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: TO_A_MINUTE,
};

/** `options`, where some failure types are an answer rather than a fault: they are not retried. */
export function answeringWith<T extends ActivityOptions | LocalActivityOptions>(
  options: T,
  nonRetryableErrorTypes: string[],
): T {
  return { ...options, retry: { ...options.retry, nonRetryableErrorTypes } };
}
