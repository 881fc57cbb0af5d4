import { describe, expect, it } from 'vitest';
import type { RunningFollowUpRow, TimelineRows } from '../db/repositories/timeline.js';
import { DEFAULT_POST_STAY_STEPS } from '../domain/cadence.js';
import {
  actionFacts,
  decodeCursor,
  encodeCursor,
  pageOf,
  plannedMails,
  timelineEntries,
  type TimelineClock,
} from './guest-timeline.js';

const NO_ROWS: TimelineRows = {
  stages: [],
  tiers: [],
  ledger: [],
  mails: [],
  caseSteps: [],
  pmsEvents: [],
  guestAudit: [],
  staffRequests: [],
};

const key = (source: string, id: number) => `${source}:${String(id).padStart(20, '0')}`;

describe('the entries', () => {
  const at = new Date('2026-05-02T09:00:00.000Z');
  const rows: TimelineRows = {
    ...NO_ROWS,
    ledger: [
      {
        at,
        sort_key: key('ledger', 9),
        id: 9,
        points: 100,
        balance_after: 100,
        reason: 'stay_base',
        source: 'stay',
        rules_version: 2,
        staff_request_id: null,
        effective_at: new Date('2026-05-01T10:00:00.000Z'),
        stay_id: 's-1',
        pms_stay_id: 'S1',
        property_code: 'SHA01',
        arrival: '2026-04-29',
        departure: '2026-05-01',
        nights: 2,
      },
      {
        at,
        sort_key: key('ledger', 10),
        id: 10,
        points: 20,
        balance_after: 120,
        reason: 'tier_bonus',
        source: 'stay',
        rules_version: 2,
        staff_request_id: null,
        effective_at: null,
        stay_id: null,
        pms_stay_id: null,
        property_code: null,
        arrival: null,
        departure: null,
        nights: null,
      },
    ],
    mails: [
      {
        at: new Date('2026-05-02T08:00:00.000Z'),
        sort_key: key('mail', 3),
        id: 3,
        template: 'review-request',
        template_version: null,
        class: 'marketing',
        audience: 'guest',
        status: 'pending',
        subject: 'How was it?',
        created_at: new Date('2026-05-02T08:00:00.000Z'),
        planned_at: new Date('2026-05-02T08:00:00.000Z'),
        send_at: new Date('2026-05-03T01:00:00.000Z'),
        sent_at: null,
        suppression_reason: null,
        attempts: 0,
        last_error: null,
      },
      {
        at: new Date('2026-05-02T07:00:00.000Z'),
        sort_key: key('mail', 2),
        id: 2,
        template: 'birthday-greeting',
        template_version: null,
        class: 'marketing',
        audience: 'guest',
        status: 'suppressed',
        subject: '',
        created_at: new Date('2026-05-02T07:00:00.000Z'),
        planned_at: new Date('2026-05-02T07:00:00.000Z'),
        send_at: null,
        sent_at: null,
        suppression_reason: 'exit_condition: booked: the guest has a stay booked',
        attempts: 0,
        last_error: null,
      },
    ],
  };

  it('orders newest first, the later row of the same instant first (10 after 9, not as text)', () => {
    const page = pageOf(timelineEntries(rows), 10);
    expect(page.entries.map((e) => e.id)).toEqual(['ledger:10', 'ledger:9', 'mail:3', 'mail:2']);
    expect(page.nextCursor).toBeNull();
  });

  it('gives a held mail its send time and a suppressed one the reason code', () => {
    const [held, suppressed] = timelineEntries(rows)
      .map((e) => e.entry)
      .filter((e) => e.kind === 'mail');
    expect(held).toMatchObject({ heldUntil: '2026-05-03T01:00:00.000Z', suppression: null });
    expect(suppressed).toMatchObject({
      heldUntil: null,
      suppression: { code: 'exit_condition', text: 'exit_condition: booked: the guest has a stay booked' },
    });
  });

  it("puts rows Postgres stamped on the reader's clock, with the fallback it is given", () => {
    const clock: TimelineClock = { recorded: (real, fallback) => (fallback ?? real).getTime() - 1000 };
    const [first, second] = timelineEntries(rows, clock);
    expect(first!.entry.at).toBe('2026-05-01T09:59:59.000Z');
    expect(second!.entry.at).toBe('2026-05-02T08:59:59.000Z');
  });

  it('pages: a cursor after the last entry of a page, decoded as it was encoded', () => {
    const page = pageOf(timelineEntries(rows), 2);
    expect(page.entries.map((e) => e.id)).toEqual(['ledger:10', 'ledger:9']);
    expect(decodeCursor(page.nextCursor!)).toEqual({ at, key: key('ledger', 9) });
  });
});

