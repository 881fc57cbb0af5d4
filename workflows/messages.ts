/** Every signal, query and update of the project's workflows, defined once. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { GuestMessage } from '../domain/messages.js';
import type { GuestStateView } from './types.js';

/**
 * The one way into a guest's workflow: every message (today a completed
 * stay) goes onto its inbox. Delivered with signalWithStart, so the first
 * message starts the workflow.
 */
export const guestMessageSignal = defineSignal<[GuestMessage]>('guestMessage');

/** What the guest's workflow knows now: its state, plus its identity and backlog. */
export const stateQuery = defineQuery<GuestStateView>('state');
