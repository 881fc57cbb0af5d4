/** Every signal, query and update of the project's workflows, defined once. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GuestMessage } from '../domain/messages.js';
import type {
  AdjustPointsRequest,
  ApproveCompensationRequest,
  CaseRequest,
  CaseStateView,
  CaseStepResult,
  ChildFinished,
  CompensationRequest,
  GuestStateView,
  MoveFollowUpRequest,
  MoveFollowUpResult,
  FollowUpStateView,
  PointsMovement,
  RedeemPointsRequest,
  SatisfactionAnswer,
  SetTierFloorRequest,
  TierFloorResult,
} from './types.js';

/**
 * The one way into a guest's workflow: every message (a stay, a booking, a
 * profile change, an enrolment…) goes onto its inbox. Delivered with
 * signalWithStart, so the first message starts the workflow.
 */
export const guestMessageSignal = defineSignal<[GuestMessage]>('guestMessage');

/** What the guest's workflow knows now: its state, agenda and backlog. */
export const stateQuery = defineQuery<GuestStateView>('state');

/**
 * Staff requests, answered with a validated result. Each carries the id of a
 * `staff_requests` row (the free text stays in Postgres) and is sent with that
 * id as its Update id, so a retried request is harmless. The validators are
 * synchronous and throw ApplicationFailure with a type; a rejected request
 * writes nothing.
 */
/** Spend points (ops): more than 0, at least the program minimum, at most the balance. */
export const redeemPointsUpdate = defineUpdate<PointsMovement, [RedeemPointsRequest]>('redeemPoints');
/** Add or remove points by hand (admin): not zero, with a reason; never below a zero balance. */
export const adjustPointsUpdate = defineUpdate<PointsMovement, [AdjustPointsRequest]>('adjustPoints');
/** Hold the guest at or above a tier until the next review (admin), with a reason. */
export const setTierFloorUpdate = defineUpdate<TierFloorResult, [SetTierFloorRequest]>('setTierFloor');

/** A child tells its parent it is done (tier review, win-back): the parent's inbox takes it as a message. */
export const childFinishedSignal = defineSignal<[ChildFinished]>('childFinished');

// ---- service recovery ----------------------------------------------------------------------------------------

/** The case's workflow: a child of the guest's (`guest-<guestId>-case-<caseId>`). */
export function caseWorkflowId(guestId: string, caseId: string): string {
  return `guest-${guestId}-case-${caseId}`;
}

/** Where the case stands now: status, SLA state, agenda, compensations waiting for a manager. */
export const caseStateQuery = defineQuery<CaseStateView>('caseState');

/**
 * Staff requests on a case (api/cases), answered with a validated result. Each carries the id of a
 * `case_requests` row, which holds the words (assignee, note, resolution, comment), and is sent with that id
 * as its Update id. Validators are synchronous and throw ApplicationFailure with a type; a refused request
 * writes nothing.
 */
/** Give the case to a department and person (the receiver stays its owner). Not on a closed case. */
export const assignCaseUpdate = defineUpdate<CaseStepResult, [CaseRequest]>('assignCase');
/** A note on the case. Not on a closed case. */
export const addCaseNoteUpdate = defineUpdate<CaseStepResult, [CaseRequest]>('addCaseNote');
/**
 * Compensate the guest (points, refund note, upgrade voucher): granted at once up to the frontline limit,
 * above it waiting for `approveCompensation`; never above what a manager may approve.
 */
export const requestCompensationUpdate = defineUpdate<CaseStepResult, [CompensationRequest]>(
  'requestCompensation',
);
/** A manager approves a compensation waiting for approval (case not closed, within the manager's limit). */
export const approveCompensationUpdate = defineUpdate<CaseStepResult, [ApproveCompensationRequest]>(
  'approveCompensation',
);
/** The case is solved: resolution mail, satisfaction check 3 days later. Not while a compensation waits. */
export const resolveCaseUpdate = defineUpdate<CaseStepResult, [CaseRequest]>('resolveCase');
/** The guest's answer to the satisfaction check: satisfied → closed, not → reopened. Only when resolved. */
export const answerSatisfactionUpdate = defineUpdate<CaseStepResult, [SatisfactionAnswer]>(
  'answerSatisfaction',
);

// ---- post-stay follow-up -------------------------------------------------------------------------------------

/**
 * Move a running follow-up to another published version of its cadence (marketer, through the API, one
 * Update per follow-up with the request's id as Update id). Steps the follow-up has done (by step id) are not
 * repeated; a step of the new version whose due time has passed is planned at once (and, due more than the
 * follow-up's `maxAgeDays` ago, recorded as suppressed `stay_too_old`). The validator refuses synchronously,
 * writing nothing: `InvalidVersion` (not a whole number ≥ 1), `SameVersion` (the version it runs),
 * `FollowUpFinished` (its steps are all done). A version that is not published fails the Update with
 * `InvalidVersion` before anything changes.
 */
export const moveFollowUpUpdate = defineUpdate<MoveFollowUpResult, [MoveFollowUpRequest]>('moveFollowUp');

/** What the follow-up runs and has done. */
export const followUpStateQuery = defineQuery<FollowUpStateView>('followUpState');
