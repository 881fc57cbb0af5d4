import { describe, expect, it } from 'vitest';
import type { GuestFacts } from './guest-plan.js';
import {
  afterCorrection,
  afterReEarn,
  afterStay,
  afterWinBack,
  annualReview,
  atDeadline,
  followUpChild,
  fromRecord,
  inStayCareChild,
  invitationDueAt,
  onEnrolment,
  opensServiceCase,
  pointsExpiredMail,
  pointsShort,
  refreshed,
  returnsOnBooking,
  reviewResultMail,
  riskCleared,
  riskFlagged,
  searchFactsOf,
  stageAfterReview,
  stageTransition,
  staffRefusal,
  welcomeBackKey,
  winBackCancelRefusal,
  winBackStartRefusal,
} from './guest-decisions.js';
import { winBackByHand, winBackDayOf } from './come-back-offers.js';
import { guestIdOfWorkflowId } from './ids.js';
import type { StayCompletedMessage, StayStartedMessage } from './messages.js';

const guest = (over: Partial<GuestFacts> = {}): GuestFacts => ({
  stage: 'member',
  tier: 'member',
  tierFloor: null,
  stays: 1,
  marketingConsent: true,
  riskFlags: [],
  reviewYear: 2026,
  reviewedYear: null,
  winBack: null,
  invitationSent: false,
  invitationDueAt: null,
  stageChanges: 1,
  ...over,
});

describe('stageTransition', () => {
  it('counts the change and keeps the latest ten, newest last', () => {
    const recentStages = Array.from({ length: 10 }, (_, i) => ({
      from: 'member' as const,
      to: 'regular' as const,
      reason: `r${i}`,
      at: 'x',
    }));
    const next = stageTransition(
      { stage: 'member', stageChanges: 4, recentStages },
      { to: 'vip', reason: 'gold' },
      'now',
    );
    expect(next?.from).toBe('member');
    expect(next?.stage).toBe('vip');
    expect(next?.stageChanges).toBe(5);
    expect(next?.recentStages).toHaveLength(10);
    expect(next?.recentStages.at(-1)).toEqual({ from: 'member', to: 'vip', reason: 'gold', at: 'now' });
    expect(next?.recentStages[0]?.reason).toBe('r1');
  });
  it('records nothing when the guest is at that stage already', () => {
    expect(
      stageTransition({ stage: 'vip', stageChanges: 4, recentStages: [] }, { to: 'vip', reason: 'x' }, 'now'),
    ).toBeNull();
  });
});

describe('the at-risk reasons', () => {
  it('9 months without a stay', () => {
    expect(atDeadline('atRisk', '2027-01-01T09:00:00Z', guest(), 'guest-g1')).toEqual({
      stage: { to: 'at_risk', reason: 'no stay for 9 months' },
    });
  });
  it('a single stay 3 months before the first anniversary (domain/come-back-offers.ts)', () => {
    expect(
      atDeadline('firstYearReminder', '2027-01-01T09:00:00Z', guest({ stays: 1 }), 'guest-g1').stage,
    ).toEqual({
      to: 'at_risk',
      reason: 'a single stay, first anniversary in 3 months',
    });
    expect(
      atDeadline('firstYearReminder', '2027-01-01T09:00:00Z', guest({ stays: 2 }), 'guest-g1').stage,
    ).toBeUndefined();
  });
  it('an open service case, unless the guest is a prospect, lapsed or churned', () => {
    expect(riskFlagged(guest({ stage: 'regular' }), 'case:c1', 'open service case')).toEqual({
      riskFlags: ['case:c1'],
      stage: { to: 'at_risk', reason: 'open service case' },
    });
    for (const stage of ['prospect', 'lapsed', 'churned'] as const)
      expect(riskFlagged(guest({ stage }), 'case:c1', 'open service case').stage).toBeNull();
    expect(riskFlagged(guest({ riskFlags: ['case:c1'] }), 'case:c1', 'x').riskFlags).toEqual(['case:c1']);
  });
  it('the last case closed takes the guest back to the ladder; another still open keeps it at risk', () => {
    const atRisk = guest({ stage: 'at_risk', stays: 3, riskFlags: ['case:c1'] });
    expect(riskCleared(atRisk, 'case:c1')).toEqual({
      riskFlags: [],
      stage: { to: 'regular', reason: 'service case closed' },
    });
    expect(riskCleared({ ...atRisk, riskFlags: ['case:c1', 'case:c2'] }, 'case:c1')).toEqual({
      riskFlags: ['case:c2'],
      stage: null,
    });
    expect(riskCleared(guest({ stage: 'lapsed', riskFlags: ['case:c1'] }), 'case:c1').stage).toBeNull();
  });
});

