import {
  ActivityFailure,
  ApplicationFailure,
  RetryState,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { dispositionOf } from './failures.js';

const activityFailure = (cause: Error) =>
  new ActivityFailure('applyStay', '1', RetryState.NON_RETRYABLE_FAILURE, undefined, undefined, cause);

describe('dispositionOf', () => {
  it('records a non-retryable business failure as a rejection of the message', () => {
    const err = activityFailure(
      ApplicationFailure.nonRetryable('stay filed under another guest', 'StayOwnedByAnotherGuest'),
    );
    expect(dispositionOf(err)).toEqual({ reject: 'StayOwnedByAnotherGuest: stay filed under another guest' });
    // A local activity's failure is not wrapped.
    expect(dispositionOf(ApplicationFailure.nonRetryable('bad amount', 'DataRejected'))).toEqual({
      reject: 'DataRejected: bad amount',
    });
  });
  it('fails the workflow task (not the workflow) for anything unexpected', () => {
    const timeout = activityFailure(new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE));
    expect(dispositionOf(timeout)).toHaveProperty('failTask');
    expect(dispositionOf(activityFailure(ApplicationFailure.retryable('db down')))).toHaveProperty(
      'failTask',
    );
    expect(dispositionOf(new TypeError('x is undefined'))).toEqual({ failTask: 'TypeError: x is undefined' });
  });
});
