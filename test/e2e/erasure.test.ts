/**
 * A guest's privacy over real HTTP (the API, a Temporal dev server, a worker with the real activities,
 * PostgreSQL; docs/privacy.md): the consent history, the export compared with the rows, and the erasure. A guest
 * with stays, ledger, a check-in, a booking, a case with a note, a survey comment, preferences, a staff request,
 * mails received and consent changes is erased; then no text or JSON column of any table of the public schema
 * (read from information_schema, so a new table is checked too) holds the guest's e-mail or name, in any case; no
 * history of the guest's workflows and no search attribute holds them; ledger totals and stay counts are
 * unchanged; a marketing mail planned after is suppressed `guest_erased`. Bad input changes nothing; a repeat
 * answers the first erasure's time.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { createActivities } from '../../activities/index.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { GUEST_STAGE, GUEST_TIER, LAST_PROPERTY, OPEN_CASES, stateQuery } from '../../contracts/guest.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import {
  eventually,
  fileDatabaseUrl,
  newPmsProfileId,
  stayCompletedBody,
  zoneWhereNowIs,
} from '../helpers.js';
import { bookingCreatedBody, profileUpdatedBody, stayStartedBody } from '../pms-samples.js';

const execFileAsync = promisify(execFile);
const OPS = 'e2e front office (privacy)';
const ADMIN = 'e2e data protection admin (privacy)';
const DAY = 86_400_000;

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-privacy',
    pmsSecret: 'e2e-privacy-pms-webhook-secret-0123456789',
    keys: { ops: OPS, admin: ADMIN },
  });
});

afterAll(async () => {
  await api?.close();
});

interface ErrorAnswer {
  error: { code: string; message: string; details: Record<string, unknown> };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const get = <T>(path: string, role: 'ops' | 'admin' = 'admin') =>
  api.request<T>('GET', path, undefined, { key: api.keyFor(role) });
const post = <T>(path: string, body: unknown, role: 'ops' | 'admin' = 'admin') =>
  api.request<T>('POST', path, body, { key: api.keyFor(role) });

/** Every text-like column of every table of the public schema, by table. */
async function textColumns(): Promise<Map<string, string[]>> {
  const { rows } = await api.stack.db.raw<{ rows: { table_name: string; column_name: string }[] }>(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
      order by c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  return byTable;
}

/** `table.column` of every column holding one of the needles (any case). */
async function columnsHolding(needles: string[], byTable: Map<string, string[]>): Promise<string[]> {
  const patterns = needles.map((n) => `%${n}%`);
  const found: string[] = [];
  for (const [table, columns] of byTable) {
    for (const column of columns) {
      const { rows } = await api.stack.db.raw<{ rows: { n: string }[] }>(
        `select count(*) as n from ?? where ??::text ilike any (?::text[])`,
        [table, column, patterns],
      );
      if (Number(rows[0]!.n) > 0) found.push(`${table}.${column}`);
    }
  }
  return found;
}

/** Payload bytes as text, so that a history's JSON shows what its payloads say. */
function readable(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(readable);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
  return value;
}

const holdsAny = (text: string, needles: string[]) =>
  needles.filter((n) => text.toLowerCase().includes(n.toLowerCase()));

describe('privacy: consent history, export, erasure', () => {
  const first = `Ottoline${randomUUID().slice(0, 4)}`;
  const last = 'Quarrendon-Vex';
  const pmsProfileId = newPmsProfileId();
  const email = `ottoline.${pmsProfileId.toLowerCase()}@privacy-e2e.example`;
  const phone = '+44 20 7946 0321';
  const needles = [email, first, last];
  let guestId = '';
  let timezone = '';
  const profile = () => ({ pmsProfileId, firstName: first, lastName: last, email, timezone, locale: 'en' });

  it('builds a guest with a history: stays, ledger, check-in, booking, case and note, survey, preferences, consents, mails', async () => {
    timezone = await zoneWhereNowIs({ currentTimeMs: () => Promise.resolve(Date.now()) }, 10, 17);
    const now = Date.now();
    const accepted = async (body: unknown) => {
      const res = await api.postPms(body);
      expect(res.status).toBe(202);
      return (await res.json()) as { guestId: string };
    };
    // Consent on, off, on again: three rows of the history (source pms).
    guestId = (
      await accepted(
        profileUpdatedBody({
          occurredAt: new Date(now - 20 * DAY).toISOString(),
          guest: profile(),
          extras: { phone, birthday: '1984-02-29', marketingConsent: true },
        }),
      )
    ).guestId;
    await accepted(
      profileUpdatedBody({
        occurredAt: new Date(now - 19 * DAY).toISOString(),
        guest: profile(),
        extras: { marketingConsent: false },
      }),
    );
    await accepted(
      profileUpdatedBody({
        occurredAt: new Date(now - 18 * DAY).toISOString(),
        guest: profile(),
        extras: { marketingConsent: true },
      }),
    );
    // Two stays (the later checked out three hours ago: its thank-you goes at once), a check-in now, a booking.
    for (const [outMs, id] of [
      [now - 10 * DAY, 'first'],
      [now - 3 * 3_600_000, 'second'],
    ] as const) {
      await accepted(
        stayCompletedBody({
          id: `evt-${id}-${randomUUID()}`,
          occurredAt: new Date(outMs).toISOString(),
          guest: profile(),
          stay: { arrival: day(outMs - 2 * DAY), departure: day(outMs), nights: 2 },
        }),
      );
    }
    await accepted(
      stayStartedBody({
        occurredAt: new Date(now - 3_600_000).toISOString(),
        guest: profile(),
        stay: { arrival: day(now), expectedDeparture: day(now + 2 * DAY) },
      }),
    );
    await accepted(
      bookingCreatedBody({
        occurredAt: new Date(now - 2_000).toISOString(),
        guest: profile(),
        booking: { arrival: day(now + 30 * DAY), departure: day(now + 33 * DAY) },
      }),
    );
    await eventually(async () => {
      const sent = await api.stack
        .db('mail_outbox')
        .where({ guest_id: guestId, status: 'sent', template: 'stay-thank-you' })
        .first<{ id: number } | undefined>('id');
      return sent ?? undefined;
    });
    const stay = await api.stack
      .db('stays')
      .where({ guest_id: guestId })
      .orderBy('departure')
      .first<{ id: string }>('id');

    // A case with a note, a survey comment, a preference, a staff adjustment: free text that names the guest.
    const opened = await post<{ id: string }>(
      '/v1/cases',
      {
        guestId,
        source: 'phone',
        category: 'service_attitude',
        propertyCode: 'SHA-BUND',
        department: 'front_office',
        receivedBy: 'Desk clerk',
        description: `${first} ${last} (${email}) says the room was cold`,
      },
      'ops',
    );
    expect(opened.status).toBe(201);
    const caseId = opened.json.id;
    expect(
      (await post(`/v1/cases/${caseId}/notes`, { text: `Called ${first} back on ${phone}` }, 'ops')).status,
    ).toBe(200);
    await api.stack.db('survey_responses').insert({
      guest_id: guestId,
      stay_id: stay.id,
      score: 4,
      would_return: 'yes',
      comment: `Lovely stay. ${first} ${last}`,
      answered_at: new Date(),
      updated_at: new Date(),
    });
    expect(
      (
        await post(
          `/v1/guests/${guestId}/preferences`,
          { kind: 'preference', category: 'pillow', text: `${first} likes feather pillows` },
          'ops',
        )
      ).status,
    ).toBe(201);
    const adjusted = await post(`/v1/guests/${guestId}/points/adjustments`, {
      points: 250,
      reason: `Goodwill for ${first} ${last}`,
    });
    expect(adjusted.status).toBe(200);

    const held = await textColumns();
    expect(await columnsHolding(needles, held)).toEqual(
      expect.arrayContaining(['guests.email', 'guests.first_name', 'pms_events.payload', 'case_notes.body']),
    );
  });

  it('answers the consent history (staff): the backfill-free history of this guest, by source', async () => {
    const answer = await get<{
      marketingConsent: boolean;
      changes: { from: boolean | null; to: boolean; source: string; actor: string }[];
    }>(`/v1/guests/${guestId}/consents`, 'ops');
    expect(answer.status).toBe(200);
    expect(answer.json.marketingConsent).toBe(true);
    expect(answer.json.changes.map((c) => [c.from, c.to, c.source])).toEqual([
      [false, true, 'pms'],
      [true, false, 'pms'],
      [false, true, 'pms'],
    ]);
    expect(answer.json.changes[0]!.actor).toMatch(/^pms:event:/);
  });

  it('exports everything held about the guest (admin), equal to the rows, and audits who exported', async () => {
    const { status, json, headers } = await get<
      Record<string, unknown[]> & { profile: Record<string, unknown> }
    >(`/v1/guests/${guestId}/export`);
    expect(status).toBe(200);
    expect(headers.get('content-disposition')).toContain(`guest-${guestId}.json`);
    expect(json.profile).toMatchObject({ id: guestId, email, first_name: first, last_name: last, phone });
    const db = api.stack.db;
    const count = async (table: string) =>
      Number((await db(table).where({ guest_id: guestId }).count({ n: '*' }))[0]!.n);
    for (const [section, table] of [
      ['stays', 'stays'],
      ['checkins', 'stay_checkins'],
      ['bookings', 'bookings'],
      ['ledger', 'points_ledger'],
      ['tierHistory', 'tier_history'],
      ['stageHistory', 'stage_history'],
      ['consents', 'consent_history'],
      ['surveyAnswers', 'survey_responses'],
      ['preferences', 'guest_preferences'],
      ['staffRequests', 'staff_requests'],
      ['pmsEvents', 'pms_events'],
      ['mails', 'mail_outbox'],
      ['cases', 'service_cases'],
    ] as const) {
      expect(json[section], section).toHaveLength(await count(table));
      if (section !== 'tierHistory') expect(json[section]!.length, section).toBeGreaterThan(0);
    }
    const [theCase] = json.cases as { id: string; notes: { body: string }[] }[];
    expect(theCase!.notes.map((n) => n.body)).toEqual([`Called ${first} back on ${phone}`]);
    const mails = json.mails as { template: string; status: string; to_address: string }[];
    expect(mails.find((m) => m.template === 'stay-thank-you' && m.status === 'sent')).toMatchObject({
      to_address: email,
    });
    const ledgerSum = (json.ledger as { points: string | number }[]).reduce(
      (s, r) => s + Number(r.points),
      0,
    );
    const sums = await db('points_ledger').where({ guest_id: guestId }).sum({ sum: 'points' });
    expect(ledgerSum).toBe(Number(sums[0]!.sum));
    const audit = json.audit as { action: string; subject: string }[];
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['guest.created', 'guest.profile_updated']),
    );
    expect(
      await db('audit_log')
        .where({ subject: `guest:${guestId}`, action: 'guest.exported', actor: ADMIN })
        .first('id'),
    ).toBeDefined();
    // Admin only.
    expect((await get(`/v1/guests/${guestId}/export`, 'ops')).status).toBe(403);
  });

  it('refuses bad erasures and changes nothing: unknown guest 404, no reason 400 naming it, not admin 403', async () => {
    const before = await api.stack.db('guests').where({ id: guestId }).first<Record<string, unknown>>();
    const audits = await api.stack.db('audit_log').where({ action: 'guest.erased' }).count({ n: '*' });
    const unknown = await post<ErrorAnswer>(`/v1/guests/${randomUUID()}/erasure`, {
      reason: 'asked by letter',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('guest_not_found');
    const noReason = await post<ErrorAnswer>(`/v1/guests/${guestId}/erasure`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.details.field).toBe('reason');
    const notAdmin = await post<ErrorAnswer>(
      `/v1/guests/${guestId}/erasure`,
      { reason: 'asked by letter' },
      'ops',
    );
    expect(notAdmin.status).toBe(403);
    expect(await api.stack.db('guests').where({ id: guestId }).first()).toEqual(before);
    expect(await api.stack.db('audit_log').where({ action: 'guest.erased' }).count({ n: '*' })).toEqual(
      audits,
    );
  });

  it('erases: no table, workflow history or search attribute holds the e-mail or the name; sums stay; marketing stops', async () => {
    const db = api.stack.db;
    const totals = async () => ({
      guestPoints: Number(
        (await db('points_ledger').where({ guest_id: guestId }).sum({ s: 'points' }))[0]!.s,
      ),
      allPoints: Number((await db('points_ledger').sum({ s: 'points' }))[0]!.s),
      guestStays: Number((await db('stays').where({ guest_id: guestId }).count({ n: '*' }))[0]!.n),
      allStays: Number((await db('stays').count({ n: '*' }))[0]!.n),
      revenue: (await db('stays').where({ guest_id: guestId }).sum({ r: 'room_revenue' }))[0]!.r as unknown,
    });
    const before = await totals();
    const followUps = await db('follow_ups').where({ guest_id: guestId }).pluck<string[]>('workflow_id');
    const checkin = await db('stay_checkins')
      .where({ guest_id: guestId })
      .first<{ pms_stay_id: string }>('pms_stay_id');
    const children = [...followUps, `guest-${guestId}-in-stay-${checkin.pms_stay_id}`];
    for (const id of children)
      await eventually(async () =>
        (await api.env.client.workflow.getHandle(id).describe()).status.name === 'RUNNING' ? true : undefined,
      );

    // Someone else's audit entries: one that mentions the guest's address keeps all but the address; one about
    // another guest of the same first name is left alone.
    const [mention] = await db('audit_log')
      .insert({
        actor: 'e2e',
        action: 'campaign.note',
        subject: 'campaign:e2e-privacy',
        after: JSON.stringify({ note: `bounced for ${email}`, reason: 'kept as written' }),
      })
      .returning<{ id: number }[]>('id');
    const [namesake] = await db('audit_log')
      .insert({
        actor: 'e2e',
        action: 'guest.created',
        subject: `guest:${randomUUID()}`,
        after: JSON.stringify({ first_name: first, last_name: 'Someone-Else' }),
      })
      .returning<{ id: number }[]>('id');

    const mentionId = mention!.id;
    const namesakeId = namesake!.id;
    const erased = await post<{ erasedAt: string; alreadyErased: boolean; auditId: number }>(
      `/v1/guests/${guestId}/erasure`,
      { reason: `Asked by e-mail from ${first} ${last} <${email}>` },
    );
    expect(erased.status).toBe(200);
    expect(erased.json.alreadyErased).toBe(false);

    // The audit says who and when, not what.
    const entry = await db('audit_log')
      .where({ id: erased.json.auditId })
      .first<{ after: Record<string, unknown> }>();
    expect(entry).toMatchObject({ actor: ADMIN, action: 'guest.erased', subject: `guest:${guestId}` });
    expect(entry.after).toMatchObject({ outcome: 'done', erasedAt: erased.json.erasedAt });
    expect(holdsAny(JSON.stringify(entry), needles)).toEqual([]);

    // The workflow forgets: its children cancelled, the run ends without search attributes.
    const guestHandle = api.env.client.workflow.getHandle(guestWorkflowId(guestId));
    await eventually(async () =>
      (await guestHandle.describe()).status.name === 'COMPLETED' ? true : undefined,
    );
    for (const id of children)
      await eventually(async () => {
        const s = (await api.env.client.workflow.getHandle(id).describe()).status.name;
        return s === 'CANCELLED' ? true : undefined;
      });
    const described = await guestHandle.describe();
    for (const key of [GUEST_STAGE, GUEST_TIER, LAST_PROPERTY, OPEN_CASES])
      expect(described.typedSearchAttributes.get(key), key.name).toBeUndefined();
    const state = await guestHandle.query(stateQuery);
    expect(state).toMatchObject({ agenda: {}, lastStay: null, riskFlags: [], winBack: null });

    // Every table of the public schema, every text and JSON column.
    const columns = await textColumns();
    console.log(
      `erasure: tables checked (${columns.size}): ${[...columns.keys()].join(', ')}; columns: ${
        [...columns.values()].flat().length
      }`,
    );
    expect(columns.has('consent_history')).toBe(true);
    const audit = (id: number) => db('audit_log').where({ id }).first<{ after: Record<string, unknown> }>();
    expect((await audit(mentionId)).after).toEqual({
      note: 'bounced for [erased]',
      reason: 'kept as written',
    });
    expect((await audit(namesakeId)).after).toEqual({ first_name: first, last_name: 'Someone-Else' });
    await db('audit_log').where({ id: namesakeId }).delete();
    expect(await columnsHolding(needles, columns)).toEqual([]);

    // Every history of the guest's workflows and their search attributes.
    const workflowIds = [guestWorkflowId(guestId), ...children];
    for (const id of workflowIds) {
      const handle = api.env.client.workflow.getHandle(id);
      const history = await handle.fetchHistory();
      expect(holdsAny(JSON.stringify(readable(history)), needles), id).toEqual([]);
      const d = await handle.describe();
      expect(
        holdsAny(JSON.stringify(readable(d.raw.workflowExecutionInfo?.searchAttributes ?? {})), needles),
      ).toEqual([]);
    }

    // Sums and counts stay; the guest is anonymised, marked erased, consent off with its row.
    expect(await totals()).toEqual(before);
    const guest = await db('guests').where({ id: guestId }).first<Record<string, unknown>>();
    expect(guest).toMatchObject({
      email: '',
      phone: null,
      birthday: null,
      member_number: null,
      marketing_consent: false,
    });
    expect(guest.erased_at).not.toBeNull();
    const consents = await get<{ changes: { to: boolean; source: string; actor: string }[] }>(
      `/v1/guests/${guestId}/consents`,
      'ops',
    );
    expect(consents.json.changes.at(-1)).toMatchObject({ to: false, source: 'erasure', actor: ADMIN });
    expect(
      await db('mail_outbox').where({ guest_id: guestId, status: 'pending' }).first('id'),
    ).toBeUndefined();
    expect(await db('guest_preferences').where({ guest_id: guestId }).first('id')).toBeUndefined();

    // A marketing mail after the erasure is suppressed by the mail policy.
    const acts = createActivities({ ...api.stack.deps, temporal: api.env.client, taskQueue: api.taskQueue });
    const planned = await acts.planMail({
      guestId,
      template: 'birthday-greeting',
      idempotencyKey: `e2e:${guestId}:after-erasure`,
      vars: {},
      marketing: true,
    });
    expect(planned).toMatchObject({ status: 'suppressed' });
    expect((planned as { reason: string }).reason).toMatch(/^guest_erased/);

    // A repeat: 200 with the first erasure's time, nothing changed.
    const again = await post<{ erasedAt: string; alreadyErased: boolean }>(`/v1/guests/${guestId}/erasure`, {
      reason: 'asked again by letter',
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ erasedAt: erased.json.erasedAt, alreadyErased: true });
    expect(await db('guests').where({ id: guestId }).first()).toEqual(guest);
    expect(await totals()).toEqual(before);

    // A run started for an erased guest (the repeat's message, a staff restart) ends at once, holding nothing.
    const erasureRun = described.runId;
    const restarted = await post<{ runId: string }>(`/v1/guests/${guestId}/restart`, {
      reason: 'check it ends',
    });
    expect(restarted.status).toBe(200);
    await eventually(async () => {
      const d = await guestHandle.describe();
      return d.runId !== erasureRun && d.status.name === 'COMPLETED' ? d : undefined;
    });
    const fresh = await guestHandle.fetchHistory();
    const kinds = (fresh.events ?? []).map((e) => String(temporal.api.enums.v1.EventType[e.eventType ?? 0]));
    expect(kinds).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(kinds.filter((k) => /ACTIVITY_TASK_SCHEDULED|START_CHILD|TIMER_STARTED/.test(k))).toEqual([]);
    expect(holdsAny(JSON.stringify(readable(fresh)), needles)).toEqual([]);
  });

  it('erases from the command line (npm run erase) as the route does', async () => {
    const other = {
      pmsProfileId: newPmsProfileId(),
      firstName: 'Cli',
      lastName: `Erasable${randomUUID().slice(0, 4)}`,
    };
    const res = await api.postPms(
      profileUpdatedBody({ guest: { ...other, email: `cli.${other.pmsProfileId}@example.com` } }),
    );
    const { guestId: id } = (await res.json()) as { guestId: string };
    const databaseUrl = await fileDatabaseUrl();
    const cli = (args: string[]) =>
      execFileAsync(process.execPath, ['--import', 'tsx', 'cli/erase-guest.ts', ...args], {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          TEMPORAL_ADDRESS: inject('devServerAddress'),
          TEMPORAL_TASK_QUEUE: api.taskQueue,
        },
      });
    await expect(cli([id])).rejects.toMatchObject({ code: 2 });
    const { stdout } = await cli([id, '--reason', 'request by letter', '--actor', 'dpo']);
    expect(stdout).toMatch(new RegExp(`guest ${id} erased at \\S+ \\(audit \\d+\\)`));
    const row = await api.stack
      .db('guests')
      .where({ id })
      .first<{ erased_at: Date | null; last_name: string }>();
    expect(row.erased_at).not.toBeNull();
    expect(row.last_name).not.toBe(other.lastName);
    expect(
      await api.stack
        .db('audit_log')
        .where({ subject: `guest:${id}`, action: 'guest.erased', actor: 'cli:dpo' })
        .first('id'),
    ).toBeDefined();
    const again = await cli([id, '--reason', 'request by letter']);
    expect(again.stdout).toContain('was erased at');
  });
});