describe('opensServiceCase: the survey → case rule', () => {
  it('opens a case on a score of 2 or less, or "would not return"', () => {
    expect(opensServiceCase({ score: 1, wouldReturn: 'yes' })).toBe(true);
    expect(opensServiceCase({ score: 2, wouldReturn: 'maybe' })).toBe(true);
    expect(opensServiceCase({ score: 5, wouldReturn: 'no' })).toBe(true);
  });
  it('opens none on a score of 3 or more from a guest who would or may return', () => {
    expect(opensServiceCase({ score: 3, wouldReturn: 'maybe' })).toBe(false);
    expect(opensServiceCase({ score: 5, wouldReturn: 'yes' })).toBe(false);
  });
});

describe('a lapsed or churned guest comes back', () => {
  it('by a booking: in a win-back or lapsed; churned (behind its patch); no one else', () => {
    expect(returnsOnBooking(guest({ stage: 'lapsed' }))).toBe('lapsed');
    expect(returnsOnBooking(guest({ stage: 'at_risk', winBack: { workflowId: 'w', lapsedOn: 'd' } }))).toBe(
      'lapsed',
    );
    expect(returnsOnBooking(guest({ stage: 'churned' }))).toBe('churned');
    expect(returnsOnBooking(guest({ stage: 'regular' }))).toBeNull();
  });
  it('keys the welcome-back by the lapse day, or by the stage change that ends the absence', () => {
    expect(
      welcomeBackKey(guest({ stage: 'lapsed', winBack: { workflowId: 'w', lapsedOn: '2027-05-04' } })),
    ).toBe('welcome-back:2027-05-04');
    expect(welcomeBackKey(guest({ stage: 'churned', stageChanges: 7 }))).toBe('welcome-back:churned-7');
  });
  it('is churned when the win-back ends unanswered, if still lapsed', () => {
    expect(afterWinBack({ kind: 'winBack', outcome: 'churned' }, { stage: 'lapsed' })).toEqual({
      to: 'churned',
      reason: 'no answer to three win-back offers',
    });
    expect(afterWinBack({ kind: 'winBack', outcome: 'churned' }, { stage: 'reactivated' })).toBeNull();
    expect(afterWinBack({ kind: 'tierReview' }, { stage: 'lapsed' })).toBeNull();
  });
});

describe('the invitation to join', () => {
  it('is due an hour after an opted-in prospect appears, once', () => {
    const at = Date.parse('2027-01-01T02:00:00Z');
    expect(invitationDueAt(guest({ stage: 'prospect', stays: 0 }), at)).toBe('2027-01-01T03:00:00.000Z');
    expect(invitationDueAt(guest({ stage: 'prospect', marketingConsent: false }), at)).toBeNull();
    expect(invitationDueAt(guest({ stage: 'prospect', invitationSent: true }), at)).toBeNull();
    expect(invitationDueAt(guest({ stage: 'prospect', invitationDueAt: 'x' }), at)).toBeNull();
    expect(invitationDueAt(guest({ stage: 'member' }), at)).toBeNull();
  });
  it('goes at its deadline to a prospect who still consents; the deadline is gone either way', () => {
    expect(
      atDeadline('invitation', '2027-01-01T03:00:00Z', guest({ stage: 'prospect' }), 'guest-g1'),
    ).toEqual({
      set: { invitationDueAt: null, invitationSent: true },
      mail: { kind: 'enrolment-invitation', key: 'enrolment-invitation' },
    });
    expect(atDeadline('invitation', '2027-01-01T03:00:00Z', guest({ stage: 'member' }), 'guest-g1')).toEqual({
      set: { invitationDueAt: null },
    });
  });
  it('an enrolment makes a prospect a member, welcomed', () => {
    expect(onEnrolment({ stage: 'prospect' }, 'online')).toEqual({
      stage: { to: 'member', reason: 'enrolled (online)' },
      mail: { kind: 'welcome-member', key: 'welcome-member' },
    });
    expect(onEnrolment({ stage: 'member' }, 'online')).toBeNull();
  });
});

