import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allSettled,
  campaignActionProblem,
  fnv1a32,
  holdoutBucket,
  isHeldOut,
  isLocalTime,
  upliftOf,
  zeroStates,
} from './campaigns.js';

describe('the holdout', () => {
  it('hashes as FNV-1a 32 (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('is the same for the same guest and campaign, and in 0–9,999', () => {
    fc.assert(
      fc.property(fc.string(), fc.uuid(), (campaign, guest) => {
        const b = holdoutBucket(campaign, guest);
        expect(b).toBe(holdoutBucket(campaign, guest));
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(10_000);
      }),
    );
  });

  it('holds out about the percentage of a segment, and 0 % nobody, 50 % about half', () => {
    const guests = Array.from(
      { length: 20_000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    for (const percent of [0, 5, 10, 50]) {
      const held = guests.filter((g) => isHeldOut('spring-2027', g, percent)).length;
      if (percent === 0) expect(held).toBe(0);
      // Within 1 percentage point on 20,000 guests.
      else expect(Math.abs(held / guests.length - percent / 100)).toBeLessThan(0.01);
    }
  });

  it('is independent between campaigns: the holdouts of two campaigns overlap as chance would', () => {
    const guests = Array.from({ length: 20_000 }, (_, i) => `guest-${i}`);
    const a = new Set(guests.filter((g) => isHeldOut('a', g, 10)));
    const both = guests.filter((g) => a.has(g) && isHeldOut('b', g, 10)).length;
    // Independent: about 1 % of guests are in both (10 % × 10 %), not 10 %.
    expect(both / guests.length).toBeLessThan(0.02);
  });

  it('a larger percentage holds out everyone a smaller one did (the buckets are nested)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (g, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        if (isHeldOut('c', g, lo)) expect(isHeldOut('c', g, hi)).toBe(true);
      }),
    );
  });
});

describe('what a campaign may do', () => {
  it('starts a draft, pauses a running one, resumes a paused one, cancels either', () => {
    expect(campaignActionProblem('draft', 'start')).toBeNull();
    expect(campaignActionProblem('running', 'start')).toMatch(/only a draft/);
    expect(campaignActionProblem('running', 'pause')).toBeNull();
    expect(campaignActionProblem('paused', 'pause')).toMatch(/only a running/);
    expect(campaignActionProblem('paused', 'resume')).toBeNull();
    expect(campaignActionProblem('running', 'resume')).toMatch(/only a paused/);
    expect(campaignActionProblem('running', 'cancel')).toBeNull();
    expect(campaignActionProblem('paused', 'cancel')).toBeNull();
    for (const s of ['draft', 'cancelled', 'done'] as const)
      expect(campaignActionProblem(s, 'cancel')).not.toBeNull();
  });

  it('reads local times HH:mm', () => {
    expect(isLocalTime('10:00')).toBe(true);
    expect(isLocalTime('23:59')).toBe(true);
    for (const bad of ['24:00', '9:00', '10:60', '10:00:00', '']) expect(isLocalTime(bad)).toBe(false);
  });

  it('is settled when nobody is planned or sending', () => {
    const s = zeroStates();
    expect(allSettled(s)).toBe(true);
    expect(allSettled({ ...s, planned: 1 })).toBe(false);
    expect(allSettled({ ...s, sending: 1 })).toBe(false);
    expect(allSettled({ ...s, sent: 5, held_out: 1 })).toBe(true);
  });
});

describe('the uplift', () => {
  it('is the difference of the conversion rates, in points and relative, with a z statistic', () => {
    const u = upliftOf({ guests: 1800, converted: 180 }, { guests: 200, converted: 10 });
    expect(u.treated.rate).toBe(0.1);
    expect(u.holdout.rate).toBe(0.05);
    expect(u.upliftPoints).toBe(5);
    expect(u.relativeUplift).toBe(1);
    expect(u.z).toBeGreaterThan(1.96);
  });

  it('is null where a group is empty or the rates cannot be compared', () => {
    expect(upliftOf({ guests: 10, converted: 1 }, { guests: 0, converted: 0 })).toMatchObject({
      upliftPoints: null,
      relativeUplift: null,
      z: null,
    });
    expect(upliftOf({ guests: 10, converted: 0 }, { guests: 10, converted: 0 })).toMatchObject({
      upliftPoints: 0,
      relativeUplift: null,
      z: null,
    });
  });
});
