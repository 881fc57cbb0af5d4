/**
 * The survey, in-stay report and case satisfaction links end to end over real HTTP: the API with the links
 * mounted, a Temporal dev server, a worker with the real activities, PostgreSQL and an SMTP sink. Guests come
 * through the PMS webhook (a recorded stay, a running workflow); links are made by the worker's own hook
 * builders (`surveyUrlFrom`, `inStayReportUrlFrom`, `satisfactionUrlFrom`) pointed at this API.
 *
 * - survey: the page in both languages; an answer stored, audited and signalled (score and "would return"
 *   only); a low score opens a case and puts the guest at risk; the same answer again writes nothing; a
 *   different one replaces it and counts; invalid answers re-show the form and write nothing; expired and
 *   tampered links get their pages
 * - report: one `in_stay` case (high priority, the link's property, received by `guest:link`, same-day
 *   escalation), a repeat is harmless, a different report is another case, at most five per link
 * - satisfaction: "yes" closes the case and clears the at-risk flag; "no" reopens it; a second, different
 *   answer is refused and writes nothing
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createActivities } from '../../activities/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { listen } from '../../api/server.js';
import * as cases from '../../db/repositories/cases.js';
import type { SurveyResponseRow } from '../../db/repositories/survey-responses.js';
import { CASE_CATEGORIES } from '../../domain/cases.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { signLink, surveyLinkUrl, whyLinkUrl } from '../../lib/links.js';
import { caseStateQuery } from '../../contracts/case.js';
import { caseWorkflowId } from '../../domain/ids.js';
import { inStayReportUrlFrom, satisfactionUrlFrom, surveyUrlFrom } from '../../worker.js';
import { openApiStack, postForm, postFormJson, type ApiStack } from '../api-stack.js';
import { countRows, eventually, stayCompletedBody, type Stack } from '../helpers.js';

const PMS_SECRET = 'e2e-survey-links-pms-secret-0123456789';
const LINKS_SECRET = 'e2e-survey-links-secret-0123456789';
const OPS = 'e2e guest relations (survey links)';
const PROPERTY = `E2E-${randomUUID().slice(0, 6)}`;

let apiStack: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let baseUrl: string;
let taskQueue: string;
let opsKey: string;
let links: {
  survey: (i: { guestId: string; stayId: string }) => string;
  report: (i: { guestId: string; pmsStayId: string; propertyCode: string }) => string;
  satisfaction: (i: { guestId: string; caseId: string; satisfied: boolean; expiresAt: Date }) => string;
};

beforeAll(async () => {
  apiStack = await openApiStack({
    name: 'e2e-survey-links',
    pmsSecret: PMS_SECRET,
    linksSecret: LINKS_SECRET,
    keys: { ops: OPS },
  });
  ({ env, stack, baseUrl, taskQueue } = apiStack);
  const config = {
    LINKS_SECRET,
    PUBLIC_BASE_URL: baseUrl,
    SURVEY_LINK_DAYS: 30,
    IN_STAY_REPORT_LINK_DAYS: 3,
  };
  links = {
    survey: surveyUrlFrom(config)!,
    report: inStayReportUrlFrom(config)!,
    satisfaction: satisfactionUrlFrom(config)!,
  };
  opsKey = apiStack.keyFor('ops');
  await cases.upsertPropertySettings(stack.db, {
    property_code: PROPERTY,
    name: 'The Bund Test',
    timezone: 'Asia/Shanghai',
    duty_manager_email: 'duty@bund.hotel.example',
    general_manager_email: 'gm@bund.hotel.example',
  });
});

afterAll(async () => {
  await apiStack?.close();
});

// ---- helpers ----------------------------------------------------------------------------------------------

interface Guest {
  guestId: string;
  stayId: string;
  pmsStayId: string;
  email: string;
}

/** A guest with a recorded stay at PROPERTY, through the PMS webhook (the guest's workflow runs). */
async function guestWithStay(locale = 'en'): Promise<Guest> {
  const body = stayCompletedBody({
    occurredAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
    stay: { propertyCode: PROPERTY },
    guest: { locale, firstName: 'Mei', lastName: 'Wang' },
  });
  const res = await apiStack.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  const stay = await eventually(async () =>
    stack.db('stays').where({ guest_id: guestId }).first<{ id: string } | undefined>('id'),
  );
  return { guestId, stayId: stay.id, pmsStayId: body.data.stay.pmsStayId, email: body.data.guest.email };
}