describe('the other deadlines', () => {
  it('mail under a key of the deadline day', () => {
    const at = '2027-03-02T09:00:00Z';
    expect(atDeadline('tierKeepReminder', at, guest(), 'g').mail).toEqual({
      kind: 'tier-keep-reminder',
      key: 'tier-keep:2027-03-02',
    });
    expect(atDeadline('pointsExpiryWarning', at, guest(), 'g').mail?.key).toBe(
      'points-expiry-warning:2027-03-02',
    );
    expect(atDeadline('birthday', at, guest(), 'g').mail).toEqual({
      kind: 'birthday-greeting',
      key: 'birthday:2027-03-02',
    });
  });
  it('expire the points, telling the guest only of points that went', () => {
    expect(atDeadline('pointsExpiry', '2027-03-02T09:00:00Z', guest(), 'g')).toEqual({
      expirePoints: { key: 'points-expiry:2027-03-02', day: '2027-03-02' },
    });
    expect(pointsExpiredMail('2027-03-02', 500)).toEqual({
      kind: 'points-expired',
      key: 'points-expired:2027-03-02',
      vars: { points: 500 },
    });
    expect(pointsExpiredMail('2027-03-02', 0)).toBeNull();
  });
});

describe('a stay', () => {
  const applied = { stayId: 's1', enrolledNow: false, upgrade: null, departureYear: 2026 };
  it('makes a prospect a member, welcomed, and moves others up the ladder', () => {
    expect(afterStay('prospect', guest({ stays: 1 }), { ...applied, enrolledNow: true })).toEqual({
      reactivate: null,
      stage: { to: 'member', reason: 'first stay (the program is open)' },
      mails: [{ kind: 'welcome-member', key: 'welcome-member' }],
      review: null,
    });
    expect(afterStay('member', guest({ stays: 2 }), applied).stage).toEqual({
      to: 'regular',
      reason: 'stay 2',
    });
  });
  it('reactivates a lapsed or churned guest, or one in a win-back', () => {
    expect(afterStay('lapsed', guest({ stays: 3 }), applied).reactivate).toBe('stayed after lapsing');
    expect(afterStay('churned', guest({ stays: 3 }), applied).stage).toBeNull();
    const inWinBack = guest({ winBack: { workflowId: 'w', lapsedOn: 'd' } });
    expect(afterStay('at_risk', inWinBack, applied).reactivate).toBe('stayed after lapsing');
  });
  it('congratulates an upgrade and re-runs the review of a year reviewed already', () => {
    const plan = afterStay('regular', guest({ stays: 4, tier: 'silver', reviewedYear: 2026 }), {
      ...applied,
      upgrade: { tier: 'silver' },
    });
    expect(plan.mails).toEqual([{ kind: 'tier-upgrade', key: 'tier-upgrade:silver:s1' }]);
    expect(plan.review).toEqual({ year: 2026, key: 'tier-review:2026:after:s1', rerun: true });
    expect(afterStay('regular', guest({ reviewedYear: 2025 }), applied).review).toBeNull();
  });
  it('starts the follow-up with the mails it caused, and the check-in its in-stay care', () => {
    const message: StayCompletedMessage = {
      type: 'stay.completed',
      eventId: 'e1',
      source: 'pms',
      occurredAt: '2026-05-03T10:00:00.000Z',
      stay: {
        pmsStayId: 'p1',
        propertyCode: 'SHA',
        arrival: '2026-05-01',
        departure: '2026-05-03',
        nights: 2,
        roomRevenue: '100.00',
        currency: 'USD',
      },
    };
    const stay = {
      stayId: 's1',
      settings: { thankYouDelayMinutes: 120, thankYouMaxAgeDays: 7 },
      pointsEarned: 1000,
      bonusPoints: 200,
      balanceAfter: 5000,
    };
    const ids = { guestId: 'g1', workflowId: 'guest-g1' };
    const child = followUpChild(ids, message, stay, []);
    expect(child.workflowId).toBe('guest-g1-stay-s1-follow-up');
    expect(child.input).toEqual({
      guestId: 'g1',
      guestWorkflowId: 'guest-g1',
      stayId: 's1',
      checkedOutAt: '2026-05-03T10:00:00.000Z',
      delayMinutes: 120,
      maxAgeDays: 7,
      stay: { propertyCode: 'SHA', arrival: '2026-05-01', departure: '2026-05-03', nights: 2 },
      pointsEarned: 1200,
      pointsBalance: 5000,
    });
    const mails = [{ kind: 'welcome-member' as const, key: 'guest-g1:welcome-member' }];
    expect(followUpChild(ids, message, stay, mails).input.mails).toEqual(mails);
    const checkIn: StayStartedMessage = {
      type: 'stay.started',
      eventId: 'e0',
      source: 'pms',
      occurredAt: '2026-05-01T15:00:00.000Z',
      stay: { pmsStayId: 'p1', propertyCode: 'SHA', arrival: '2026-05-01', expectedDeparture: '2026-05-03' },
    };
    expect(inStayCareChild(ids, checkIn)).toEqual({
      workflowId: 'guest-g1-in-stay-p1',
      input: {
        guestId: 'g1',
        guestWorkflowId: 'guest-g1',
        source: 'pms',
        pmsStayId: 'p1',
        propertyCode: 'SHA',
        checkedInAt: '2026-05-01T15:00:00.000Z',
      },
    });
  });
  it('re-earned: an upgrade moves a member or regular to the ladder, and a reviewed year is reviewed again', () => {
    const plan = afterReEarn(guest({ stage: 'regular', stays: 5, tier: 'gold', reviewedYear: 2026 }), 's1', {
      upgrade: { tier: 'gold' },
      departureYear: 2026,
    });
    expect(plan).toEqual({
      stage: { to: 'vip', reason: 'tier gold by a re-earned stay' },
      mail: { kind: 'tier-upgrade', key: 'tier-upgrade:gold:re-earn-s1' },
      review: { year: 2026, key: 'tier-review:2026:after-re-earn:s1', rerun: true },
    });
    expect(
      afterReEarn(guest({ stage: 'at_risk' }), 's1', { upgrade: { tier: 'gold' }, departureYear: null })
        .stage,
    ).toBeNull();
    expect(afterReEarn(guest(), 's1', { upgrade: null, departureYear: null })).toEqual({
      stage: null,
      mail: null,
      review: null,
    });
  });
  it('corrected by the PMS: an upgrade as a stay brings one, a reviewed year reviewed again only when something changed', () => {
    const reviewed = guest({ stage: 'member', stays: 1, tier: 'gold', reviewedYear: 2026 });
    expect(
      afterCorrection(reviewed, 'evt-9', { upgrade: { tier: 'gold' }, departureYear: 2026, changed: true }),
    ).toEqual({
      stage: { to: 'vip', reason: 'tier gold by an amended stay' },
      mail: { kind: 'tier-upgrade', key: 'tier-upgrade:gold:amend-evt-9' },
      review: { year: 2026, key: 'tier-review:2026:after-correction:evt-9', rerun: true },
    });
    // A repeat or a late, older amendment changes nothing: no review again.
    expect(
      afterCorrection(reviewed, 'evt-9', { upgrade: null, departureYear: 2026, changed: false }),
    ).toEqual({
      stage: null,
      mail: null,
      review: null,
    });
    // A year not reviewed yet: its review will decide from the corrected totals.
    expect(
      afterCorrection(guest({ reviewedYear: 2025 }), 'evt-9', {
        upgrade: null,
        departureYear: 2026,
        changed: true,
      }).review,
    ).toBeNull();
  });
});

