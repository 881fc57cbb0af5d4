/**
 * One stay's follow-up, a child of the guest's workflow (`guest-<id>-stay-<stayId>-follow-up`): it sends the
 * mails the stay caused at once (welcome, upgrade, welcome back), then runs the stay's cadence
 * (domain/cadence.ts; docs/architecture.md "The post-stay follow-up"), by default `post-stay`: thank-you,
 * survey, review request, come-back offer.
 *
 * - At its start it pins the cadence's current published version (`startFollowUp`, which records the
 *   `follow_ups` row) and gets the steps with their due times: ids and facts only.
 * - For each step in order it waits until the step is due, then one activity plans it
 *   (`planFollowUpStep`: too late → `stay_too_old`; its condition against Postgres; then consent, window in
 *   the guest's local time, frequency cap under the guest's row lock, quiet periods, open case) and records
 *   the outbox row, pending with its send time or suppressed with the reason. A pending mail is delivered
 *   when its send time comes (`deliverPlannedMail`, which checks consent and open cases once more).
 * - Every wait is one timer, `condition(moved, ms)`, so a marketer's move (`moveFollowUp` Update) wakes it:
 *   the follow-up then continues on the new version's steps, skipping the step ids it has done; a step of the
 *   new version already due is planned at once (due more than `maxAgeDays` ago: suppressed `stay_too_old`).
 *   A mail already planned (pending) is still delivered at its send time: its step is done.
 * - At the end the row is marked `completed`.
 * - Cancelled (staff: `POST /v1/workflows/:id/cancel`), it withdraws the mail it holds for a send time (a
 *   suppressed row, domain/mail-policy.ts `FOLLOW_UP_CANCELLED`), marks its row `cancelled`, answers the moves
 *   waiting, and ends cancelled (`PATCHES.followUpCancelled`; before, it ended at once). The guest's workflow
 *   counts it as finished (workflows/guest.ts `track`): nothing else of the guest's changes.
 *
 * The bookkeeping (pin, plan, move, finish) runs as local activities: a full default follow-up is about 45
 * events. Follow-ups started before `PATCHES.followUpLocalSteps` (workflows/kit/patches.ts) ran it as regular
 * activities; those started before cadences (`PATCHES.cadenceFollowUp`) sent the thank-you alone,
 * `delayMinutes` after check-out. The recorded histories of both replay in CI (workflows/replay.test.ts).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { POST_STAY_CADENCE } from '../domain/cadence.js';
import { thankYouDelayMs } from '../domain/followup.js';
import { idempotencyKey } from '../domain/ids.js';
import { decideMail, FOLLOW_UP_CANCELLED } from '../domain/mail-policy.js';
import { refusalOf } from './failures.js';
import { LOCAL_DB_LONG, MAIL_DELIVERY_ATTEMPT, OUTBOX_WRITE, answeringWith } from './kit/activity-options.js';
import { PATCHES } from './kit/patches.js';
import { deliverWhenDue, isScheduled, type PlannedMail } from './kit/planned-mail.js';
import { followUpStateQuery, moveFollowUpUpdate } from '../contracts/follow-up.js';
import type {
  FollowUpStateView,
  FollowUpStepOutcome,
  MoveFollowUpRequest,
  MoveFollowUpResult,
  PostStayFollowUpInput,
  PostStayFollowUpResult,
} from '../contracts/follow-up.js';

const { queueMail, suppressMail, sendLifecycleMail } = proxyActivities<Activities>(OUTBOX_WRITE);

// One SMTP attempt each: deliverMail (the thank-you of follow-ups from before cadences) and deliverPlannedMail.
const delivery = proxyActivities<Activities>(MAIL_DELIVERY_ATTEMPT);
const { deliverMail, deliverPlannedMail } = delivery;

// A version that is not published, a follow-up no longer running: an answer, not a fault.
const CADENCE_ANSWERS = ['InvalidVersion', 'FollowUpFinished', 'NoPublishedVersion', 'InvalidCadence'];

/** The cadence's bookkeeping: pin, plan a step, move, finish. Each is one short Postgres transaction. */
type CadenceSteps = Pick<
  Activities,
  'startFollowUp' | 'moveFollowUp' | 'planFollowUpStep' | 'finishFollowUp'
