/**
 * The PMS event sweeper (workflow ID `pms-event-sweeper`, started by every
 * worker with "use existing"): every `intervalSeconds` one bounded pass
 * re-drives the PMS events whose effects are missing, through one activity
 * (activities/pms-events.ts). A durable timer loop rather than a Temporal
 * Schedule, so the same code runs on the time-skipping test server, which
 * has no Schedules; it continues as new every `passesPerRun` passes.
 */
import { continueAsNew, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { PmsEventSweeperInput } from '../contracts/sweeper.js';
import { ONE_ATTEMPT_PASS } from './kit/activity-options.js';

// A pass that fails is simply the next pass: no retries piling up behind the timer.
const { redrivePmsEvents } = proxyActivities<Activities>(ONE_ATTEMPT_PASS);

export async function pmsEventSweeper(input: PmsEventSweeperInput = {}): Promise<void> {
  const passes = input.passesPerRun ?? 200;
  for (let pass = 0; pass < passes; pass++) {
    try {
      const result = await redrivePmsEvents({
        limit: input.batchSize ?? 100,
        unsignalledAfterSeconds: input.unsignalledAfterSeconds ?? 60,
        unhandledAfterSeconds: input.unhandledAfterSeconds ?? 300,
      });
      if (result.found > 0) log.info('PMS events re-driven', { ...result });
    } catch (err) {
      log.warn('sweep pass failed; the next pass tries again', { error: String(err) });
    }
    await sleep((input.intervalSeconds ?? 60) * 1000);
  }
  await continueAsNew<typeof pmsEventSweeper>(input);
}