describe('the annual review', () => {
  it('is held for a guest above member or with a floor', () => {
    expect(annualReview(guest({ tier: 'silver' }))).toEqual({
      year: 2026,
      key: 'tier-review:2026',
      rerun: false,
    });
    expect(annualReview(guest({ tierFloor: 'gold' }))?.year).toBe(2026);
    expect(annualReview(guest())).toBeNull();
  });
  it('puts a regular or VIP where the reviewed tier leaves them', () => {
    expect(stageAfterReview(guest({ stage: 'vip', tier: 'silver', stays: 5 }), 2026)).toEqual({
      to: 'regular',
      reason: 'tier review 2026',
    });
    expect(stageAfterReview(guest({ stage: 'at_risk' }), 2026)).toBeNull();
  });
  it("mails its result, a re-run's only when the tier changed", () => {
    const result = { tier: 'gold', previousTier: 'gold', outcome: 'kept' };
    expect(reviewResultMail({ year: 2026, key: 'tier-review:2026', rerun: false }, result)).toEqual({
      kind: 'tier-review-result',
      key: 'tier-review:2026:mail',
      vars: { year: 2026, tier: 'gold', previousTier: 'gold', outcome: 'kept' },
    });
    expect(reviewResultMail({ year: 2026, key: 'k', rerun: true }, result)).toBeNull();
    expect(reviewResultMail({ year: 2026, key: 'k', rerun: true }, { ...result, tier: 'diamond' })?.key).toBe(
      'k:mail',
    );
  });
});

