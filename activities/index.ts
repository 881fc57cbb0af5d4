/**
 * The side effects of the guest lifecycle, built from their dependencies
 * (samples-typescript style): `createActivities(deps)` composes one factory
 * per concern. Every write is idempotent, keyed in Postgres, so a retried
 * activity changes nothing.
 */
import type { Client } from '@temporalio/client';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/knex.js';
import { createCadenceActivities } from './cadence.js';
import { createCareActivities } from './care.js';
import { createCaseActivities, type CaseDeps } from './cases.js';
import { withDatabaseErrorsSummarised } from './errors.js';
import { noFaults, type FaultInjector } from './faults.js';
import { createLifecycleActivities } from './lifecycle.js';
import { createCampaignActivities } from './campaigns.js';
import { createMailActivities, createMailCore, sendMailWith } from './mail.js';
import { createPmsEventActivities } from './pms-events.js';
import { createStayActivities } from './stays-and-points.js';

export type { ApplyStayResult, GuestStanding, LastStay } from './stays-and-points.js';
export { messageIdFor } from './mail.js';

export interface ActivityDeps {
  db: Db;
  mailer: Transporter;
  mail: { from: string; messageIdDomain: string };
  /** For the sweeper, which re-signals guests' workflows; the worker passes its own client. */
  temporal?: Client;
  taskQueue?: string;
  faults?: FaultInjector;
  /** Builds the signed "may we ask why?" link for the churn mail (api/links). */
  whyUrl?: (input: { guestId: string; expiresAt: Date }) => string;
  /** Builds the signed one-click unsubscribe link of marketing mail (api/links). */
  unsubscribeUrl?: (input: { guestId: string }) => string;
  /** Builds the signed link of the post-stay survey about one stay (`stays.id`) (api/links). */
  surveyUrl?: (input: { guestId: string; stayId: string }) => string;
  /** Builds the signed "report a problem" link of the in-stay mail (api/links). */
  inStayReportUrl?: (input: { guestId: string; pmsStayId: string; propertyCode: string }) => string;
  /** Builds the signed yes/no links of a case's satisfaction check (api/links). */
  satisfactionUrl?: CaseDeps['satisfactionUrl'];
  /** A pooled transport to the same server for campaign batches (lib/runtime.ts createPooledMailer); else `mailer`. */
  campaignMailer?: Transporter;
  /** Campaign mails in flight at once within a batch (activities/campaigns.ts; default 8). */
  campaignConcurrency?: number;
  /** Tests shorten a campaign mail's lease and when a lost batch's recipients are settled (activities/campaigns.ts). */
  campaignTiming?: { leaseSeconds?: number; strandedAfterSeconds?: number };
  /** Tests shorten the mail delivery bounds (activities/mail.ts). */
  mailTiming?: { sendDeadlineMs?: number; markSentForMs?: number };
}

export function createActivities(deps: ActivityDeps) {
  return withDatabaseErrorsSummarised(activitiesOf(deps));
}

function activitiesOf(deps: ActivityDeps) {
  const faults = deps.faults ?? noFaults;
  const mailDeps = {
    db: deps.db,
    mailer: deps.mailer,
    mail: deps.mail,
    faults,
    ...(deps.mailTiming ? { timing: deps.mailTiming } : {}),
    ...(deps.unsubscribeUrl ? { unsubscribeUrl: deps.unsubscribeUrl } : {}),
    ...(deps.surveyUrl ? { surveyUrl: deps.surveyUrl } : {}),
    ...(deps.inStayReportUrl ? { inStayReportUrl: deps.inStayReportUrl } : {}),
  };
  const mail = createMailActivities(mailDeps);
  return {
    ...createStayActivities({ db: deps.db, faults }),
    ...mail,
    ...createLifecycleActivities({
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.taskQueue,
      // Every lifecycle mail is planned with its send window: one due outside it comes back `scheduled`, and
      // the workflow waits for its send time (then deliverPlannedMail).
      sendMail: sendMailWith(deps.db, mail, { schedule: true }),
      ...(deps.whyUrl ? { whyUrl: deps.whyUrl } : {}),
    }),
    ...createCareActivities({
      db: deps.db,
      mail,
      sendMail: sendMailWith(deps.db, mail, { schedule: true }),
      ...(deps.inStayReportUrl ? { inStayReportUrl: deps.inStayReportUrl } : {}),
    }),
    ...createCadenceActivities({
      db: deps.db,
      mail,
      messageIdDomain: deps.mail.messageIdDomain,
      ...(deps.surveyUrl ? { surveyUrl: deps.surveyUrl } : {}),
    }),
    ...createPmsEventActivities({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue }),
    ...createCaseActivities({
      db: deps.db,
      mail,
      // The acknowledgement answers the guest at once; the resolution and the satisfaction check wait for the
      // guest's send window (domain/mail-policy.ts (MAIL_TIMING)) and come back `scheduled` (the case's workflow waits).
      sendMail: sendMailWith(deps.db, mail, { schedule: true }),
      messageIdDomain: deps.mail.messageIdDomain,
      ...(deps.satisfactionUrl ? { satisfactionUrl: deps.satisfactionUrl } : {}),
    }),
    ...createCampaignActivities({
      db: deps.db,
      core: createMailCore({ ...mailDeps, mailer: deps.campaignMailer ?? deps.mailer }),
      faults,
      ...(deps.unsubscribeUrl ? { unsubscribeUrl: deps.unsubscribeUrl } : {}),
      ...(deps.campaignConcurrency ? { concurrency: deps.campaignConcurrency } : {}),
      ...(deps.campaignTiming ? { timing: deps.campaignTiming } : {}),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
