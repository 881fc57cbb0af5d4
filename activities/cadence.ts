/**
 * The post-stay follow-up's activities (workflows/post-stay-follow-up.ts; the cadence: domain/cadence.ts). The
 * follow-up pins the current published version of its cadence (`startFollowUp`, which records its `follow_ups`
 * row once per workflow id), plans each step at its due time (`planFollowUpStep`: the mail policy,
 * domain/mail-policy.ts `decideMail`, on the step's age and its condition against Postgres, then the send
 * planning of activities/mail.ts `planMail`, recorded as an outbox row, pending or suppressed with its reason),
 * may be moved to another published version on a marketer's request (`moveFollowUp`), and is marked completed
 * at the end (`finishFollowUp`). The workflow gets ids and facts only: step ids, due times (computed here, with
 * the zones), outbox ids and reasons.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { DateTime } from 'luxon';
import type { Db } from '../db/knex.js';
import * as cadences from '../db/repositories/cadences.js';
import { propertySettings } from '../db/repositories/cases.js';
import * as guests from '../db/repositories/guests.js';
import * as mailPlan from '../db/repositories/mail-plan.js';
import * as outbox from '../db/repositories/outbox.js';
import { checkSteps, type CadenceClass, type CadenceStep } from '../domain/cadence.js';
import { stepDueTimes, type CadenceAnchors } from '../domain/cadence-plan.js';
import { decideMail } from '../domain/mail-policy.js';
import { checkInInstant, localDateOf } from '../lib/cadence-times.js';
import { failFastOnDataErrors } from './errors.js';
import { messageIdFor, type MailActivities, type PlannedMail } from './mail.js';
import { zoneOrUtc } from '../lib/local-time.js';
import { templateLocale } from '../mail/templates.js';
import { activityNow } from './clock.js';

export interface CadenceDeps {
  db: Db;
  mail: MailActivities;
  messageIdDomain: string;
  /**
   * The signed link to the stay's satisfaction survey (lib/links.ts surveyLinkUrl), fed to the
   * `satisfaction-survey` mail as `{{surveyUrl}}`. Without it the mail asks the guest to reply instead.
   */
  surveyUrl?: (input: { guestId: string; stayId: string }) => string;
}

/** What the follow-up knows of its stay (from the guest's workflow): ids and facts. */
export interface FollowUpFacts {
  guestId: string;
  /** The guest's workflow id: prefix of the outbox keys. */
  guestWorkflowId: string;
  stayId: string;
  /** ISO instant: the check-out anchor. */
  checkedOutAt: string;
  stay: { propertyCode: string; arrival: string; departure: string; nights: number };
  pointsEarned: number;
  pointsBalance: number;
  /** A step planned more than this many days after its due time is suppressed (`stay_too_old`). */
  maxAgeDays: number;
}

/** A step as the workflow sees it. */
export interface FollowUpStep {
  id: string;
  /** ISO instant (UTC). */
  dueAt: string;
  template: string;
  class: CadenceClass;
}

export interface PinnedFollowUp {
  cadenceKey: string;
  version: number;
  movedFrom: number | null;
  steps: FollowUpStep[];
  /** Step ids already done (a re-run of the workflow, or steps done before a move). */
  stepsDone: string[];
}

/**
 * The outbox key of a step: the thank-you keeps the key it had before cadences
 * (`<guestWorkflowId>:stay-thank-you:<stayId>`), so a stay re-driven across the change is thanked once;
 * other steps `<guestWorkflowId>:follow-up:<stayId>:<stepId>`. Keyed by step id, not version: a follow-up
 * moved to another version never plans the same step twice.
 */
export function followUpStepKey(guestWorkflowId: string, stayId: string, stepId: string): string {
  return stepId === 'thank-you'
    ? `${guestWorkflowId}:stay-thank-you:${stayId}`
    : `${guestWorkflowId}:follow-up:${stayId}:${stepId}`;
}