describe('the cursor', () => {
  it('round-trips and refuses anything else', () => {
    const c = { at: new Date('2026-05-02T09:00:00.123Z'), key: 'pms:0cc175b9c0f1b6a831c399e269772661' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      '',
      'not a cursor',
      b64({ at: 'yesterday', k: 'mail:1' }),
      b64({ at: '2026-05-02T09:00:00.123Z', k: "mail:1' or 1=1" }),
      b64({ at: '2026-02-30T09:00:00.000Z', k: 'mail:1' }),
      b64(['2026-05-02T09:00:00.123Z', 'mail:1']),
      Buffer.from('{').toString('base64url'),
    ])
      expect(decodeCursor(bad), bad).toBeUndefined();
  });
});

describe('the facts of an audited action', () => {
  it("names a profile change's fields without their values, but for consent", () => {
    expect(
      actionFacts('guest.profile_updated', {
        email: 'ada@guest.example',
        first_name: 'Ada',
        marketing_consent: true,
      }),
    ).toEqual({ fields: ['email', 'firstName', 'marketingConsent'], marketingConsent: true });
    expect(
      actionFacts('guest.enrolled', { member_number: 'M123456789', enrolment_channel: 'online' }),
    ).toEqual({ fields: ['memberNumber', 'enrolmentChannel'], channel: 'online' });
  });

  it("keeps a staff request's numbers, words and result, and a future action's reason", () => {
    expect(
      actionFacts('points.adjusted', {
        requestId: 'r-1',
        points: 50,
        reason: 'goodwill',
        result: { ledgerId: 4, points: 50, balanceAfter: 150, secret: 'x' },
        somethingElse: 'dropped',
      }),
    ).toEqual({
      requestId: 'r-1',
      points: 50,
      reason: 'goodwill',
      result: { ledgerId: 4, points: 50, balanceAfter: 150 },
    });
    expect(actionFacts('workflow.cancel', { reason: 'duplicate guest', workflowId: 'guest-x' })).toEqual({
      reason: 'duplicate guest',
      workflowId: 'guest-x',
    });
    expect(actionFacts('survey.answered', { score: 2, commented: true, comment: 'the words' })).toEqual({
      score: 2,
      commented: true,
    });
  });
});

describe('the mails planned', () => {
  const followUp: RunningFollowUpRow = {
    workflow_id: 'guest-g-stay-s-follow-up',
    stay_id: 's',
    cadence_key: 'post-stay',
    cadence_version: 1,
    steps_done: ['thank-you', 'survey'],
    steps: DEFAULT_POST_STAY_STEPS,
    // 21:00 in Shanghai.
    checked_out_at: new Date('2026-05-01T13:00:00.000Z'),
    arrival: '2026-04-29',
    property_timezone: null,
    guest_timezone: 'Asia/Shanghai',
  };
  const input = {
    pending: [
      {
        id: 7,
        template: 'stay-thank-you',
        class: 'transactional' as const,
        send_at: new Date('2026-05-02T01:00:00.000Z'),
        planned_at: new Date('2026-05-01T15:00:00.000Z'),
        created_at: new Date('2026-05-01T15:00:00.000Z'),
      },
    ],
    followUps: [followUp],
    now: '2026-05-01T16:00:00.000Z',
    programWindow: { start: '09:00', end: '20:00' },
    frequencyCap: { cap: 3, days: 7 },
  };

  it('lists the pending mail and the steps not done, each moved into its window, soonest first', () => {
    expect(plannedMails(input)).toEqual([
      {
        source: 'outbox',
        template: 'stay-thank-you',
        class: 'transactional',
        at: '2026-05-02T01:00:00.000Z',
        outboxId: 7,
        held: true,
      },
      {
        // Due 21:00 local on 4 May: at 09:00 the next morning.
        source: 'follow_up',
        template: 'review-request',
        class: 'marketing',
        at: '2026-05-05T01:00:00.000Z',
        dueAt: '2026-05-04T13:00:00.000Z',
        cadence: 'post-stay',
        cadenceVersion: 1,
        stepId: 'review-request',
        stayId: 's',
        condition: 'score_at_least:4',
      },
      {
        source: 'follow_up',
        template: 'come-back-offer',
        class: 'marketing',
        at: '2026-06-01T01:00:00.000Z',
        dueAt: '2026-05-31T13:00:00.000Z',
        cadence: 'post-stay',
        cadenceVersion: 1,
        stepId: 'come-back',
        stayId: 's',
        condition: 'no_booking_since_anchor',
      },
    ]);
  });

  it('plans a step already due at once (now, or the window’s next opening)', () => {
    const late = plannedMails({ ...input, pending: [], now: '2026-05-05T03:00:00.000Z' });
    // 11:00 in Shanghai: inside the window, so now.
    expect(late[0]).toMatchObject({ stepId: 'review-request', at: '2026-05-05T03:00:00.000Z' });
  });
});