const post = postForm;

const postJson = postFormJson;

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function expectPage(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
  expect(res.headers.get('cache-control')).toBe('no-store');
}

function expectNoScriptNoPersonalData(html: string, guestId: string) {
  expect(html).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
  expect(html).not.toMatch(/Mei|Wang|guest\.example/);
  expect(html).not.toContain(guestId);
  expect(html).toMatch(/<form method="post">/);
  expect(html).not.toMatch(/<form[^>]*action=/);
}

function surveyRow(stayId: string): Promise<SurveyResponseRow | undefined> {
  return stack.db<SurveyResponseRow>('survey_responses').where({ stay_id: stayId }).first();
}

interface AuditRow {
  actor: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
}

function surveyAudits(guestId: string): Promise<AuditRow[]> {
  return stack
    .db('audit_log')
    .where({ subject: `guest:${guestId}`, action: 'survey.answered' })
    .orderBy('id')
    .select<AuditRow[]>('actor', 'action', 'before', 'after');
}

/** The guestMessage signals of the guest's workflow (across its runs' first: it is the test's only run). */
async function surveySignals(guestId: string): Promise<Record<string, unknown>[]> {
  const history = await env.client.workflow.getHandle(guestWorkflowId(guestId)).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'guestMessage')
    .map((e) =>
      defaultPayloadConverter.fromPayload<Record<string, unknown>>(
        e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!,
      ),
    )
    .filter((m) => m.type === 'survey.answered');
}

async function stageOf(guestId: string): Promise<string> {
  const row = await stack.db('guests').where({ id: guestId }).first<{ stage: string } | undefined>('stage');
  return row!.stage;
}

function casesOf(guestId: string): Promise<cases.CaseRow[]> {
  return stack.db<cases.CaseRow>('service_cases').where({ guest_id: guestId }).orderBy('opened_at');
}

