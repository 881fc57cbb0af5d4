/** Every signal, query and update of the project's workflows, defined once. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LastStay } from '../activities/index.js';
import type { Stage } from '../domain/stages.js';
import type { Tier } from '../domain/tiers.js';
import type { StayCompletedEvent } from '../domain/types.js';

/** The PMS reported a check-out. Delivered with signalWithStart, so the first stay starts the guest's workflow. */
export const stayCompletedSignal = defineSignal<[StayCompletedEvent]>('stayCompleted');

/** What the guest's workflow knows now. */
export interface GuestStateView {
  guestId: string;
  stage: Stage;
  tier: Tier;
  stays: number;
  nights: number;
  pointsBalance: number;
  lastStay: LastStay | null;
  /** Events received and not yet handled. */
  pendingEvents: number;
  eventsHandled: number;
  lastError: string | null;
}

export const stateQuery = defineQuery<GuestStateView>('state');
