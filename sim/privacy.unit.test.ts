import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent, WorkflowRun } from './histories.js';
import { findPersonalData, personalDataOf } from './privacy.js';
import { parseScenario } from './scenario.js';

const scenario = parseScenario({
  guest: {
    pmsProfileId: 'P1',
    firstName: 'Na',
    lastName: 'Li',
    email: 'li.na@example.test',
    phone: '+86 138 0000 0000',
    locale: 'zh-CN',
    timezone: 'Asia/Shanghai',
  },
  properties: {
    SHA01: { name: 'Shanghai', timezone: 'Asia/Shanghai', dutyManagerEmail: 'duty@sha01.example.test' },
  },
  start: '2026-01-01T00:00:00Z',
  until: '2026-02-01T00:00:00Z',
  events: [
    {
      at: '2026-01-02T00:00:00Z',
      type: 'ops.adjust',
      data: { points: 500, reason: 'Goodwill: late check-in on 2026-01-01' },
    },
    { at: '2026-01-03T00:00:00Z', type: 'guest.answerSurvey', data: { score: '2', comment: 'Too "loud".' } },
    { at: '2026-01-03T00:00:00Z', type: 'stay.completed', data: { note: 'not typed by a person' } },
  ],
});

const payload = (value: unknown) => ({ payloads: [defaultPayloadConverter.toPayload(value)] });
const run = (...history: HistoryEvent[]): WorkflowRun => ({
  workflowId: 'guest-1',
  runId: 'run-1',
  workflowType: 'guestLifecycle',
  events: history.length,
  status: 'running',
  startedMs: 0,
  lastEventMs: 0,
  history,
});
const failed = (eventId: number, message: string): HistoryEvent =>
  ({ eventId, activityTaskFailedEventAttributes: { failure: { message } } }) as unknown as HistoryEvent;
const signal = (eventId: number, value: unknown): HistoryEvent =>
  ({
    eventId,
    workflowExecutionSignaledEventAttributes: { signalName: 'guestMessage', input: payload(value) },
  }) as unknown as HistoryEvent;

describe('the privacy check of a simulation', () => {
  it('collects names, e-mail, phone, staff addresses and what people typed, the dates in a text left out', () => {
    const data = personalDataOf(scenario);
    expect(data.map((d) => d.what)).toEqual([
      'first name of guest',
      'last name of guest',
      'name of guest',
      'name of guest',
      'e-mail of guest',
      'phone of guest',
      'duty manager e-mail of SHA01',
      'reason of ops.adjust',
      'comment of guest.answerSurvey',
    ]);
    expect(data.find((d) => d.what === 'reason of ops.adjust')!.value).toBe('Goodwill: late check-in on ');
  });

  it('finds them in payload bytes and in failure messages, names only as whole words', () => {
    const data = personalDataOf(scenario);
    const clean = run(
      signal(1, { type: 'stay.completed', stayId: 's-1', nights: 2, template: 'Name', code: 'NaN' }),
      failed(2, 'mail refused (550)'),
    );
    expect(findPersonalData([clean], data)).toEqual([]);

    const leaky = run(
      signal(1, { type: 'surveyAnswered', comment: 'Too "loud".' }),
      failed(2, 'refused <li.na@example.test>'),
      signal(3, { greeting: 'Dear Na' }),
      signal(4, { to: 'LI.NA@example.test' }),
    );
    expect(findPersonalData([leaky], data).map((f) => `${f.eventId} ${f.event}: ${f.what}`)).toEqual([
      '1 workflowExecutionSignaled: comment of guest.answerSurvey',
      '2 activityTaskFailed: e-mail of guest',
      '3 workflowExecutionSignaled: first name of guest',
      '4 workflowExecutionSignaled: e-mail of guest',
    ]);
  });
});
