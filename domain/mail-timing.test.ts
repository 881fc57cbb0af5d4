import { describe, expect, it } from 'vitest';
import { MAIL_DELIVERY } from './mail-timing.js';

describe('mail delivery bounds', () => {
  it('cuts an SMTP attempt off inside the activity timeout, itself inside the lease', () => {
    expect(MAIL_DELIVERY.sendDeadlineMs).toBeLessThan(MAIL_DELIVERY.startToCloseMs);
    expect(MAIL_DELIVERY.startToCloseMs).toBeLessThan(MAIL_DELIVERY.leaseSeconds * 1000);
  });
});