>;

// Follow-ups started before PATCHES.followUpLocalSteps ran the bookkeeping as regular activities (6 events each).
const remoteSteps: CadenceSteps = proxyActivities<Activities>(answeringWith(OUTBOX_WRITE, CADENCE_ANSWERS));

// Now local activities: one marker each in the follow-up's history. Mail delivery stays a regular activity
// (its heartbeat records an accepted mail, which is how a retry never sends it twice). 30 s as before: a
// planning can wait for the guest's row lock, and an attempt cut off keeps its transaction running beside
// its retry.
const localSteps: CadenceSteps = proxyLocalActivities<Activities>(
  answeringWith(LOCAL_DB_LONG, CADENCE_ANSWERS),
);

const DEFAULT_MAX_AGE_DAYS = 7;

const nowIso = () => new Date(Date.now()).toISOString();

export async function postStayFollowUp(input: PostStayFollowUpInput): Promise<PostStayFollowUpResult> {
  // What the stay caused (welcome, upgrade, welcome back): decided by the guest's workflow, planned here at
  // once. One planned for the guest's send window (domain/mail-policy.ts MAIL_TIMING: all but the welcome) is held
  // until its send time, then delivered, before the cadence starts; sends before the windows never held one.
  const held: PlannedMail[] = [];
  for (const mail of input.mails ?? []) {
    const sent = await sendLifecycleMail({
      guestId: input.guestId,
      kind: mail.kind,
      key: mail.key,
      now: nowIso(),
      ...(mail.vars ? { vars: mail.vars } : {}),
    });
    if (isScheduled(sent)) held.push({ outboxId: sent.outboxId, sendAt: sent.sendAt });
  }
  if (held.length > 0 && patched(PATCHES.staySendWindow.id)) {
    let next = 0;
    try {
      for (; next < held.length; next++) await deliverWhenDue(delivery, held[next]!);
    } catch (err) {
      // Cancelled while a mail waits for its send time: it and those after it are withdrawn.
      if (!isCancellation(err) || !patched(PATCHES.followUpCancelled.id)) throw err;
      // (Its row is recorded when the cadence starts: there is none yet.)
      await CancellationScope.nonCancellable(async () => {
        for (const h of held.slice(next))
          await delivery.withdrawPlannedMail({ outboxId: h.outboxId, reason: FOLLOW_UP_CANCELLED });
      });
      throw err;
    }
  }
  // Newest first: a new follow-up records one patch marker.
  if (patched(PATCHES.followUpLocalSteps.id)) return runCadence(input, localSteps);
  if (patched(PATCHES.cadenceFollowUp.id)) return runCadence(input, remoteSteps);
  return thankYouOnly(input);
}