describe('reading the record', () => {
  const record = {
    stage: 'regular' as const,
    tier: 'silver' as const,
    tierFloor: null,
    enrolled: true,
    stays: 4,
    nights: 9,
    pointsBalance: 700,
    lastStay: null,
    marketingConsent: true,
    redemptionMinimum: 140,
    agenda: { birthday: '2027-05-02T01:00:00Z', tierReview: '2028-01-01T00:00:00Z' },
    reviewYear: 2027,
  };
  it("takes the record's facts and agenda, keeping the workflow's invitation", () => {
    const now = { ...guest({ invitationDueAt: '2027-01-01T03:00:00Z' }), agenda: {} };
    const { stage: _workflows, agenda, ...recorded } = record;
    expect(refreshed(now, record)).toEqual({
      ...recorded,
      agenda: { ...agenda, invitation: '2027-01-01T03:00:00Z' },
    });
    expect(Object.keys(refreshed(now, record))).not.toContain('stage');
  });
  it('keeps a review due that has not run while Postgres plans the next', () => {
    const due = {
      ...guest({ reviewYear: 2026, reviewedYear: 2025 }),
      agenda: { tierReview: '2027-01-01T00:00:00Z' },
    };
    const r = refreshed(due, record);
    expect(r.agenda.tierReview).toBe('2027-01-01T00:00:00Z');
    expect(r.reviewYear).toBe(2026);
    expect(refreshed({ ...due, reviewedYear: 2026 }, record).reviewYear).toBe(2027);
  });
  it('a fresh run takes stage, stage count, a running win-back and the open cases', () => {
    expect(
      fromRecord(
        guest({ stageChanges: 2, riskFlags: ['case:c1'] }),
        { stage: 'lapsed', stageChanges: 5, lapsedOn: '2027-05-04', unclosedCases: ['c1', 'c2'] },
        'guest-g1',
      ),
    ).toEqual({
      stage: 'lapsed',
      stageChanges: 5,
      winBack: { workflowId: 'guest-g1-winback-2027-05-04', lapsedOn: '2027-05-04' },
      riskFlags: ['case:c1', 'case:c2'],
    });
    expect(fromRecord(guest({ stageChanges: 2 }), { stage: 'member' }, 'guest-g1')).toEqual({
      stage: 'member',
      stageChanges: 2,
      winBack: null,
      riskFlags: [],
    });
  });
});

describe('staff requests', () => {
  const balance = { pointsBalance: 1000, redemptionMinimum: 140 };
  const redeem = (points: number) => ({ type: 'staff.redeem' as const, requestId: 'r1', points });
  it('need a request id', () => {
    expect(staffRefusal({ ...redeem(200), requestId: '' }, balance, [])).toEqual({
      message: 'requestId is required',
      type: 'RequestIdRequired',
    });
  });
  it('redeem a whole number of points, at least the minimum, at most what is left', () => {
    expect(staffRefusal(redeem(0), balance, [])?.type).toBe('InvalidAmount');
    expect(staffRefusal(redeem(100), balance, [])).toEqual({
      message: "the program's minimum redemption is 140 points",
      type: 'BelowMinimum',
    });
    expect(staffRefusal(redeem(1000), balance, [])).toBeNull();
    expect(staffRefusal(redeem(1000), balance, [redeem(200)])).toEqual({
      message: 'the balance is 800 points, 1000 were asked for',
      type: 'InsufficientPoints',
    });
    // Before a fresh run has loaded the balance, the request's turn checks it.
    expect(staffRefusal(redeem(5000), balance, null)).toBeNull();
  });
  it('adjust by a whole number other than 0, never below a zero balance', () => {
    const adjust = (points: number) => ({ type: 'staff.adjust' as const, requestId: 'r1', points });
    expect(staffRefusal(adjust(0), balance, [])?.message).toBe('points must be a whole number other than 0');
    expect(staffRefusal(adjust(5000), balance, [])).toBeNull();
    expect(staffRefusal(adjust(-1001), balance, [])?.type).toBe('InsufficientPoints');
  });
  it('set a floor of a known tier', () => {
    expect(staffRefusal({ type: 'staff.floor', requestId: 'r1', tier: 'gold' }, balance, [])).toBeNull();
    expect(staffRefusal({ type: 'staff.floor', requestId: 'r1', tier: 'platinum' }, balance, [])).toEqual({
      message: "unknown tier 'platinum'",
      type: 'UnknownTier',
    });
  });
  it('count points a case or a re-earn put on the ledger while their message waits', () => {
    const waiting = [
      { type: 'points.compensated', points: 300 },
      { type: 'staff.adjust', points: -100 },
    ];
    expect(pointsShort(-1250, 1000, waiting, true)).toBe('the balance is 1200 points, 1250 were asked for');
    // At its own turn a request counts no spending still waiting.
    expect(pointsShort(-1250, 1000, waiting, false)).toBeNull();
    expect(pointsShort(50, 0, [], true)).toBeNull();
  });
});