export function createCadenceActivities(deps: CadenceDeps) {
  const { db } = deps;

  async function guestOf(guestId: string): Promise<guests.GuestRow> {
    const guest = await guests.findById(db, guestId);
    if (!guest) throw ApplicationFailure.nonRetryable(`guest ${guestId} not found`, 'GuestNotFound');
    return guest;
  }

  async function stepsOf(cadenceKey: string, version: number): Promise<CadenceStep[]> {
    const row = await cadences.getVersion(db, cadenceKey, version);
    if (!row || row.status !== 'published')
      throw ApplicationFailure.nonRetryable(
        `cadence ${cadenceKey} has no published version ${version}`,
        'InvalidVersion',
      );
    try {
      return checkSteps(row.steps);
    } catch (err) {
      throw ApplicationFailure.nonRetryable(
        `cadence ${cadenceKey} version ${version}: ${(err as Error).message}`,
        'InvalidCadence',
      );
    }
  }

  /** The check-out instant, and the arrival at 15:00 in the property's zone (else the guest's). */
  async function anchorsOf(input: {
    guestId: string;
    checkedOutAt: string;
    arrival: string;
    propertyCode: string;
  }): Promise<CadenceAnchors> {
    const property = await propertySettings(db, input.propertyCode);
    const zone = property?.timezone ?? (await guestOf(input.guestId)).timezone;
    return { checkOut: input.checkedOutAt, checkIn: checkInInstant(input.arrival, zone) };
  }

  function viewOf(steps: CadenceStep[], anchors: CadenceAnchors): FollowUpStep[] {
    const due = stepDueTimes(steps, anchors);
    return steps.map((s, i) => ({ id: s.id, dueAt: due[i]!.dueAt, template: s.template, class: s.class }));
  }

  type AnchorInput = {
    workflowId: string;
    guestId: string;
    checkedOutAt: string;
    arrival: string;
    propertyCode: string;
    now?: string;
  };

  return {
    /**
     * Pins the cadence's current published version for this follow-up and records its `follow_ups` row, once
     * per workflow id: a repeat returns the version pinned the first time (or moved to) and the steps done.
     */
    async startFollowUp(
      input: AnchorInput & { stayId: string; cadenceKey: string },
    ): Promise<PinnedFollowUp> {
      const now = input.now ?? activityNow();
      let row = await cadences.findFollowUp(db, input.workflowId);
      if (!row) {
        const current = await cadences.currentVersion(db, input.cadenceKey);
        if (!current)
          throw ApplicationFailure.nonRetryable(
            `cadence ${input.cadenceKey} has no published version`,
            'NoPublishedVersion',
          );
        row = (
          await failFastOnDataErrors(() =>
            cadences.insertFollowUp(db, {
              workflowId: input.workflowId,
              guestId: input.guestId,
              stayId: input.stayId,
              cadenceKey: input.cadenceKey,
              version: current.version,
              startedAt: new Date(now),
            }),
          )
        ).followUp;
      }
      const steps = await stepsOf(row.cadence_key, row.cadence_version);
      return {
        cadenceKey: row.cadence_key,
        version: row.cadence_version,
        movedFrom: row.moved_from,
        steps: viewOf(steps, await anchorsOf(input)),
        stepsDone: row.steps_done,
      };
    },

    /**
     * Moves the follow-up to another published version of its cadence (the `moveFollowUp` Update): the row
     * records the version it ran (`moved_from`). Refused (nonretryable, nothing written): `InvalidVersion`
     * (not published), `FollowUpFinished` (not running).
     */
    async moveFollowUp(
      input: AnchorInput & { cadenceKey: string; toVersion: number },
    ): Promise<PinnedFollowUp> {
      const now = input.now ?? activityNow();
      const steps = await stepsOf(input.cadenceKey, input.toVersion);
      const row = await cadences.moveFollowUp(db, {
        workflowId: input.workflowId,
        toVersion: input.toVersion,
        at: new Date(now),
      });
      if (!row)
        throw ApplicationFailure.nonRetryable(
          `follow-up ${input.workflowId} is not running`,
          'FollowUpFinished',
        );
      return {
        cadenceKey: row.cadence_key,
        version: row.cadence_version,
        movedFrom: row.moved_from,
        steps: viewOf(steps, await anchorsOf(input)),
        stepsDone: row.steps_done,
      };
    },

    /**
     * Plans one step at its due time, once per step (its outbox key): a step too late or whose condition does
     * not hold (survey answer, bookings since the check-out) → a suppressed row with the reason; otherwise the
     * send planning of `planMail` (consent, exit condition, open case, quiet period, the step's window (for a
     * marketing step without one the program's), frequency cap under the guest's row lock) → pending with its send time, or suppressed. The
     * step is marked done on the follow-up's row either way. Nothing is sent here.
     */
    async planFollowUpStep(
      input: FollowUpFacts & {
        workflowId: string;
        cadenceKey: string;
        version: number;
        stepId: string;
        dueAt: string;
        now?: string;
      },
    ): Promise<PlannedMail> {
      const now = input.now ?? activityNow();
      const key = followUpStepKey(input.guestWorkflowId, input.stayId, input.stepId);
      const done = async (planned: PlannedMail) => {
        await cadences.markStepDone(db, { workflowId: input.workflowId, stepId: input.stepId });
        return planned;
      };
      const steps = await stepsOf(input.cadenceKey, input.version);
      const step = steps.find((s) => s.id === input.stepId);
      if (!step)
        throw ApplicationFailure.nonRetryable(
          `cadence ${input.cadenceKey} version ${input.version} has no step '${input.stepId}'`,
          'InvalidCadence',
        );
      const existing = await outbox.findByKey(db, key);
      if (existing) return done(await deps.mail.planMail({ ...plannedInput(step, key, {}), now }));

      const guest = await guestOf(input.guestId);
      const checkOut = DateTime.fromISO(input.checkedOutAt, { zone: zoneOrUtc(guest.timezone) });
      // The step's age and condition; consent, window and cap are planMail's, under the guest's row lock.
      const skipped = decideMail({
        mailClass: step.class,
        now,
        stayAge: {
          dueAt: input.dueAt,
          dueOn: localDateOf(input.dueAt, guest.timezone),
          maxAgeDays: input.maxAgeDays,
        },
        step: {
          condition: step.condition,
          surveyScore: step.condition ? await cadences.surveyScore(db, input.stayId) : null,
          bookedSinceAnchor: step.condition
            ? await cadences.bookedSince(db, {
                guestId: guest.id,
                stayId: input.stayId,
                since: checkOut.toJSDate(),
                sinceDate: checkOut.toISODate()!,
              })
            : false,
          openServiceCase: step.condition ? (await mailPlan.openServiceCases(db, guest.id)) > 0 : false,
        },
      });
      if (skipped.action === 'skip') {
        const { mail, created } = await failFastOnDataErrors(() =>
          outbox.enqueuePlanned(db, {
            idempotency_key: key,
            message_id: messageIdFor(key, deps.messageIdDomain),
            guest_id: guest.id,
            template: step.template,
            locale: templateLocale(guest.locale),
            to_address: '',
            subject: '',
            body_text: '',
            body_html: '',
            class: step.class,
            planned_at: new Date(now),
            send_at: null,
            unsubscribe_url: null,
            suppressionReason: skipped.text,
          }),
        );
        return done(
          mail.status === 'suppressed'
            ? { status: 'suppressed', outboxId: mail.id, reason: mail.suppression_reason ?? '', created }
            : await deps.mail.planMail({ ...plannedInput(step, key, {}), now }),
        );
      }
      const vars = {
        propertyCode: input.stay.propertyCode,
        arrival: input.stay.arrival,
        departure: input.stay.departure,
        nights: input.stay.nights,
        oneNight: input.stay.nights === 1,
        pointsEarned: input.pointsEarned,
        pointsBalance: input.pointsBalance,
        surveyUrl: deps.surveyUrl?.({ guestId: guest.id, stayId: input.stayId }) ?? '',
      };
      return done(await deps.mail.planMail({ ...plannedInput(step, key, vars), now }));

      function plannedInput(
        s: CadenceStep,
        idempotencyKey: string,
        v: Record<string, string | number | boolean>,
      ) {
        return {
          guestId: input.guestId,
          template: s.template,
          idempotencyKey,
          vars: v,
          marketing: s.class === 'marketing',
          ...(s.window ? { window: s.window } : {}),
        };
      }
    },

    /**
     * The follow-up is over: `completed` (every step done, the default) or `cancelled` (ended early: the
     * guest's address refused a mail for good).
     */
    async finishFollowUp(input: {
      workflowId: string;
      now?: string;
      status?: 'completed' | 'cancelled';
    }): Promise<void> {
      await cadences.finishFollowUp(db, {
        workflowId: input.workflowId,
        status: input.status ?? 'completed',
        at: new Date(input.now ?? activityNow()),
      });
    },
  };
}

export type CadenceActivities = ReturnType<typeof createCadenceActivities>;
