import { describe, expect, it } from 'vitest';
import { nextDeadline } from './agenda.js';

describe('nextDeadline', () => {
  it('picks the earliest, ties in the fixed order, none when empty', () => {
    expect(nextDeadline({})).toBeUndefined();
    expect(
      nextDeadline({
        lapse: '2027-03-01T00:00:00Z',
        birthday: '2026-05-02T01:00:00Z',
        tierReview: '2027-01-01T00:00:00Z',
      }),
    ).toEqual({ kind: 'birthday', at: '2026-05-02T01:00:00Z' });
    expect(nextDeadline({ atRisk: '2027-01-01T00:00:00Z', tierReview: '2027-01-01T00:00:00Z' })).toEqual({
      kind: 'tierReview',
      at: '2027-01-01T00:00:00Z',
    });
  });
});