async function api(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string) {
  const res = await apiStack.request<Record<string, unknown>>(method, path, body, {
    key: opsKey,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  return { status: res.status, json: res.json };
}

const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

// ---- the survey -------------------------------------------------------------------------------------------

describe('the survey link', () => {
  it('asks in English and in Chinese: four questions with labels, posting to itself, no script', async () => {
    const en = await guestWithStay('en-GB');
    const res = await fetch(links.survey(en), { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expectPage(res);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('How was your stay?');
    expectNoScriptNoPersonalData(html, en.guestId);
    const values = (name: string) =>
      [...html.matchAll(new RegExp(`<input type="radio" name="${name}" value="([a-z0-9]+)"`, 'g'))].map(
        (m) => m[1],
      );
    expect(values('score')).toEqual(['1', '2', '3', '4', '5']);
    expect(values('wouldReturn')).toEqual(['yes', 'maybe', 'no']);
    expect(values('recommend')).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    // Every radio is inside its label, every group has a legend, the comment has a label of its own.
    expect(html.match(/<label><input type="radio"/g)).toHaveLength(19);
    expect(html.match(/<legend>/g)).toHaveLength(3);
    expect(html).toContain('<legend>How satisfied were you with your stay?</legend>');
    expect(html).toMatch(/<label class="text" for="comment">[^<]+<\/label>/);
    expect(html).toMatch(/<textarea id="comment" name="comment" rows="5" maxlength="2000">/);
    expect(html.match(/name="score" value="\d" required/g)).toHaveLength(5);
    expect(html).not.toMatch(/name="recommend" value="\d+" required/);
    expect(html).not.toContain(' checked');

    const zh = await guestWithStay('zh-CN');
    const zhRes = await fetch(links.survey(zh));
    expect(zhRes.status).toBe(200);
    const zhHtml = await zhRes.text();
    expect(zhHtml).toContain('<html lang="zh-CN">');
    expect(zhHtml).toContain('您对本次入住满意吗？');
    expect(zhHtml).toContain('您愿意再次入住我们酒店吗？');
    expect(zhHtml).toContain('提交答案');
    expect(zhHtml).not.toContain('How was your stay?');

    const json = await fetch(links.survey(en), { headers: { accept: 'application/json' } });
    expect(await json.json()).toMatchObject({ purpose: 'survey', answered: false, current: null });
  });

  it('stores a low score, audits it and tells the workflow: a case opens and the guest is at risk; the same answer again writes nothing, another replaces it', async () => {
    const g = await guestWithStay('zh-CN');
    const url = links.survey(g);

    const first = await post(
      url,
      form({ score: '2', wouldReturn: 'maybe', recommend: '3', comment: '空调很吵，一夜没睡好。' }),
    );
    expect(first.status).toBe(200);
    expectPage(first);
    expect(await first.text()).toContain('感谢您的作答');

    const row = (await surveyRow(g.stayId))!;
    expect(row).toMatchObject({
      guest_id: g.guestId,
      score: 2,
      would_return: 'maybe',
      recommend: 3,
      comment: '空调很吵，一夜没睡好。',
      answers: 1,
    });
    const [audit1, ...moreAudits] = await surveyAudits(g.guestId);
    expect(moreAudits).toEqual([]);
    expect(audit1).toMatchObject({
      actor: 'guest:link',
      before: null,
      after: {
        stayId: g.stayId,
        score: 2,
        wouldReturn: 'maybe',
        recommend: 3,
        answers: 1,
        commented: true,
        eventId: `survey:${g.stayId}:1`,
      },
    });
    expect(JSON.stringify(audit1)).not.toContain('空调');
    const [signal1] = await eventually(async () => {
      const s = await surveySignals(g.guestId);
      return s.length > 0 ? s : undefined;
    });
    expect(signal1).toEqual({
      type: 'survey.answered',
      eventId: `survey:${g.stayId}:1`,
      source: 'link',
      occurredAt: row.answered_at.toISOString(),
      stayId: g.stayId,
      score: 2,
      wouldReturn: 'maybe',
    });

    // Score 2: the guest's workflow opens a case (one per stay) and marks the guest at risk.
    const [opened] = await eventually(async () => {
      const c = await casesOf(g.guestId);
      return c.length > 0 ? c : undefined;
    });
    expect(opened).toMatchObject({
      source: 'survey',
      stay_id: g.stayId,
      survey_score: 2,
      property_code: PROPERTY,
      status: 'open',
    });
    await eventually(async () => ((await stageOf(g.guestId)) === 'at_risk' ? true : undefined));

    // The page shows the answer in force, without the comment.
    const page = await (await fetch(url)).text();
    expect(page).toMatch(/name="score" value="2" required checked/);
    expect(page).toMatch(/name="wouldReturn" value="maybe" required checked/);
    expect(page).toMatch(/name="recommend" value="3" checked/);
    expect(page).toContain('您已作答');
    expect(page).not.toContain('空调');

    // The same answer again (a double click, a retry): nothing written, the same message handed on again.
    const again = await postJson(url, {
      score: 2,
      wouldReturn: 'maybe',
      recommend: 3,
      comment: '空调很吵，一夜没睡好。',
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ answers: 1, changed: false });
    expect(await surveyAudits(g.guestId)).toHaveLength(1);
    expect((await surveyRow(g.stayId))!.updated_at).toEqual(row.updated_at);

    // A different answer replaces the first (the comment too) and counts.
    const second = await post(links.survey(g), form({ score: '5', wouldReturn: 'yes', comment: '  ' }));
    expect(second.status).toBe(200);
    const replaced = (await surveyRow(g.stayId))!;
    expect(replaced).toMatchObject({
      score: 5,
      would_return: 'yes',
      recommend: null,
      comment: null,
      answers: 2,
    });
    expect(replaced.id).toBe(row.id);
    const audits = await surveyAudits(g.guestId);
    expect(audits).toHaveLength(2);
    expect(audits[1]).toMatchObject({
      before: { score: 2, wouldReturn: 'maybe', recommend: 3, answers: 1 },
      after: { score: 5, wouldReturn: 'yes', answers: 2, commented: false, eventId: `survey:${g.stayId}:2` },
    });
    const signals = await eventually(async () => {
      const s = await surveySignals(g.guestId);
      return s.length >= 3 ? s : undefined;
    });
    expect(signals.map((s) => s.eventId)).toEqual([
      `survey:${g.stayId}:1`,
      `survey:${g.stayId}:1`,
      `survey:${g.stayId}:2`,
    ]);
    expect(signals[2]).toMatchObject({ score: 5, wouldReturn: 'yes' });
    expect(JSON.stringify(signals)).not.toMatch(/空调|recommend|comment/);
    // Still one case for the stay.
    expect(await casesOf(g.guestId)).toHaveLength(1);
  });

  it('"would not return" opens a case too, even with a middling score', async () => {
    const g = await guestWithStay();
    expect((await postJson(links.survey(g), { score: 3, wouldReturn: 'no' })).status).toBe(200);
    const [opened] = await eventually(async () => {
      const c = await casesOf(g.guestId);
      return c.length > 0 ? c : undefined;
    });
    expect(opened).toMatchObject({ source: 'survey', survey_score: 3 });
  });

  it('refuses invalid answers: the form again with the field marked (400), nothing written', async () => {
    const g = await guestWithStay();
    const url = links.survey(g);
    const good = { score: '4', wouldReturn: 'yes', recommend: '9', comment: 'Lovely.' };
    const cases_ = [
      [{ score: '6' }, 'score'],
      [{ score: '0' }, 'score'],
      [{ score: '' }, 'score'],
      [{ score: '4.5' }, 'score'],
      [{ wouldReturn: 'perhaps' }, 'wouldReturn'],
      [{ wouldReturn: '' }, 'wouldReturn'],
      [{ recommend: '11' }, 'recommend'],
      [{ recommend: '-1' }, 'recommend'],
      [{ comment: 'x'.repeat(2001) }, 'comment'],
      [{ comment: 'bell \u0007' }, 'comment'],
    ] as const;
    for (const [change, field] of cases_) {
      const res = await post(url, form({ ...good, ...change }));
      expect(res.status, JSON.stringify(change)).toBe(400);
      expectPage(res);
      const html = await res.text();
      expect(html).toContain('Please check the answers marked below.');
      expect(html).toContain(`id="${field}-error"`);
      expect(html).toContain('<form method="post">');
      if (field !== 'comment') expect(html).toContain('>Lovely.</textarea>'); // what the guest typed stays

      const json = await postJson(url, { ...good, ...change });
      expect(json.status).toBe(400);
      expect(await json.json()).toMatchObject({
        error: { code: 'validation_failed', details: { field } },
      });
    }
    // A field given twice, and nothing at all.
    expect((await post(url, 'score=4&score=5&wouldReturn=yes')).status).toBe(400);
    expect((await post(url, '')).status).toBe(400);
    expect(await surveyRow(g.stayId)).toBeUndefined();
    expect(await surveyAudits(g.guestId)).toEqual([]);
    expect(await surveySignals(g.guestId)).toEqual([]);
  });

  it('expired, tampered, misdirected and foreign links get their pages, and write nothing', async () => {
    const g = await guestWithStay('zh-CN');
    const other = await guestWithStay('en');
    const answer = form({ score: '1', wouldReturn: 'no' });

    const expired = surveyLinkUrl({
      baseUrl,
      guestId: g.guestId,
      stayId: g.stayId,
      secret: LINKS_SECRET,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    const get = await fetch(expired);
    expect(get.status).toBe(410);
    expectPage(get);
    expect(await get.text()).toContain('链接已过期');
    expect((await post(expired, answer)).status).toBe(410);

    const token = tokenOf(links.survey(g));
    const bad = {
      tampered: flip(token, 10),
      'another secret': tokenOf(surveyLinkUrl({ baseUrl, ...g, secret: 'someone-elses-secret-0123456789' })),
      'a why link': tokenOf(
        whyLinkUrl({ baseUrl, guestId: g.guestId, secret: LINKS_SECRET, expiresAt: 4e9 }),
      ),
      'no stay in it': signLink({
        purpose: 'survey',
        guestId: g.guestId,
        expiresAt: 4e9,
        secret: LINKS_SECRET,
      }),
    };
    for (const [what, t] of Object.entries(bad)) {
      const res = await post(`${baseUrl}/v1/links/survey/${t}`, answer);
      expect(res.status, what).toBe(400);
      expect(await res.text(), what).toContain('This link is not valid');
    }
    // Well signed, but the stay is another guest's: gone.
    const foreign = links.survey({ guestId: g.guestId, stayId: other.stayId });
    expect((await fetch(foreign)).status).toBe(410);
    expect((await post(foreign, answer)).status).toBe(410);

    expect(await surveyRow(g.stayId)).toBeUndefined();
    expect(await surveyRow(other.stayId)).toBeUndefined();
    expect(await surveyAudits(g.guestId)).toEqual([]);
  });

  it('answers 503 when Temporal cannot take the message; the answer is kept and a retry hands it on', async () => {
    const broken = createApp({
      db: stack.db,
      temporal: new Client({ connection: env.connection, namespace: 'no-such-namespace' }),
      taskQueue,
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: PMS_SECRET, toleranceSeconds: 300 },
      links: { secret: LINKS_SECRET },
    });
    const brokenServer = await listen(broken, '127.0.0.1', 0);
    const g = await guestWithStay();
    const path = new URL(links.survey(g)).pathname;
    const answer = form({ score: '4', wouldReturn: 'yes' });
    try {
      const res = await post(
        `http://127.0.0.1:${(brokenServer.address() as AddressInfo).port}${path}`,
        answer,
      );
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('Please try again in a few minutes');
    } finally {
      await new Promise((r) => brokenServer.close(r));
    }
    expect((await surveyRow(g.stayId))!.answers).toBe(1);
    expect(await surveySignals(g.guestId)).toEqual([]);

    expect((await post(`${baseUrl}${path}`, answer)).status).toBe(200);
    expect((await surveyRow(g.stayId))!.answers).toBe(1);
    const signals = await eventually(async () => {
      const s = await surveySignals(g.guestId);
      return s.length > 0 ? s : undefined;
    });
    expect(signals.map((s) => s.eventId)).toEqual([`survey:${g.stayId}:1`]);
  });
});

// ---- the in-stay report -----------------------------------------------------------------------------------

describe('the in-stay report link', () => {
  it('opens one in_stay case at the link property with the same-day escalation; a repeat is harmless', async () => {
    const g = await guestWithStay('zh-CN');
    const url = links.report({ guestId: g.guestId, pmsStayId: 'PMS-IN-HOUSE-1', propertyCode: PROPERTY });

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expectPage(page);
    const html = await page.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('告诉我们哪里不妥');
    expectNoScriptNoPersonalData(html, g.guestId);
    expect(
      [...html.matchAll(/<input type="radio" name="category" value="([a-z_]+)"/g)].map((m) => m[1]).sort(),
    ).toEqual([...CASE_CATEGORIES].sort());
    expect(html).toMatch(/<label class="text" for="description">/);
    const enPage = await (
      await fetch(
        links.report({
          guestId: (await guestWithStay('en')).guestId,
          pmsStayId: 'x',
          propertyCode: PROPERTY,
        }),
      )
    ).text();
    expect(enPage).toContain('Tell us what is wrong');

    // Invalid: the form again, nothing opened.
    const invalid = await post(url, form({ category: 'noise', description: 'Loud music next door.' }));
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('id="category-error"');
    expect(await casesOf(g.guestId)).toEqual([]);

    const report = form({ category: 'facilities', description: 'The air conditioning is broken.' });
    const first = await post(url, report);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('谢谢，酒店已收到您的反馈');
    const [opened, ...others] = await casesOf(g.guestId);
    expect(others).toEqual([]);
    expect(opened).toMatchObject({
      source: 'in_stay',
      category: 'facilities',
      priority: 'high',
      property_code: PROPERTY,
      department: 'guest_relations',
      received_by: 'guest:link',
      description: 'The air conditioning is broken.',
      status: 'open',
      stay_id: null,
    });
    const audit = await stack.db('audit_log').where({ subject: `case:${opened!.id}`, action: 'case.opened' });
    expect(audit).toMatchObject([{ actor: 'guest:link' }]);

    // The guest's workflow starts the case's workflow: in-stay, the duty manager at the end of the local day.
    const state = await eventually(async () => {
      try {
        const s = await env.client.workflow
          .getHandle(caseWorkflowId(g.guestId, opened!.id))
          .query(caseStateQuery);
        // Until the case is loaded from Postgres, its agenda is empty.
        return s.agenda.dutyManager ? s : undefined;
      } catch {
        return undefined;
      }
    });
    const endOfDay = new Date(
      new Date(opened!.opened_at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10) + 'T23:59:00+08:00',
    );
    expect(state.agenda.dutyManager).toBe(endOfDay.toISOString());
    await eventually(async () => ((await stageOf(g.guestId)) === 'at_risk' ? true : undefined));

    // The same report again (a double click, a retry): the same case.
    expect((await post(url, report)).status).toBe(200);
    const replay = await postJson(url, {
      category: 'facilities',
      description: 'The air conditioning is broken.',
    });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ caseId: opened!.id, replayed: true });
    expect(await casesOf(g.guestId)).toHaveLength(1);

    // Something else is another case; five per link at most.
    const another = await postJson(url, { category: 'food_beverage' });
    expect(another.status).toBe(201);
    for (const d of ['one', 'two', 'three'])
      expect((await postJson(url, { category: 'other', description: d })).status).toBe(201);
    const tooMany = await post(url, form({ category: 'other', description: 'four' }));
    expect(tooMany.status).toBe(429);
    expect(await tooMany.text()).toContain('请致电前台');
    expect(await casesOf(g.guestId)).toHaveLength(5);
    // …but a repeat of one already sent still answers.
    expect((await post(url, report)).status).toBe(200);
  });

  it('refuses expired and tampered report links', async () => {
    const g = await guestWithStay();
    const url = links.report({ guestId: g.guestId, pmsStayId: 'PMS-1', propertyCode: PROPERTY });
    const token = tokenOf(url);
    const res = await post(`${baseUrl}/v1/links/report/${flip(token, 12)}`, form({ category: 'other' }));
    expect(res.status).toBe(400);
    const expired = signLink({
      purpose: 'in_stay_report',
      guestId: g.guestId,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
      secret: LINKS_SECRET,
      data: { s: 'PMS-1', h: PROPERTY },
    });
    const gone = await post(`${baseUrl}/v1/links/report/${expired}`, form({ category: 'other' }));
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('This link has expired');
    expect(await casesOf(g.guestId)).toEqual([]);
  });
});

// ---- the satisfaction check -------------------------------------------------------------------------------

describe('the satisfaction link', () => {
  /** A guest's case opened and resolved by staff: waiting for the guest's answer. */
  async function resolvedCase(locale = 'en') {
    const g = await guestWithStay(locale);
    const opened = await api('POST', '/v1/cases', {
      guestId: g.guestId,
      source: 'phone',
      category: 'service_attitude',
      priority: 'high',
      propertyCode: PROPERTY,
      department: 'front_office',
      receivedBy: 'Liu Yang',
    });
    expect(opened.status, JSON.stringify(opened.json)).toBe(201);
    const caseId = opened.json.id as string;
    await eventually(async () => ((await stageOf(g.guestId)) === 'at_risk' ? true : undefined));
    // Retried until the case's workflow takes it, as a client retries a 503: with the same Idempotency-Key.
    const resolveKey = randomUUID();
    const resolved = await eventually(async () => {
      const r = await api(
        'POST',
        `/v1/cases/${caseId}/resolve`,
        { resolution: 'Apologised; coached.' },
        resolveKey,
      );
      return r.status === 200 ? r : undefined;
    });
    expect(resolved.json).toMatchObject({ status: 'resolved' });
    const expiresAt = new Date(Date.now() + 14 * 86_400_000);
    const link = (satisfied: boolean) =>
      links.satisfaction({ guestId: g.guestId, caseId, satisfied, expiresAt });
    return { ...g, caseId, link };
  }

  it('"yes" (from the satisfaction-check mail) closes the case with the guest words kept, and the guest is no longer at risk; another answer is refused', async () => {
    const c = await resolvedCase('zh-CN');
    // The satisfaction-check mail as the case's workflow sends it (3 days after the resolution), through the
    // activities wired with the worker's `satisfactionUrl` hook: one link for yes, one for no.
    const activities = createActivities({
      ...stack.deps,
      temporal: env.client,
      taskQueue,
      satisfactionUrl: links.satisfaction,
    });
    const key = `test:${c.caseId}:satisfaction-check`;
    const input = {
      caseId: c.caseId,
      kind: 'case-satisfaction-check' as const,
      key,
      now: new Date().toISOString(),
    };
    const sent = await new MockActivityEnvironment().run(
      (i: typeof input) => activities.sendCaseMail(i),
      input,
    );
    expect((sent as { status: string }).status).toBe('sent');
    const mail = await eventually(() =>
      stack.sink.messages().find((m) => m.to.includes(c.email) && m.text.includes('/v1/links/satisfaction/')),
    );
    const [yes, no] = [
      ...mail.text.matchAll(/http:\/\/[^\s]+\/v1\/links\/satisfaction\/[A-Za-z0-9_.-]+/g),
    ].map((m) => m[0]);
    expect(mail.text).toContain(`满意：${yes}`);
    expect(mail.text).toContain(`尚不满意：${no}`);
    const page = await fetch(yes!);
    expect(page.status).toBe(200);
    expectPage(page);
    const html = await page.text();
    expect(html).toContain('您对我们的处理结果满意吗？');
    expect(html).toMatch(/name="satisfied" value="yes" required checked/);
    expect(html).not.toMatch(/value="no" required checked/);
    expectNoScriptNoPersonalData(html, c.guestId);

    const res = await post(yes!, form({ satisfied: 'yes', comment: '处理得很好，谢谢。' }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('很高兴此事已妥善解决');
    const row = (await cases.findCase(stack.db, c.caseId))!;
    expect(row).toMatchObject({ status: 'closed', satisfied: true });
    const requests = await stack
      .db('case_requests')
      .where({ case_id: c.caseId, kind: 'satisfaction' })
      .select<Record<string, unknown>[]>('actor', 'status', 'body');
    const [request] = requests;
    expect(request).toMatchObject({
      actor: 'guest:link',
      status: 'applied',
      body: { satisfied: true, comment: '处理得很好，谢谢。' },
    });
    expect(
      await stack.db('audit_log').where({ subject: `case:${c.caseId}`, action: 'case.closed' }),
    ).toMatchObject([{ actor: 'guest:link' }]);
    await eventually(async () => ((await stageOf(c.guestId)) !== 'at_risk' ? true : undefined));

    // The same answer again replays; a different one (the "no" link) is refused and writes nothing.
    const again = await postJson(yes!, { satisfied: 'yes', comment: '处理得很好，谢谢。' });
    const againJson: unknown = await again.json();
    expect(again.status, JSON.stringify(againJson)).toBe(200);
    expect(againJson).toMatchObject({ status: 'closed', replayed: true });
    const refused = await post(no!, form({ satisfied: 'no' }));
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('您已作答');
    expect(await countRows(stack.db, 'case_requests', { case_id: c.caseId })).toBe(2); // resolve + satisfaction
    expect((await cases.findCase(stack.db, c.caseId))!.status).toBe('closed');
    // The page says it is answered.
    expect(await (await fetch(no!)).text()).toContain('您已作答');
  });

  it('"no" reopens the case; invalid answers and foreign links write nothing', async () => {
    const c = await resolvedCase();
    const url = c.link(false);
    const invalid = await post(url, form({ satisfied: 'perhaps' }));
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('id="satisfied-error"');

    // A well-signed link naming another guest's case: gone.
    const other = await guestWithStay();
    const foreign = links.satisfaction({
      guestId: other.guestId,
      caseId: c.caseId,
      satisfied: true,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    expect((await post(foreign, form({}))).status).toBe(410);
    expect((await cases.findCase(stack.db, c.caseId))!.status).toBe('resolved');

    // The link's answer is the default.
    const res = await post(url, form({ comment: 'The manager never called back.' }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('We have reopened your case');
    expect(await cases.findCase(stack.db, c.caseId)).toMatchObject({
      status: 'open',
      satisfied: false,
      reopened: 1,
    });
    expect(
      await stack.db('audit_log').where({ subject: `case:${c.caseId}`, action: 'case.reopened' }),
    ).toMatchObject([{ actor: 'guest:link' }]);
    expect(await stageOf(c.guestId)).toBe('at_risk');
  });
});
