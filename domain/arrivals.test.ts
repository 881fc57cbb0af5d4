import { describe, expect, it } from 'vitest';
import { birthdayDuringStay, compareUrgency, type CaseUrgency } from './arrivals.js';

describe('birthdayDuringStay', () => {
  it('finds the birthday on a night of the stay, not on the departure day', () => {
    expect(birthdayDuringStay('1985-12-11', '2026-12-10', '2026-12-13')).toBe('2026-12-11');
    expect(birthdayDuringStay('1985-12-10', '2026-12-10', '2026-12-13')).toBe('2026-12-10');
    expect(birthdayDuringStay('1985-12-12', '2026-12-10', '2026-12-13')).toBe('2026-12-12');
    expect(birthdayDuringStay('1985-12-13', '2026-12-10', '2026-12-13')).toBeNull();
    expect(birthdayDuringStay('1985-12-09', '2026-12-10', '2026-12-13')).toBeNull();
  });

  it('crosses the new year, and a 29 February birthday is 1 March outside leap years', () => {
    expect(birthdayDuringStay('1990-01-01', '2026-12-30', '2027-01-02')).toBe('2027-01-01');
    expect(birthdayDuringStay('1990-12-31', '2026-12-30', '2027-01-02')).toBe('2026-12-31');
    expect(birthdayDuringStay('1992-02-29', '2027-02-28', '2027-03-02')).toBe('2027-03-01');
    expect(birthdayDuringStay('1992-02-29', '2028-02-28', '2028-03-02')).toBe('2028-02-29');
    expect(birthdayDuringStay('1992-02-29', '2028-03-01', '2028-03-02')).toBeNull();
  });
});

describe('compareUrgency', () => {
  const at = (d: string) => new Date(`${d}T00:00:00Z`);
  const c = (o: Partial<CaseUrgency>): CaseUrgency => ({
    status: 'open',
    priority: 'normal',
    slaState: 'on_track',
    openedAt: at('2026-12-01'),
    ...o,
  });
  it('puts an open case first, then priority, then escalation, then the older', () => {
    expect(compareUrgency(c({}), c({ status: 'resolved', priority: 'urgent' }))).toBeLessThan(0);
    expect(compareUrgency(c({ priority: 'high' }), c({ priority: 'urgent' }))).toBeGreaterThan(0);
    expect(compareUrgency(c({ slaState: 'general_manager' }), c({ slaState: 'duty_manager' }))).toBeLessThan(
      0,
    );
    expect(compareUrgency(c({ openedAt: at('2026-11-01') }), c({}))).toBeLessThan(0);
    expect(compareUrgency(c({}), c({}))).toBe(0);
  });
});