describe('what staff filter on (searchFactsOf)', () => {
  it('publishes stage, tier, the last stay’s property and the open cases, and no personal data', () => {
    expect(
      searchFactsOf({
        stage: 'at_risk',
        tier: 'gold',
        lastStay: { propertyCode: 'SHA01' },
        riskFlags: ['case:a', 'survey:b', 'case:c'],
      }),
    ).toEqual({ stage: 'at_risk', tier: 'gold', lastProperty: 'SHA01', openCases: 2 });
    expect(searchFactsOf({ stage: 'prospect', tier: 'member', lastStay: null, riskFlags: [] })).toEqual({
      stage: 'prospect',
      tier: 'member',
      lastProperty: null,
      openCases: 0,
    });
  });
});

describe('staff actions on the guest’s workflow', () => {
  const wf = 'guest-8a1f5a52-3d5e-4a53-9d7e-0c1f2b3a4d5e';
  const running = { workflowId: `${wf}-winback-2026-11-01`, lapsedOn: '2026-11-01' };

  it('start a win-back by hand only for a lapsed guest without one', () => {
    expect(winBackStartRefusal(guest({ stage: 'lapsed' }))).toBeNull();
    expect(winBackStartRefusal(guest({ stage: 'member' }))).toMatchObject({ type: 'NotLapsed' });
    expect(winBackStartRefusal(guest({ stage: 'churned' }))).toMatchObject({ type: 'NotLapsed' });
    expect(winBackStartRefusal(guest({ stage: 'lapsed', winBack: running }))).toEqual({
      message: `a win-back runs already (${running.workflowId})`,
      type: 'WinBackRunning',
    });
  });

  it('date a win-back by hand from its start: named by the day, its first offer due at once', () => {
    expect(winBackByHand(wf, '2026-12-06T08:00:00.000Z')).toEqual({
      workflowId: `${wf}-winback-2026-12-06`,
      lapsedOn: '2026-12-06',
      lapsedAt: '2026-12-06T08:00:00.000Z',
    });
    expect(winBackDayOf(`${wf}-winback-2026-12-06`)).toBe('2026-12-06');
    expect(winBackDayOf(`${wf}-stay-1-follow-up`)).toBeNull();
  });

  it("cancel only the win-back the guest's workflow holds", () => {
    const held = guest({ stage: 'lapsed', winBack: running });
    expect(winBackCancelRefusal(wf, held, running.workflowId)).toBeNull();
    // Before a fresh run has loaded the guest, its turn decides.
    expect(winBackCancelRefusal(wf, null, running.workflowId)).toBeNull();
    expect(winBackCancelRefusal(wf, guest({ stage: 'lapsed' }), running.workflowId)).toEqual({
      message: `the guest's workflow does not hold ${running.workflowId} (it holds none)`,
      type: 'NotHeld',
    });
    expect(winBackCancelRefusal(wf, held, `${wf}-winback-2025-01-01`)).toMatchObject({ type: 'NotHeld' });
    expect(winBackCancelRefusal(wf, held, `${wf}-stay-x-follow-up`)).toMatchObject({ type: 'NotAWinBack' });
    expect(winBackCancelRefusal(wf, null, 'guest-other-winback-2026-11-01')).toMatchObject({
      type: 'NotAWinBack',
    });
    expect(winBackCancelRefusal(wf, held, undefined)).toMatchObject({ type: 'NotAWinBack' });
  });

  it("find the guest of a guest's workflow or child by its id", () => {
    const guestId = '8a1f5a52-3d5e-4a53-9d7e-0c1f2b3a4d5e';
    expect(guestIdOfWorkflowId(wf)).toBe(guestId);
    expect(guestIdOfWorkflowId(running.workflowId)).toBe(guestId);
    expect(guestIdOfWorkflowId(`${wf}-stay-1-follow-up`)).toBe(guestId);
    expect(guestIdOfWorkflowId('pms-event-sweeper')).toBeNull();
    expect(guestIdOfWorkflowId(`${wf}x`)).toBeNull();
  });
});
