/** Every signal, query and update of the project's workflows, defined once. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { StayCompletedEvent } from '../domain/types.js';
import type { GuestLifecycleState } from './guest-lifecycle.js';

/** The PMS reported a check-out. Delivered with signalWithStart, so the first stay starts the guest's workflow. */
export const stayCompletedSignal = defineSignal<[StayCompletedEvent]>('stayCompleted');

/** What the guest's workflow knows now: its state, plus its identity and backlog. */
export interface GuestStateView extends Pick<
  GuestLifecycleState,
  'stage' | 'tier' | 'stays' | 'nights' | 'pointsBalance' | 'lastStay' | 'eventsHandled' | 'lastError'
> {
  guestId: string;
  /** Events received and not yet handled. */
  pendingEvents: number;
}

export const stateQuery = defineQuery<GuestStateView>('state');
