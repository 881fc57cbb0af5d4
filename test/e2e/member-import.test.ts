/**
 * The member import end to end (docs/import.md), against real Postgres and a Temporal dev server with the real
 * worker: a file of good and bad lines becomes guests, `import` ledger rows and `import` tier rows, and a report
 * naming each bad line and field; a second run of the file changes nothing; a changed file corrects the balance
 * by the difference; an interrupted run resumes and ends with what an uninterrupted run gives; every imported
 * guest has a running workflow; and the admin upload does the same over HTTP.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashFile, importMembers, ImportRunningError, type ImportResult } from '../../api/imports/members.js';
import { lockRun } from '../../db/repositories/imports.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { GUEST_STAGE, GUEST_TIER } from '../../contracts/guest.js';
import { countTables, openApiStack, type ApiStack } from '../api-stack.js';
import { eventually, fileDatabaseUrl } from '../helpers.js';
import { generatedMembers, memberCsv, memberLine } from '../member-files.js';

let api: ApiStack;
let dir: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-import',
    pmsSecret: 'e2e-import-pms-webhook-secret-0123456789',
    keys: { admin: 'e2e import admin', ops: 'e2e import ops' },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'member-import-'));
});

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const TABLES = [
  'guests',
  'points_ledger',
  'tier_history',
  'import_members',
  'import_problems',
  'imports',
] as const;

async function fileOf(name: string, csv: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, csv);
  return file;
}

function run(
  file: string,
  opts: { batchSize?: number; failAfterBatches?: number } = {},
): Promise<ImportResult> {
  return importMembers(
    { db: api.stack.db, temporal: api.env.client, taskQueue: api.taskQueue },
    { filePath: file, actor: 'e2e', reportDir: dir, workflowConcurrency: 20, ...opts },
  );
}

/** Each imported guest's workflow is running. */
async function expectRunningWorkflows(guestIds: string[]) {
  for (const id of guestIds) {
    const d = await api.env.client.workflow.getHandle(guestWorkflowId(id)).describe();
    expect(d.status.name, id).toBe('RUNNING');
  }
}

/** What the guests of a series hold, by line: what an uninterrupted and an interrupted run must agree on. */
async function holdingsOf(series: number) {
  const { rows } = await api.stack.db.raw<{
    rows: { n: string; tier: string; points: number; tiers: number; ledger: number }[];
  }>(
    `select substr(g.member_number, 4) as n, g.tier,
            (select coalesce(sum(points), 0)::int from points_ledger l where l.guest_id = g.id) as points,
            (select count(*)::int from points_ledger l where l.guest_id = g.id and l.reason = 'import') as ledger,
            (select count(*)::int from tier_history t where t.guest_id = g.id and t.source = 'import') as tiers
     from guests g where g.member_number like :prefix order by g.member_number`,
    { prefix: `M${String(series).padStart(2, '0')}%` },
  );
  return rows;
}

