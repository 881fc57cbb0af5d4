/**
 * "Now" for an activity that was not told: when the workflow scheduled it (the workflow's clock on the
 * time-skipping server too, and the same on every retry); outside an activity, or in a mock environment
 * without it, this machine's clock. Decisions that depend on the time get it from the workflow (`now` in the
 * input) wherever they can; this is the fallback.
 */
import { Context } from '@temporalio/activity';

export function activityNow(): string {
  try {
    const scheduled = Context.current().info.scheduledTimestampMs;
    if (scheduled > Date.UTC(2000, 0, 1)) return new Date(scheduled).toISOString();
  } catch {
    // not inside an activity
  }
  return new Date().toISOString();
}
