import { describe, expect, it } from 'vitest';
import { DAY_MS, MAIL_DELIVERY, isTooOldToThank } from './mail-timing.js';

describe('mail delivery bounds', () => {
  it('cuts an SMTP attempt off inside the activity timeout, itself inside the lease', () => {
    expect(MAIL_DELIVERY.sendDeadlineMs).toBeLessThan(MAIL_DELIVERY.startToCloseMs);
    expect(MAIL_DELIVERY.startToCloseMs).toBeLessThan(MAIL_DELIVERY.leaseSeconds * 1000);
  });
});

describe('isTooOldToThank', () => {
  const checkedOutAtMs = Date.parse('2026-03-01T10:00:00Z');
  it('thanks up to the maximum age and not after', () => {
    expect(isTooOldToThank({ checkedOutAtMs, nowMs: checkedOutAtMs + 7 * DAY_MS, maxAgeDays: 7 })).toBe(
      false,
    );
    expect(isTooOldToThank({ checkedOutAtMs, nowMs: checkedOutAtMs + 7 * DAY_MS + 1, maxAgeDays: 7 })).toBe(
      true,
    );
  });
});