describe('member import', () => {
  let guestIds: string[] = [];

  it('imports the good lines, reports the bad ones by line and field, and starts every workflow', async () => {
    const good = generatedMembers(8, 1);
    const lines = [
      ...good.slice(0, 4),
      { ...memberLine(101, 1), email: 'not-an-email' }, // line 6
      { ...memberLine(102, 1), member_number: 'X123' }, // line 7
      ...good.slice(4, 6),
      { ...memberLine(103, 1), tier: 'platinum', points_balance: '-5' }, // line 10: two fields
      { ...memberLine(104, 1), pms_profile_id: '', external_id: '' }, // line 11
      { ...good[0]!, pms_profile_id: 'PMS-other', external_id: '' }, // line 12: member number again
      'M019999999,only,three', // line 13: too few fields
      ...good.slice(6),
      { ...memberLine(105, 1), birthday: '2999-01-01' }, // line 16
    ];
    const file = await fileOf('members-1.csv', memberCsv(lines));
    const { import: done, alreadyImported } = await run(file);
    expect(alreadyImported).toBe(false);
    expect(done).toMatchObject({
      status: 'finished',
      rows_read: 15,
      created: 8,
      updated: 0,
      unchanged: 0,
      rejected: 7,
      workflows_total: 8,
      workflows_done: 8,
    });

    const db = api.stack.db;
    const guests: {
      id: string;
      member_number: string;
      enrolment_channel: string;
      tier: string;
      stage: string;
    }[] = await db('guests')
      .whereIn(
        'member_number',
        good.map((g) => g.member_number),
      )
      .select(
        'id',
        'member_number',
        'source',
        'pms_profile_id',
        'tier',
        'enrolment_channel',
        'home_property',
        'stage',
      );
    expect(guests).toHaveLength(8);
    guestIds = guests.map((g) => g.id);
    const third = guests.find((g) => g.member_number === good[2]!.member_number);
    // Line 3 of the series has no PMS profile: the old system's id, source `import`.
    expect(third).toMatchObject({ source: 'import', pms_profile_id: good[2]!.external_id, tier: 'diamond' });
    expect(guests.every((g) => g.enrolment_channel === 'import')).toBe(true);

    // The opening balances: one `import` row per member with points.
    const ledger = await db('points_ledger')
      .whereIn('guest_id', guestIds)
      .select('points', 'reason', 'source');
    const withPoints = good.filter((g) => Number(g.points_balance) > 0);
    expect(ledger).toHaveLength(withPoints.length);
    expect(ledger.every((l: { reason: string }) => l.reason === 'import')).toBe(true);
    expect(ledger.reduce((s: number, l: { points: number }) => s + l.points, 0)).toBe(
      withPoints.reduce((s, g) => s + Number(g.points_balance), 0),
    );
    // The tiers above member: one `import` tier row each.
    const tiers = await db('tier_history')
      .whereIn('guest_id', guestIds)
      .select('tier', 'previous_tier', 'source');
    expect(tiers).toHaveLength(good.filter((g) => g.tier !== 'member').length);
    expect(tiers.every((t: { source: string; previous_tier: string }) => t.source === 'import')).toBe(true);

    // The report: each bad line with its field.
    const report = (await readFile(done.report_path!, 'utf8')).trim().split('\n');
    expect(report[0]).toBe('line,field,message');
    const cells = report.slice(1).map((l) => l.split(',').slice(0, 2).join(','));
    expect(cells).toEqual([
      '6,email',
      '7,member_number',
      expect.stringMatching(/^10,(tier|points_balance)$/),
      expect.stringMatching(/^10,(tier|points_balance)$/),
      '11,pms_profile_id',
      '12,member_number',
      '13,(row)',
      '16,birthday',
    ]);
    expect(report.find((l) => l.startsWith('12,'))).toContain('appears again (first at line 2)');

    await expectRunningWorkflows(guestIds);
    // Enrolled years ago, no stay known here: the at-risk and lapse clocks start at the import, not at once.
    for (const id of guestIds) {
      const s = await eventually(async () => {
        const state = await api.env.client.workflow
          .getHandle(guestWorkflowId(id))
          .query<{ stage: string; agenda: { lapse: string | null } }>('state');
        return state.agenda.lapse ? state : undefined;
      });
      expect(['member', 'vip']).toContain(s.stage);
      expect(Date.parse(s.agenda.lapse!)).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    }
    // Each run started with the search attributes of the record the import wrote (staff find the members at
    // once), and having loaded the same, upserted none (api/imports/workflows.ts).
    for (const g of guests) {
      const handle = api.env.client.workflow.getHandle(guestWorkflowId(g.id));
      const attributes = (await handle.describe()).typedSearchAttributes;
      expect([attributes.get(GUEST_STAGE), attributes.get(GUEST_TIER)], g.id).toEqual([g.stage, g.tier]);
      const { events } = await handle.fetchHistory();
      expect(events?.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toEqual([]);
    }
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await countTables(api.stack.db, TABLES);
    const file = path.join(dir, 'members-1.csv');
    const { import: again, alreadyImported } = await run(file);
    expect(alreadyImported).toBe(true);
    expect(again.status).toBe('finished');
    expect(await countTables(api.stack.db, TABLES)).toEqual(before);
  });

  it('runs one import of a file at a time: another run of it meanwhile is refused and writes nothing', async () => {
    const file = await fileOf('members-locked.csv', memberCsv(generatedMembers(3, 6)));
    const held = (await lockRun(api.stack.db, (await hashFile(file)).hash))!;
    try {
      const before = await countTables(api.stack.db, TABLES);
      await expect(run(file)).rejects.toBeInstanceOf(ImportRunningError);
      expect(await countTables(api.stack.db, TABLES)).toEqual(before);
    } finally {
      await held.release();
    }
    expect((await run(file)).import.created).toBe(3);
  });

  it('corrects a changed balance by the difference and reloads the changed guests only', async () => {
    const good = generatedMembers(8, 1);
    const changed = [
      { ...good[0]!, points_balance: String(Number(good[0]!.points_balance) + 1000) },
      { ...good[1]!, tier: 'diamond' },
      ...good.slice(2),
    ];
    const file = await fileOf('members-1b.csv', memberCsv(changed));
    const { import: done } = await run(file);
    expect(done).toMatchObject({ status: 'finished', created: 0, updated: 2, unchanged: 6, rejected: 0 });
    const g0: { id: string } = await api.stack
      .db('guests')
      .where({ member_number: good[0]!.member_number })
      .first('id');
    const rows: { points: number; balance_after: number }[] = await api.stack
      .db('points_ledger')
      .where({ guest_id: g0.id, reason: 'import' })
      .orderBy('id')
      .select('points', 'balance_after');
    expect(rows.map((r) => r.points)).toEqual([Number(good[0]!.points_balance), 1000]);
    expect(rows[1]!.balance_after).toBe(Number(good[0]!.points_balance) + 1000);
    const g1: { tier: string } = await api.stack
      .db('guests')
      .where({ member_number: good[1]!.member_number })
      .first('tier');
    expect(g1.tier).toBe('diamond');
    // The reloaded workflow holds the corrected balance.
    const handle = api.env.client.workflow.getHandle(guestWorkflowId(g0.id));
    await eventually(async () => {
      const s = await handle.query<{ pointsBalance: number }>('state');
      return s.pointsBalance === Number(good[0]!.points_balance) + 1000 ? true : undefined;
    });
    await expectRunningWorkflows(guestIds);
  });

  it('resumes an interrupted run after its last committed batch and ends as an uninterrupted run', async () => {
    const count = 120;
    const plain = await fileOf('members-2.csv', memberCsv(generatedMembers(count, 2)));
    const cut = await fileOf('members-3.csv', memberCsv(generatedMembers(count, 3)));
    await run(plain, { batchSize: 50 });

    await expect(run(cut, { batchSize: 50, failAfterBatches: 1 })).rejects.toThrow(/fault injected/);
    const stopped = (await api.stack.db('imports').where({ file_name: 'members-3.csv' }).first()) as {
      id: string;
    };
    expect(stopped).toMatchObject({ status: 'failed', last_line: 51, rows_read: 50, created: 50 });
    expect(await api.stack.db('import_members').where({ import_id: stopped.id }).count({ n: '*' })).toEqual([
      { n: 50 },
    ]);

    const { import: resumed, alreadyImported } = await run(cut, { batchSize: 50 });
    expect(alreadyImported).toBe(false);
    expect(resumed).toMatchObject({
      id: Number(stopped.id),
      status: 'finished',
      rows_read: count,
      created: count,
    });

    const [a, b] = [await holdingsOf(2), await holdingsOf(3)];
    expect(b).toHaveLength(count);
    expect(b).toEqual(a);
    const rows3: { id: string }[] = await api.stack
      .db('guests')
      .where('member_number', 'like', 'M03%')
      .select('id');
    const ids = rows3.map((g) => g.id);
    await expectRunningWorkflows(ids);
  });

  it('takes an upload over HTTP (admin), shows its progress and serves its report', async () => {
    const admin = api.keyFor('admin');
    const csv = memberCsv([...generatedMembers(5, 4), { ...memberLine(99, 4), locale: 'not a locale' }]);
    const post = (body: string, key: string, type = 'text/csv') =>
      fetch(`${api.baseUrl}/v1/admin/imports?fileName=club-members.csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': type },
        body,
      });
    expect((await post(csv, api.keyFor('ops'))).status).toBe(403);
    expect((await post('{}', admin, 'application/json')).status).toBe(415);

    const res = await post(csv, admin);
    expect(res.status).toBe(202);
    const { import: started } = (await res.json()) as { import: { id: number; fileName: string } };
    expect(started.fileName).toBe('club-members.csv');
    const done = await eventually(async () => {
      const r = await api.request<{
        status: string;
        rows: Record<string, number>;
        progress: { fraction: number };
      }>('GET', `/v1/admin/imports/${started.id}`, undefined, { key: admin });
      return r.json.status === 'finished' ? r.json : undefined;
    });
    expect(done.rows).toEqual({ read: 6, created: 5, updated: 0, unchanged: 0, rejected: 1 });
    expect(done.progress.fraction).toBe(1);

    const report = await fetch(`${api.baseUrl}/v1/admin/imports/${started.id}/report`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(report.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await report.text()).toBe(
      'line,field,message\n7,locale,must be a BCP 47 tag such as en or zh-CN\n',
    );

    const list = await api.request<{ imports: { id: number }[] }>('GET', '/v1/admin/imports', undefined, {
      key: admin,
    });
    expect(list.json.imports[0]!.id).toBe(started.id);

    // The same file again: 200, nothing changed.
    const before = await countTables(api.stack.db, TABLES);
    const again = await post(csv, admin);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { alreadyImported: boolean }).alreadyImported).toBe(true);
    expect(await countTables(api.stack.db, TABLES)).toEqual(before);
    expect((await api.request('GET', '/v1/admin/imports/999999', undefined, { key: admin })).status).toBe(
      404,
    );
  });

  it('records consent in the consent history, and leaves an erased guest erased', async () => {
    const [a, b] = generatedMembers(2, 41); // a consents (odd), b does not
    await run(await fileOf('members-consent-1.csv', memberCsv([a!, b!])));
    const idOf = async (n: string) => {
      const row: { id: string } = await api.stack.db('guests').where({ member_number: n }).first('id');
      return row.id;
    };
    const [idA, idB] = [await idOf(a!.member_number), await idOf(b!.member_number)];
    const history = (id: string) =>
      api.stack
        .db('consent_history')
        .where({ guest_id: id })
        .orderBy('id')
        .select<{ from_consent: boolean | null; to_consent: boolean; source: string }[]>(
          'from_consent',
          'to_consent',
          'source',
        );
    expect(await history(idA)).toEqual([{ from_consent: null, to_consent: true, source: 'import' }]);

    const erased = await api.request(
      'POST',
      `/v1/guests/${idB}/erasure`,
      { reason: 'asked to be forgotten' },
      { key: api.keyFor('admin') },
    );
    expect(erased.status).toBe(200);
    const { import: again } = await run(
      await fileOf('members-consent-2.csv', memberCsv([{ ...a!, marketing_consent: 'no' }, b!])),
    );
    // Erasure removed b's member number: the file's line is a new guest (docs/privacy.md), the erased row stays.
    expect(again).toMatchObject({ updated: 1, created: 1, rejected: 0 });
    expect(await history(idA)).toEqual([
      { from_consent: null, to_consent: true, source: 'import' },
      { from_consent: true, to_consent: false, source: 'import' },
    ]);
    const guestB: { email: string | null; erased_at: Date | null } = await api.stack
      .db('guests')
      .where({ id: idB })
      .first('email', 'erased_at');
    expect(guestB.erased_at).not.toBeNull();
    expect(guestB.email).not.toBe(b!.email);
    expect(await idOf(b!.member_number)).not.toBe(idB);
  });

  it('runs from the command line: progress on stderr, a summary on stdout; again, nothing changes', async () => {
    const file = await fileOf(
      'members-cli.csv',
      memberCsv([...generatedMembers(30, 5), { ...memberLine(77, 5), tier: 'bronze' }]),
    );
    const cli = async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'cli/import-members.ts', file, '--batch', '10', '--report-dir', dir],
        {
          env: {
            ...process.env,
            NODE_ENV: 'development',
            DATABASE_URL: await fileDatabaseUrl(),
            TEMPORAL_ADDRESS: inject('devServerAddress'),
            TEMPORAL_TASK_QUEUE: api.taskQueue,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      return { code, stdout, stderr };
    };
    const first = await cli();
    expect(first.code, first.stderr).toBe(0);
    // Not a terminal: plain progress lines, each with the rate and the ETA.
    expect(first.stderr).toMatch(/\] +\d+% (rows|workflows) .*\/s +ETA /);
    expect(first.stderr).not.toContain('\r');
    expect(first.stdout).toMatch(/created +30\n/);
    expect(first.stdout).toMatch(/bad +1 +\(report: .*import-\d+-report\.csv\)/);
    expect(first.stdout).toMatch(/workflows 30\/30 started or reloaded/);
    const before = await countTables(api.stack.db, TABLES);
    const second = await cli();
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/was imported before .*nothing changed/);
    expect(await countTables(api.stack.db, TABLES)).toEqual(before);
  });
});
