import { describe, expect, it } from 'vitest';
import { thankYouDelayMs } from './followup.js';

const checkedOutAtMs = Date.parse('2026-03-12T03:00:00Z');

describe('thankYouDelayMs', () => {
  it('waits the configured minutes after check-out', () => {
    expect(thankYouDelayMs({ checkedOutAtMs, nowMs: checkedOutAtMs, delayMinutes: 120 })).toBe(2 * 3_600_000);
    expect(thankYouDelayMs({ checkedOutAtMs, nowMs: checkedOutAtMs + 30 * 60_000, delayMinutes: 120 })).toBe(
      90 * 60_000,
    );
  });
  it('sends at once when the moment has passed', () => {
    expect(
      thankYouDelayMs({ checkedOutAtMs, nowMs: checkedOutAtMs + 3 * 3_600_000, delayMinutes: 120 }),
    ).toBe(0);
  });
});