/** The follow-up before cadences: the thank-you `delayMinutes` after check-out (recorded histories). */
async function thankYouOnly(input: PostStayFollowUpInput): Promise<PostStayFollowUpResult> {
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
  const decision = decideMail({
    mailClass: 'transactional',
    now: nowIso(),
    stayAge: { checkedOutAt: input.checkedOutAt, maxAgeDays },
  });
  if (decision.action === 'skip') {
    const reason = decision.text;
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

async function runCadence(
  input: PostStayFollowUpInput,
  cadence: CadenceSteps,
): Promise<PostStayFollowUpResult> {
  const workflowId = workflowInfo().workflowId;
  const anchorInput = {
    workflowId,
    guestId: input.guestId,
    checkedOutAt: input.checkedOutAt,
    arrival: input.stay.arrival,
    propertyCode: input.stay.propertyCode,
  };
  let pinned = await cadence.startFollowUp({
    ...anchorInput,
    stayId: input.stayId,
    cadenceKey: input.cadenceKey ?? POST_STAY_CADENCE,
    now: nowIso(),
  });
  const done = new Set(pinned.stepsDone);
  const outcomes: FollowUpStepOutcome[] = [];
  /** A planned mail waiting for its send time. */
  let pending: { stepId: string; outboxId: number; sendAt: string } | null = null;
  let waitingFor: FollowUpStateView['waitingFor'] = null;
  let finished = false;
  /** Moves requested by the Update, taken by the loop in order (the handler only queues and waits). */
  const moves: {
    request: MoveFollowUpRequest;
    answer?: { ok: MoveFollowUpResult } | { refused: { message: string; type: string } };
  }[] = [];

  const pendingSteps = () => pinned.steps.filter((s) => !done.has(s.id)).map((s) => s.id);

  setHandler(followUpStateQuery, () => ({
    cadenceKey: pinned.cadenceKey,
    version: pinned.version,
    movedFrom: pinned.movedFrom,
    stepsDone: [...done],
    waitingFor,
    finished,
  }));

  setHandler(
    moveFollowUpUpdate,
    async (request: MoveFollowUpRequest): Promise<MoveFollowUpResult> => {
      const item: (typeof moves)[number] = { request };
      moves.push(item);
      await condition(() => item.answer !== undefined);
      const answer = item.answer!;
      if ('refused' in answer)
        throw ApplicationFailure.nonRetryable(answer.refused.message, answer.refused.type);
      return answer.ok;
    },
    {
      validator: (request: MoveFollowUpRequest) => {
        if (!Number.isInteger(request?.toVersion) || request.toVersion < 1)
          throw ApplicationFailure.nonRetryable('toVersion must be a whole number ≥ 1', 'InvalidVersion');
        if (request.toVersion === pinned.version)
          throw ApplicationFailure.nonRetryable(
            `the follow-up runs version ${pinned.version} already`,
            'SameVersion',
          );
        if (finished)
          throw ApplicationFailure.nonRetryable('the follow-up has done all its steps', 'FollowUpFinished');
      },
    },
  );

  /** Takes the queued moves in order; true when the follow-up now runs another version. */
  async function applyMoves(): Promise<boolean> {
    let moved = false;
    for (let item = moves.shift(); item; item = moves.shift()) {
      const refuse = (message: string, type: string) => {
        item.answer = { refused: { message, type } };
      };
      if (finished) {
        refuse('the follow-up has done all its steps', 'FollowUpFinished');
        continue;
      }
      if (item.request.toVersion === pinned.version) {
        refuse(`the follow-up runs version ${pinned.version} already`, 'SameVersion');
        continue;
      }
      const from = pinned.version;
      try {
        pinned = await cadence.moveFollowUp({
          ...anchorInput,
          cadenceKey: pinned.cadenceKey,
          toVersion: item.request.toVersion,
          now: nowIso(),
        });
      } catch (err) {
        // A refusal (InvalidVersion, FollowUpFinished) is the Update's answer, with its type.
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        refuse(refusal.message, refusal.type ?? 'MoveFailed');
        continue;
      }
      for (const id of pinned.stepsDone) done.add(id);
      moved = true;
      item.answer = { ok: { from, to: pinned.version, pendingSteps: pendingSteps() } };
    }
    return moved;
  }

  /**
   * Waits until `at` (ISO): true when the time has come; false as soon as a move is made (the caller looks at
   * the new version's steps). A refused move does not end the wait.
   */
  async function until(at: string, what: NonNullable<FollowUpStateView['waitingFor']>): Promise<boolean> {
    for (;;) {
      const ms = Date.parse(at) - Date.now();
      if (ms > 0) {
        waitingFor = what;
        await condition(() => moves.length > 0, ms);
        waitingFor = null;
      }
      if (await applyMoves()) return false;
      if (Date.parse(at) <= Date.now()) return true;
    }
  }

  /**
   * The guest's address refused a mail for good: every later mail would be refused too. The follow-up ends
   * (its row `cancelled`) and fails with the refusal, as the thank-you-only follow-up did.
   */
  async function refusedForGood(stepId: string, outboxId: number): Promise<never> {
    finished = true;
    await cadence.finishFollowUp({ workflowId, now: nowIso(), status: 'cancelled' });
    await applyMoves();
    await condition(allHandlersFinished);
    throw ApplicationFailure.nonRetryable(
      `mail ${outboxId} of step ${stepId} was refused for good; the follow-up ends`,
      'MailRejected',
    );
  }

  try {
    for (;;) {
      if (pending) {
        const p: { stepId: string; outboxId: number; sendAt: string } = pending;
        if (!(await until(p.sendAt, { stepId: p.stepId, until: p.sendAt, kind: 'send' }))) continue;
        const delivered = await deliverPlannedMail({ outboxId: p.outboxId });
        outcomes.push({ id: p.stepId, outboxId: p.outboxId, status: delivered.status });
        pending = null;
        if (delivered.status === 'failed') await refusedForGood(p.stepId, p.outboxId);
        continue;
      }
      const next = pinned.steps.find((s) => !done.has(s.id));
      if (!next) {
        // A move that came with the last step may bring steps still to do.
        if (await applyMoves()) continue;
        break;
      }
      if (!(await until(next.dueAt, { stepId: next.id, until: next.dueAt, kind: 'due' }))) continue;
      const planned = await cadence.planFollowUpStep({
        workflowId,
        cadenceKey: pinned.cadenceKey,
        version: pinned.version,
        stepId: next.id,
        dueAt: next.dueAt,
        guestId: input.guestId,
        guestWorkflowId: input.guestWorkflowId,
        stayId: input.stayId,
        checkedOutAt: input.checkedOutAt,
        stay: input.stay,
        pointsEarned: input.pointsEarned,
        pointsBalance: input.pointsBalance,
        maxAgeDays: input.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS,
        now: nowIso(),
      });
      done.add(next.id);
      switch (planned.status) {
        case 'pending':
          pending = { stepId: next.id, outboxId: planned.outboxId, sendAt: planned.sendAt };
          break;
        case 'suppressed':
          outcomes.push({
            id: next.id,
            outboxId: planned.outboxId,
            status: 'suppressed',
            reason: planned.reason,
          });
          break;
        default:
          outcomes.push({ id: next.id, outboxId: planned.outboxId, status: planned.status });
          if (planned.status === 'failed') await refusedForGood(next.id, planned.outboxId);
      }
    }
  } catch (err) {
    if (!isCancellation(err) || !patched(PATCHES.followUpCancelled.id)) throw err;
    // Cancelled by staff: nothing of it is left to happen (a held mail withdrawn, the row cancelled, the moves
    // answered), then it ends cancelled.
    await CancellationScope.nonCancellable(async () => {
      finished = true;
      const held: { outboxId: number } | null = pending;
      if (held) await delivery.withdrawPlannedMail({ outboxId: held.outboxId, reason: FOLLOW_UP_CANCELLED });
      await cadence.finishFollowUp({ workflowId, now: nowIso(), status: 'cancelled' });
      await applyMoves();
      await condition(allHandlersFinished);
    });
    throw err;
  }
  finished = true;
  await cadence.finishFollowUp({ workflowId, now: nowIso() });
  // Moves accepted before the end and not taken yet are answered: too late.
  await applyMoves();
  await condition(allHandlersFinished);
  return {
    cadence: { key: pinned.cadenceKey, version: pinned.version, movedFrom: pinned.movedFrom },
    steps: outcomes,
  };
}
