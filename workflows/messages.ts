/** Every signal, query and update of the project's workflows, defined once. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GuestMessage } from '../domain/messages.js';
import type {
  AdjustPointsRequest,
  ChildFinished,
  GuestStateView,
  PointsMovement,
  RedeemPointsRequest,
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
