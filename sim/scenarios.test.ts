/**
 * The shipped scenarios (scenarios/*.json), each run by the simulator with the real worker, API, PostgreSQL and
 * SMTP sink, and checked on what the guest's record and mailbox show: stage and tier history, ledger rows and
 * sums, received mails (subject, recipient, local send time), history lengths.
 *
 * The scenarios move a time-skipping server's clock by decades: this file starts a time-skipping server of its
 * own, as every file that skips time does. Scenario 5 (ten years) has a file of its own, sim/ten-year-guest.test.ts,
 * so that it runs beside these.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import {
  expectSound,
  ledger,
  lifecycleSent,
  of,
  scenario,
  scenarioContext,
  sent,
  stages,
  suppressedOf,
  sum,
  tiers,
} from '../test/scenario-checks.js';
import { runScenario } from './run.js';

const ctx = scenarioContext();

describe('simulator scenarios', () => {
  it('1. one-stay guest: first-year reminder → lapse → three win-back offers → churned → why mail; back two years later', async () => {
    const t = await runScenario(await scenario('1-one-stay-guest.json'), ctx.servers);
    expectSound(t, { guest: 'mei@example.test' });

    expect(stages(t)).toEqual([
      'prospect→member',
      'member→at_risk',
      'at_risk→lapsed',
      'lapsed→churned',
      'churned→reactivated',
    ]);
    expect(of(t, 'stage').map((s) => [s.local, s.reason])).toEqual([
      ['2026-01-10 11:00', expect.stringMatching(/first stay/)],
      ['2026-10-10 09:00', expect.stringMatching(/single stay/)],
      ['2027-01-10 11:00', expect.stringMatching(/12 months/)],
      ['2027-04-25 11:00', expect.stringMatching(/win-back/)],
      ['2028-01-20 11:00', expect.stringMatching(/lapsing/)],
    ]);

    // The post-stay cadence of each stay: thank-you, survey the next day, come-back offer after 30 days
    // (consented, no booking since); no survey answer, so no review request.
    expect(sent(t)).toEqual([
      'welcome-member @ 2026-01-10 11:00',
      'stay-thank-you @ 2026-01-10 13:00',
      'satisfaction-survey @ 2026-01-11 11:00',
      'come-back-offer @ 2026-02-09 11:00',
      'birthday-greeting @ 2026-05-02 09:00',
      'first-year-come-back @ 2026-10-10 09:00',
      'win-back-offer @ 2027-01-10 11:00',
      'win-back-offer @ 2027-02-09 11:00',
      'win-back-offer @ 2027-03-26 11:00',
      'churn-why @ 2027-04-25 11:00',
      'points-expiry-warning @ 2027-12-11 09:00',
      'points-expired @ 2028-01-10 11:00',
      'welcome-back @ 2028-01-20 11:00',
      'stay-thank-you @ 2028-01-20 13:00',
      'satisfaction-survey @ 2028-01-21 11:00',
      'come-back-offer @ 2028-02-19 11:00',
    ]);
    const mails = of(t, 'mail');
    const offers = mails.filter((m) => m.template === 'win-back-offer').map((m) => m.subject);
    expect(new Set(offers).size).toBe(3);
    expect(mails.find((m) => m.template === 'churn-why')!.subject).toContain('能否请教您一个问题');
    expect(mails.find((m) => m.template === 'points-expiry-warning')!.subject).toContain('2028年1月10日');
    expect(suppressedOf(t)).toEqual([
      'review-request: condition_not_met: score_at_least:4 (survey not answered)',
      'review-request: condition_not_met: score_at_least:4 (survey not answered)',
    ]);

    // Rules version 2 (the simulator runs the scenario from today on): 10 points per US dollar, CNY at 0.140845:
    // 2400 CNY → 3380, 1600 CNY → 2253; the welcome-back bonus 140.
    expect(ledger(t)).toEqual([
      ['stay_base', 3380, 'S1'],
      ['expiry', -3380],
      ['stay_base', 2253, 'S2'],
      ['welcome_back', 140],
    ]);
    expect(t.guests.guest).toMatchObject({
      stage: 'reactivated',
      tier: 'member',
      pointsBalance: 2393,
      stays: 2,
    });
    expect(tiers(t)).toEqual([]);
    // One run per guest-year: continued as new at the 1 January review.
    expect(t.figures.parentRuns).toBeGreaterThanOrEqual(2);
    expect(t.runs.filter((r) => r.workflowType === 'winBack')).toHaveLength(1);
  });

  it('2. frequent guest: Silver → Gold mid-year, review keeps Gold, soft landing to Silver after a thin year, a manual floor holds', async () => {
    const t = await runScenario(await scenario('2-frequent-guest.json'), ctx.servers);
    expectSound(t, { guest: 'li.na@example.test' });

    expect(tiers(t)).toEqual([
      'member→silver (upgrade)',
      'silver→gold (upgrade)',
      'gold→gold (review)',
      'gold→silver (review)',
      'silver→gold (floor)',
      'gold→gold (review)',
    ]);
    const rows = of(t, 'tier');
    expect(rows.map((r) => [r.local.slice(0, 10), r.validFrom, r.validThrough])).toEqual([
      ['2026-05-15', '2026-05-15', '2027-12-31'],
      ['2026-11-07', '2026-11-07', '2027-12-31'],
      ['2027-01-01', '2027-01-01', '2027-12-31'],
      ['2028-01-01', '2028-01-01', '2028-12-31'],
      ['2028-10-01', '2028-10-01', '2029-12-31'],
      ['2029-01-01', '2029-01-01', '2029-12-31'],
    ]);
    expect(rows[2]!.reason).toMatch(/review of 2026: 10 stays, 42 nights.*kept/);
    expect(rows[3]!.reason).toMatch(/review of 2027: 1 stays, 2 nights.*down/);
    expect(rows[5]!.reason).toMatch(/review of 2028: 4 stays, 8 nights.*floor/);
    // Upgrades and reviews by rules version 2 (a floor records none).
    for (const r of rows) expect(r.rulesVersion ?? 2).toBe(2);

    expect(stages(t)).toEqual([
      'prospect→member',
      'member→regular',
      'regular→vip',
      'vip→regular',
      'regular→vip',
    ]);
    const floor = of(t, 'staff');
    expect(floor).toMatchObject([{ action: 'ops.setTierFloor', status: 200 }]);

    // Base points 10 per US dollar (rules version 2; CNY at 0.140845): 600 CNY → 845, 1000 CNY → 1408, 400 CNY →
    // 563. The tiers come by stays and nights (Silver at 4 stays, Gold at 42 nights), not by points. The tier bonus
    // (Silver 20 %, Gold 80 %, rounded down) from the stay after the upgrade on.
    const points = of(t, 'points');
    expect(sum(points.filter((p) => p.reason === 'stay_base').map((p) => p.points))).toBe(
      4 * 845 + 6 * 1408 + 563 + 4 * 563,
    );
    expect(points.filter((p) => p.reason === 'tier_bonus').map((p) => [p.stay, p.points])).toEqual([
      ...['S5', 'S6', 'S7', 'S8', 'S9', 'S10'].map((s) => [s, 281]),
      ['S11', 450],
      ...['S12', 'S13', 'S14', 'S15'].map((s) => [s, 112]),
    ]);
    for (const p of points) expect(p.rulesVersion).toBe(2);

    const mails = of(t, 'mail').filter((m) => m.template.startsWith('tier-'));
    expect(mails.map((m) => `${m.template} @ ${m.local}: ${m.subject}`)).toEqual([
      'tier-upgrade @ 2026-05-15 11:00: Congratulations, Na: you are now Silver',
      'tier-upgrade @ 2026-11-07 10:00: Congratulations, Na: you are now Gold',
      expect.stringMatching(/^tier-review-result @ 2027-01-01 0\d:\d\d: Your 2026 status review: Gold$/),
      expect.stringMatching(/^tier-keep-reminder @ 2027-11-02 09:00: .*keep your Gold status$/),
      expect.stringMatching(/^tier-review-result @ 2028-01-01 0\d:\d\d: Your 2027 status review: Silver$/),
      expect.stringMatching(/^tier-keep-reminder @ 2028-11-02 09:00: .*keep your Gold status$/),
      expect.stringMatching(/^tier-review-result @ 2029-01-01 0\d:\d\d: Your 2028 status review: Gold$/),
    ]);
    expect(sent(t).filter((m) => m.startsWith('birthday-greeting'))).toEqual([
      'birthday-greeting @ 2026-08-21 09:00',
      'birthday-greeting @ 2027-08-21 09:00',
      'birthday-greeting @ 2028-08-21 09:00',
    ]);
    expect(t.guests.guest).toMatchObject({ tier: 'gold', tierFloor: null, stays: 15 });

    // The figures of the issue: a 4-stay year (2028) was 215 events before cadences; each stay's follow-up now
    // runs the four-step post-stay cadence with its bookkeeping in local activities (51 events each, three mails
    // sent), so 331 measured: within 340 (the issue's 300 is not reached, docs/simulator.md says why). The parent
    // within 15 per stay.
    // The review's result mail waits for the send window in the guest's run (docs/mail.md): a timer and the
    // delivery's events more, 352 measured.
    expect(t.figures.eventsPerGuestYear['2028']).toBeLessThanOrEqual(360);
    expect(t.figures.followUpEventsPerStay.max).toBeLessThanOrEqual(60);
    expect(t.runs.filter((r) => r.workflowType === 'guestLifecycle')).toHaveLength(4);
    expect(t.figures.parentEventsPerStaySignal.mean).toBeLessThanOrEqual(15);
  });

  it('3. points: redemption, refused requests write nothing, expiry warning and expiry row', async () => {
    const t = await runScenario(await scenario('3-points.json'), ctx.servers);
    expectSound(t, { guest: 'carlos@example.test' });

    const staff = of(t, 'staff');
    expect(staff.map((s) => [s.action, s.status, s.error?.code])).toEqual([
      ['ops.redeem', 200, undefined],
      ['ops.redeem', 409, 'insufficient_points'],
      ['ops.adjust', 400, 'validation_failed'],
      ['ops.adjust', 200, undefined],
    ]);
    expect(staff[2]!.error!.message).toMatch(/reason/);
    // The refused ones wrote nothing: the ledger has the redemption and the adjustment only, and no request
    // of this guest was left applied or pending beyond those two.
    // Rules version 2: 1200 CNY → 1690, 800 CNY → 1126; the redemption of 700 (the scenario redeemed 5,000 of
    // version 1's CNY points) leaves 2116, the adjustment 2616, which expire.
    expect(ledger(t)).toEqual([
      ['stay_base', 1690, 'S1'],
      ['stay_base', 1126, 'S2'],
      ['redemption', -700],
      ['adjustment', 500],
      ['expiry', -2616],
    ]);
    const requests = await ctx
      .db('staff_requests')
      .where({ guest_id: t.guests.guest!.guestId })
      .select<{ kind: string; status: string }[]>('kind', 'status');
    expect(requests.filter((r) => r.status !== 'rejected')).toEqual([
      { kind: 'redemption', status: 'applied' },
      { kind: 'adjustment', status: 'applied' },
    ]);
    expect(t.guests.guest!.pointsBalance).toBe(0);

    // Points expire 24 months after the last qualifying activity (the redemption, 1 April 2026 10:00 New York),
    // warned 30 days before at 09:00 local; transactional mails, sent without marketing consent.
    expect(of(t, 'points').find((p) => p.reason === 'expiry')!.local).toBe('2028-04-01 10:00');
    // The survey is transactional: it goes without marketing consent.
    expect(sent(t)).toEqual([
      'welcome-member @ 2026-02-06 11:00',
      'stay-thank-you @ 2026-02-06 13:00',
      'satisfaction-survey @ 2026-02-07 11:00',
      'stay-thank-you @ 2026-03-20 13:00',
      'satisfaction-survey @ 2026-03-21 11:00',
      'points-expiry-warning @ 2028-03-02 09:00',
      'points-expired @ 2028-04-01 10:00',
    ]);
    expect(of(t, 'mail').find((m) => m.template === 'points-expiry-warning')!.subject).toBe(
      'Carlos, your points expire on 1 April 2028',
    );
    // Marketing mails without consent: recorded as suppressed, with the reason.
    expect(suppressedOf(t)).toEqual([
      'review-request: condition_not_met: score_at_least:4 (survey not answered)',
      'come-back-offer: no_marketing_consent',
      'review-request: condition_not_met: score_at_least:4 (survey not answered)',
      'come-back-offer: no_marketing_consent',
      'first-year-reminder: no_marketing_consent',
      'win-back-offer: no_marketing_consent',
      'win-back-offer: no_marketing_consent',
      'win-back-offer: no_marketing_consent',
      'churn-why: no_marketing_consent',
    ]);
  });

  it('4. prospect by booking → invitation → enrolled with a referral → member with points for the stay; referral bonus', async () => {
    const t = await runScenario(await scenario('4-referral.json'), ctx.servers);
    expectSound(t, { guest: 'emma@example.test', referrer: 'wei@example.test' });

    expect(stages(t)).toEqual(['prospect→member']);
    expect(of(t, 'stage')[0]!.reason).toMatch(/enrolled \(front_desk\)/);
    expect(sent(t)).toEqual([
      'enrolment-invitation @ 2026-03-01 19:30',
      'welcome-member @ 2026-03-20 15:00',
      'stay-thank-you @ 2026-03-22 13:00',
      'satisfaction-survey @ 2026-03-23 11:00',
      'come-back-offer @ 2026-04-21 12:00',
    ]);
    expect(of(t, 'mail')[0]!.subject).toBe('Emma, you are invited to join our loyalty programme');
    // Rules version 2: 1800 CNY → 2535.
    expect(ledger(t)).toEqual([['stay_base', 2535, 'S1']]);
    expect(t.guests.guest!.stage).toBe('member');
    expect(t.guests.guest!.memberNumber).toMatch(/^M\d{9}$/);

    const referrer = t.guests.referrer!;
    const guestRow = await ctx
      .db('guests')
      .where({ id: t.guests.guest!.guestId })
      .first<{ referred_by_guest_id: string | null }>('referred_by_guest_id');
    expect(guestRow.referred_by_guest_id).toBe(referrer.guestId);
    // Rules version 2: 1600 CNY → 2253; the referral bonus 280.
    expect(ledger(t, 'referrer')).toEqual([
      ['stay_base', 2253, 'R1'],
      ['referral', 280],
    ]);
    // Paid when the referred guest's stay is recorded.
    expect(of(t, 'points', 'referrer')[1]!.at.slice(0, 16)).toBe(of(t, 'points')[0]!.at.slice(0, 16));
    expect(lifecycleSent(t, 'referrer')).toEqual([
      'welcome-member @ 2026-02-05 11:00',
      'stay-thank-you @ 2026-02-05 13:00',
      'referral-bonus @ 2026-03-22 19:00',
    ]);
  });

  it("6. a message in the first minutes of 1 January does not skip the year's review", async () => {
    const t = await runScenario(await scenario('6-new-year-message.json'), ctx.servers);
    expectSound(t, { guest: 'ann@example.test' });
    expect(
      of(t, 'pms')
        .map((e) => e.local)
        .at(-1),
    ).toBe('2027-01-01 00:01');
    expect(tiers(t)).toEqual(['member→silver (upgrade)', 'silver→silver (review)']);
    expect(of(t, 'tier')[1]!.local.slice(0, 10)).toBe('2027-01-01');
    expect(of(t, 'tier')[1]!.reason).toMatch(/review of 2026/);
    expect(t.runs.filter((r) => r.workflowType === 'guestLifecycle')).toHaveLength(2);
  });

  it("7. a new guest's stay and profile arrive together: a member is not invited to join", async () => {
    const t = await runScenario(await scenario('7-stay-and-profile-together.json'), ctx.servers);
    expectSound(t, { guest: 'bo@example.test' });
    expect(stages(t)).toEqual(['prospect→member']);
    expect(sent(t)).toEqual([
      'welcome-member @ 2026-01-10 11:00',
      'stay-thank-you @ 2026-01-10 13:00',
      'satisfaction-survey @ 2026-01-11 11:00',
    ]);
  });

  it('8. the post-stay cadence: every step in its window (a thank-you due at 23:00 and a come-back offer due at 21:00 go at 09:00), skips with their reasons', async () => {
    const historiesDir = await mkdtemp(path.join(tmpdir(), 'sim-histories-'));
    const t = await runScenario(await scenario('8-cadence.json'), ctx.servers, { historiesDir });
    expectSound(t, { guest: 'lin@example.test' });
    expect(stages(t)).toEqual(['prospect→member', 'member→regular']);
    expect(sent(t)).toEqual([
      'welcome-member @ 2026-03-10 21:00',
      // Due 2 h after the 21:00 check-out and a day after it: both held for 09:00 (the steps' window).
      'stay-thank-you @ 2026-03-11 09:00',
      'satisfaction-survey @ 2026-03-12 09:00',
      'come-back-offer @ 2026-04-10 09:00',
      // No Silver: 1800 + 1600 CNY earn 2535 + 2253 base points by rules version 2 (version 1 paid 34,000, over
      // Silver's 25,000, for two stays).
      'stay-thank-you @ 2026-05-20 13:00',
      'satisfaction-survey @ 2026-05-21 11:00',
    ]);
    expect(suppressedOf(t)).toEqual([
      'review-request: condition_not_met: score_at_least:4 (survey not answered)',
      'review-request: condition_not_met: score_at_least:4 (survey not answered)',
      'come-back-offer: condition_not_met: no_booking_since_anchor (the guest has booked)',
    ]);
    const mails = of(t, 'mail');
    expect(mails.find((m) => m.template === 'satisfaction-survey')!.subject).toBe(
      'ZhouLin，您在 SHA01 的入住体验如何？',
    );
    expect(mails.find((m) => m.template === 'come-back-offer')!.subject).toBe('ZhouLin，期待再次欢迎您');
    const followUps = t.runs.filter((r) => r.workflowType === 'postStayFollowUp');
    expect(followUps).toHaveLength(2);
    for (const r of followUps) expect(r.events).toBeLessThanOrEqual(75);

    // --histories: every run's history, which today's code replays.
    const files = (await readdir(historiesDir)).sort();
    expect(files).toHaveLength(t.runs.length);
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(historiesDir, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: ctx.servers.workflowBundle }, history, file);
    }
    await rm(historiesDir, { recursive: true, force: true });
  });

  it('9. care during the stay: "how is your stay?" at 09:00 the morning after check-in; suppressed after an early check-out', async () => {
    const t = await runScenario(await scenario('9-in-stay-care.json'), ctx.servers);
    expectSound(t, { guest: 'lin@example.test' });
    expect(of(t, 'pms').map((e) => e.type)).toEqual([
      'stay.started',
      'stay.completed',
      'stay.started',
      'stay.completed',
    ]);
    expect(sent(t)).toEqual([
      'in-stay-check @ 2026-03-11 09:00',
      'welcome-member @ 2026-03-12 11:00',
      'stay-thank-you @ 2026-03-12 13:00',
      'satisfaction-survey @ 2026-03-13 11:00',
      // Due at 08:00 and 06:00 (a 06:00 check-out): held for the steps' window, 09:00.
      'stay-thank-you @ 2026-04-21 09:00',
      'satisfaction-survey @ 2026-04-22 09:00',
    ]);
    const mails = of(t, 'mail');
    expect(mails.find((m) => m.template === 'in-stay-check' && m.status === 'sent')!.subject).toBe(
      'Lin, how is your stay at SHA01?',
    );
    // The in-stay check's skip (the cadence's own skips, e.g. the review request without a score, aside):
    const skipped = mails.filter((m) => m.status === 'suppressed' && m.template === 'in-stay-check');
    expect(skipped).toEqual([
      expect.objectContaining({
        template: 'in-stay-check',
        local: '2026-04-21 09:00',
        suppressionReason: expect.stringMatching(/^not_in_house: checked out at /) as unknown,
      }),
    ]);
    expect(stages(t)).toEqual(['prospect→member', 'member→regular']);
    const checkins = await ctx
      .db('stay_checkins')
      .where({ guest_id: t.guests.guest!.guestId })
      .orderBy('checked_in_at')
      .select<{ checked_out_at: Date | null }[]>('checked_out_at');
    expect(checkins).toHaveLength(2);
    expect(checkins.every((c) => c.checked_out_at instanceof Date)).toBe(true);
  });
  it('10. service recovery: acknowledged within the hour, duty manager at 24 h, compensation above the limit approved, reopened, closed; marketing paused meanwhile', async () => {
    const t = await runScenario(await scenario('10-service-recovery.json'), ctx.servers);
    expectSound(t, { guest: 'li.na@example.test' });
    const steps = of(t, 'case').map((e) => `${e.action} @ ${e.local}`);
    expect(steps).toEqual([
      'opened @ 2026-03-02 10:00',
      'acknowledged @ 2026-03-02 10:00',
      'escalated @ 2026-03-03 10:00',
      'compensation_requested @ 2026-03-03 16:00',
      'compensation_approved @ 2026-03-03 17:00',
      'resolved @ 2026-03-03 18:00',
      'satisfaction_asked @ 2026-03-06 18:00',
      'reopened @ 2026-03-06 20:00',
      'resolved @ 2026-03-07 11:00',
      'satisfaction_asked @ 2026-03-10 11:00',
      'closed @ 2026-03-10 14:00',
    ]);
    expect(of(t, 'case').find((e) => e.action === 'escalated')!.facts).toMatchObject({
      level: 'duty_manager',
    });
    // The guest answered the first check through the link in its mail; the second by phone, recorded by staff.
    expect(of(t, 'guest').map((e) => [e.action, e.status, e.fromMail?.split(' (ref.')[0]])).toEqual([
      ['guest.answerSatisfaction', 200, 'Li, are you satisfied with how we handled it?'],
    ]);
    expect(of(t, 'case').find((e) => e.action === 'reopened')!.actor).toBe('guest:link');
    // 1:10:100: the first resolution the next day, the second (after reopening) later.
    expect(
      of(t, 'case')
        .filter((e) => e.action === 'resolved')
        .map((e) => e.facts.costBucket),
    ).toEqual(['next_day', 'later']);
    // The escalation went to the property's duty manager, nobody else.
    const staff = of(t, 'mail').filter((m) => m.audience === 'staff');
    expect(staff.map((m) => `${m.template} → ${m.to} @ ${m.local}`)).toEqual([
      'case-escalation-duty-manager → duty.manager@sha01.hotel.example @ 2026-03-03 10:00',
    ]);
    // The points above the frontline limit were granted only with the manager's approval, as a ledger row.
    expect(ledger(t)).toContainEqual(['compensation', 5000]);
    expect(of(t, 'points').find((p) => p.reason === 'compensation')!.local).toBe('2026-03-03 17:00');
    // The birthday greeting (marketing) fell while the case was not yet closed: suppressed with the reason.
    expect(
      of(t, 'mail')
        .filter((m) => m.status === 'suppressed')
        .map((m) => `${m.template} @ ${m.local}: ${m.suppressionReason?.split(':')[0]}`),
    ).toEqual([
      'birthday-greeting @ 2026-03-04 09:00: open_service_case',
      // The cadence's review request needs a survey score of 4 or more: none was given.
      'review-request @ 2026-03-04 11:00: condition_not_met',
    ]);
    expect(stages(t)).toEqual(['prospect→member', 'member→at_risk', 'at_risk→member']);
    expect(of(t, 'stage').at(-1)!.local).toBe('2026-03-10 14:00');
    expect(sent(t)).toEqual([
      'welcome-member @ 2026-03-01 11:00',
      // No Silver: one stay of 3200 CNY earns 4507 base points by rules version 2 (version 1 paid 32,000).
      'stay-thank-you @ 2026-03-01 13:00',
      'case-acknowledgement @ 2026-03-02 10:00',
      // The survey is transactional: it goes while the case is open (marketing waits).
      'satisfaction-survey @ 2026-03-02 11:00',
      'case-resolution @ 2026-03-03 18:00',
      'case-satisfaction-check @ 2026-03-06 18:00',
      'case-resolution @ 2026-03-07 11:00',
      'case-satisfaction-check @ 2026-03-10 11:00',
    ]);
  });

  it('11. in-stay report at 10:00 from the morning mail → in_stay case → duty manager at the end of the local day → resolved the next day → satisfied through the link → closed', async () => {
    const t = await runScenario(await scenario('11-in-stay-report.json'), ctx.servers);
    expectSound(t, { guest: 'wei.chen@example.test' });
    // The report came from the link in the in-stay mail the guest received at 09:00.
    expect(of(t, 'guest').map((e) => `${e.action} ${e.status} @ ${e.local}`)).toEqual([
      'guest.reportProblem 200 @ 2026-05-11 10:00',
      'guest.answerSatisfaction 200 @ 2026-05-15 12:00',
    ]);
    expect(of(t, 'guest')[0]!.fromMail).toContain('The Bund Shanghai');
    expect(of(t, 'case').map((e) => `${e.action} @ ${e.local}`)).toEqual([
      'opened @ 2026-05-11 10:00',
      'acknowledged @ 2026-05-11 10:00',
      'escalated @ 2026-05-11 23:59',
      'resolved @ 2026-05-12 09:30',
      'satisfaction_asked @ 2026-05-15 09:30',
      'closed @ 2026-05-15 12:00',
    ]);
    expect(of(t, 'case')[0]!).toMatchObject({
      actor: 'guest:link',
      facts: { source: 'in_stay', category: 'facilities', priority: 'high' },
    });
    expect(of(t, 'case').find((e) => e.action === 'resolved')!.facts.costBucket).toBe('next_day');
    expect(
      of(t, 'mail')
        .filter((m) => m.audience === 'staff')
        .map((m) => `${m.template} → ${m.to} @ ${m.local}`),
    ).toEqual(['case-escalation-duty-manager → duty.manager@sha01.hotel.example @ 2026-05-11 23:59']);
    expect(sent(t)).toEqual([
      'in-stay-check @ 2026-05-11 09:00',
      'case-acknowledgement @ 2026-05-11 10:00',
      'case-resolution @ 2026-05-12 09:30',
      'welcome-member @ 2026-05-13 11:00',
      // No Silver: one stay of 4200 CNY earns 5915 base points by rules version 2 (version 1 paid 42,000).
      'stay-thank-you @ 2026-05-13 13:00',
      'satisfaction-survey @ 2026-05-14 11:00',
      'case-satisfaction-check @ 2026-05-15 09:30',
    ]);
  });

  it('12. the marketer: an unknown placeholder refused naming it; a cadence preview with local send times; a survey 5 → review request held for 09:00', async () => {
    const t = await runScenario(await scenario('12-marketer.json'), ctx.servers);
    expectSound(t, { guest: 'anna.miller@example.test' });
    expect(sent(t)).toEqual([
      'welcome-member @ 2026-06-10 22:00',
      // Due at 00:00 and 22:00: held for the steps' window (09:00); the answer comes at 10:00.
      'stay-thank-you @ 2026-06-11 09:00',
      'satisfaction-survey @ 2026-06-12 09:00',
      // Due at 22:00 three days after check-out, marketing: held for 09:00 the next morning.
      'review-request @ 2026-06-14 09:00',
      'come-back-offer @ 2026-07-11 09:00',
    ]);
    expect(of(t, 'guest')).toMatchObject([{ action: 'guest.answerSurvey', status: 200 }]);
    const [draft, preview] = of(t, 'staff');
    expect(draft).toMatchObject({ action: 'marketer.draftTemplate', status: 422 });
    expect(draft!.error).toMatchObject({ code: 'template_invalid' });
    expect(draft!.error!.message).toContain("locales.en.subject: unknown placeholder 'frstName'");
    // Nothing was saved.
    expect(
      await ctx
        .db('template_versions')
        .where({ template_key: 'come-back-offer' })
        .where('created_by', 'like', 'simulator%'),
    ).toEqual([]);
    const r = preview!.result as {
      mails: { template: string; localSendAt: string; deferred: boolean; subject: string }[];
      skipped: { template: string; skip: string }[];
    };
    expect(preview!.status).toBe(200);
    expect(r.mails.map((m) => `${m.template} @ ${m.localSendAt}${m.deferred ? ' (held)' : ''}`)).toEqual([
      'stay-thank-you @ 2026-07-01 09:00 (held)',
      'satisfaction-survey @ 2026-07-02 09:00 (held)',
      'come-back-offer @ 2026-07-31 09:00 (held)',
    ]);
    expect(r.mails[0]!.subject).toBe('Thank you for staying with us, Anna');
    expect(r.skipped).toEqual([
      expect.objectContaining({ template: 'review-request', skip: 'condition_not_met' }),
    ]);
  });

  it('13. a plain four-stay year costs at most 305 history events (300 and the search attributes), its follow-ups included', async () => {
    const t = await runScenario(await scenario('13-four-stay-year.json'), ctx.servers);
    expectSound(t, { guest: 'jonas.weber@example.test' });
    expect(tiers(t)).toEqual(['member→silver (upgrade)', 'silver→silver (review)']);
    // 2027: four stays, each with its whole cadence (three mails and the review request skipped), the Silver
    // upgrade, the birthday greeting, the review of 2026 on 1 January.
    expect(sent(t).filter((m) => m.includes(' @ 2027-'))).toHaveLength(4 * 3 + 2);
    expect(suppressedOf(t).filter((m) => m.startsWith('review-request'))).toHaveLength(5);
    // 299 events and 14 per stay before the guest's search attributes (docs/operations.md "Search attributes"):
    // each change staff filter on (the stage to regular, the tier to silver) is one upsert event, and each run
    // records the patch's marker once: 303 and 15.4 measured.
    expect(t.figures.eventsPerGuestYear['2027']).toBeLessThanOrEqual(305);
    expect(t.figures.parentEventsPerStaySignal.mean).toBeLessThanOrEqual(16);
    expect(t.figures.followUpEventsPerStay.max).toBeLessThanOrEqual(60);
  });

  it('14. a December stay: the follow-up outlives the 1 January review, the run waits for it; points warned at 23 months, expired at 24', async () => {
    const t = await runScenario(await scenario('14-december-stay.json'), ctx.servers);
    expectSound(t, { guest: 'oliver@example.test' });

    // The follow-up of the stay (checked out 4 December) sends its come-back offer 30 days later, after the
    // review: the run that held the review continues as new only once its child has finished.
    const followUp = t.runs.find((r) => r.workflowType === 'postStayFollowUp')!;
    expect(followUp.status).toBe('completed');
    expect(sent(t)).toContain('come-back-offer @ 2027-01-03 11:00');
    const guestRuns = t.runs.filter((r) => r.workflowType === 'guestLifecycle');
    expect(guestRuns.length).toBeGreaterThanOrEqual(2);
    const first = guestRuns[0]!;
    expect(first.status).toBe('continuedAsNew');
    // Every child's completion is in the history of the run that started it.
    const history = await ctx.env.client.workflow.getHandle(first.workflowId, first.runId).fetchHistory();
    const childDone = (history.events ?? []).filter((e) => e.childWorkflowExecutionCompletedEventAttributes);
    expect(
      childDone.map((e) => e.childWorkflowExecutionCompletedEventAttributes!.workflowExecution!.workflowId),
    ).toEqual(expect.arrayContaining([followUp.workflowId]));
    expect(t.runs.filter((r) => r.status === 'running' && r.workflowType !== 'guestLifecycle')).toEqual([]);

    // No activity after the stay: warned 30 days before the expiry (23 months, 09:00 local), expired 24 months
    // after the check-out, the whole balance.
    expect(sent(t)).toEqual(
      expect.arrayContaining([
        'points-expiry-warning @ 2028-11-04 09:00',
        'points-expired @ 2028-12-04 11:00',
      ]),
    );
    expect(of(t, 'mail').find((m) => m.template === 'points-expiry-warning')!.subject).toBe(
      'Oliver, your points expire on 4 December 2028',
    );
    const points = of(t, 'points');
    const expiry = points.filter((p) => p.reason === 'expiry');
    expect(expiry.map((p) => p.local)).toEqual(['2028-12-04 11:00']);
    const earned = sum(points.filter((p) => p.reason !== 'expiry').map((p) => p.points));
    expect(earned).toBeGreaterThan(0);
    expect(expiry[0]!.points).toBe(-earned);
    expect(t.guests.guest).toMatchObject({ stage: 'churned', pointsBalance: 0, stays: 1 });
  });

  it('15. a stay amended (one correction row), a stay cancelled (reversed, its held thank-you withdrawn), an unknown stay cancelled (rejected)', async () => {
    const t = await runScenario(await scenario('15-stay-amend-cancel.json'), ctx.servers);
    expectSound(t, { guest: 'lin@example.test' }, ['evt-5']);
    // Rules version 2: 1000 CNY → 1408, 1500 → 2112 (+704), 2000 → 2816, reversed.
    expect(ledger(t)).toEqual([
      ['stay_base', 1408, 'S1'],
      ['stay_amended', 704, 'S1'],
      ['stay_base', 2816, 'S2'],
      ['stay_cancelled', -2816, 'S2'],
    ]);
    expect(t.guests.guest).toMatchObject({ pointsBalance: 2112, stays: 1 });
    // S2's thank-you, held for 09:00, is withdrawn by the cancel at 08:30; no survey follows.
    expect(sent(t)).toEqual([
      'welcome-member @ 2026-03-05 11:00',
      'stay-thank-you @ 2026-03-05 13:00',
      'satisfaction-survey @ 2026-03-06 11:00',
      'come-back-offer @ 2026-04-04 11:00',
    ]);
    expect(suppressedOf(t)).toEqual([
      'review-request: condition_not_met: score_at_least:4 (survey not answered)',
      'stay-thank-you: exit_condition: the stay was cancelled by the PMS',
    ]);
    expect(t.runs.find((r) => r.workflow === 'guest-guest-stay-S2-follow-up')?.status).toBe('cancelled');
    expect(of(t, 'rejected').map((r) => r.reason)).toEqual([expect.stringMatching(/^UnknownStay: stay S9/)]);
  });
});
