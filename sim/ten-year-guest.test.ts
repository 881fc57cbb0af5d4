/**
 * Scenario 5 of scenarios/ (the lifecycle issue's ten-year guest), in a file of its own: the longest scenario,
 * it runs beside the others (sim/scenarios.test.ts) on a time-skipping server of its own.
 */
import { describe, expect, it } from 'vitest';
import { expectSound, of, scenario, scenarioContext } from '../test/scenario-checks.js';
import { runScenario } from './run.js';

const ctx = scenarioContext();

describe('simulator scenarios', () => {
  it('5. a ten-year guest: 542 stays, signals during continue-as-new, no message lost, every run under 4,096 events', async () => {
    const t = await runScenario(await scenario('5-ten-year-guest.json'), ctx.servers);
    expectSound(t, { guest: 'ahmed@example.test' });
    // The marketer's thank-you-only cadence was published first (and the previous one published back after).
    expect(of(t, 'staff')[0]).toMatchObject({ action: 'marketer.publishCadence', status: 200 });

    const guestId = t.guests.guest!.guestId;
    expect(of(t, 'pms').filter((e) => e.type === 'stay.completed')).toHaveLength(542);
    // Every event the API took was handled by the workflow, none rejected, none still open.
    const events = await ctx
      .db('pms_events')
      .where({ guest_id: guestId })
      .select<{ handled_at: Date | null; rejected_at: Date | null }[]>('handled_at', 'rejected_at');
    expect(events).toHaveLength(543);
    expect(events.filter((e) => !e.handled_at || e.rejected_at)).toEqual([]);
    // Each stay recorded, paid and thanked exactly once.
    expect(t.guests.guest!.stays).toBe(542);
    expect(of(t, 'points').filter((p) => p.reason === 'stay_base')).toHaveLength(542);
    expect(
      new Set(
        of(t, 'points')
          .filter((p) => p.reason === 'stay_base')
          .map((p) => p.stay),
      ).size,
    ).toBe(542);
    const thanks = of(t, 'mail').filter((m) => m.template === 'stay-thank-you');
    expect(thanks.filter((m) => m.status === 'sent')).toHaveLength(542);
    expect(
      t.runs.filter((r) => r.workflowType === 'postStayFollowUp' && r.status === 'completed'),
    ).toHaveLength(542);
    // One run of the guest's workflow per year, each far from the limit.
    expect(t.figures.parentRuns).toBeGreaterThanOrEqual(10);
    expect(t.figures.runsOver4096).toBe(0);
    expect(t.figures.longestRun!.events).toBeLessThan(4096);
    expect(t.guests.guest!.tier).toBe('diamond');
    // Every year reviewed on its 1 January (late stays may review it again).
    const reviews = of(t, 'tier').filter((r) => r.source === 'review');
    expect([...new Set(reviews.map((r) => r.local.slice(0, 4)))]).toEqual([
      '2027',
      '2028',
      '2029',
      '2030',
      '2031',
      '2032',
      '2033',
      '2034',
      '2035',
      '2036',
    ]);
  }, 300_000);
});
