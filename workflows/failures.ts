/**
 * The guest workflow's failure rule in one pure function (see the top of
 * guest-lifecycle.ts and docs/architecture.md "When something fails"): what
 * becomes a recorded rejection of one message, and what fails the workflow
 * task so that a fixed deployment continues the run.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

export type FailureDisposition = { reject: string } | { failTask: string };

/**
 * The activity's refusal, if `err` is one: a non-retryable ApplicationFailure the activity threw (a local
 * activity's failure arrives as the ApplicationFailure itself, a regular one's wrapped in ActivityFailure).
 */
export function refusalOf(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.nonRetryable ? cause : undefined;
}

export function dispositionOf(err: unknown): FailureDisposition {
  // An activity refused the message for good (bad data, a stay filed under another guest): the
  // same message would be refused again, so it is recorded and the guest goes on.
  const refusal = refusalOf(err);
  if (refusal) return { reject: `${refusal.type ?? 'ApplicationFailure'}: ${refusal.message}` };
  // Retryable activity failures never get here (unlimited retries). What does is unexpected: a
  // cancelled or timed-out activity, a child that cannot start, a bug. Failing the task keeps the
  // run and its inbox; the task is retried until a deployment fixes the cause.
  return { failTask: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}
