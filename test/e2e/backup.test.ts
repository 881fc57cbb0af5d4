/**
 * Backups as an operator runs them (docs/operations.md "Backups and restore"): `npm run backup` writes a dump,
 * `npm run restore` loads it into an empty database and refuses one that is not, and `npm run reconcile` lets
 * every guest's workflow reload from the restored record. The programs run as child processes, as from a shell,
 * against this file's database and the run's Temporal dev server.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stateQuery } from '../../contracts/guest.js';
import { createDb, type Db } from '../../db/knex.js';
import { followUpWorkflowId, guestWorkflowId } from '../../domain/ids.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { eventually, fileDatabaseUrl, stayCompletedBody } from '../helpers.js';

const exec = promisify(execFile);
let api: ApiStack;
let url: string;
let dir: string;
const extraDatabases: string[] = [];

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-backup',
    pmsSecret: 'e2e-backup-pms-webhook-secret-0123456789',
    keys: { admin: 'backup admin' },
  });
  url = await fileDatabaseUrl();
  dir = await mkdtemp(path.join(tmpdir(), 'backup-test-'));
});

afterAll(async () => {
  await api?.close(async () => {
    const admin = createDb(withDatabase(url, 'postgres'), { poolMax: 1 });
    for (const name of extraDatabases) await admin.raw('drop database if exists ?? with (force)', [name]);
    await admin.destroy();
  });
  if (dir) await rm(dir, { recursive: true, force: true });
});

function withDatabase(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs `npm run <script>` as a shell would (tsx on the CLI file), with the database and Temporal given. */
async function cli(
  script: 'backup' | 'restore' | 'reconcile',
  args: string[],
  databaseUrl: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', 'tsx', path.join('cli', `${script}.ts`), ...args],
      {
        env: {
          ...process.env,
          NODE_ENV: 'development',
          DATABASE_URL: databaseUrl,
          TEMPORAL_ADDRESS: inject('devServerAddress'),
          TEMPORAL_TASK_QUEUE: api.taskQueue,
        },
        timeout: 120_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Every table of the public schema: its row count and an md5 of its rows in a stable order. */
async function fingerprint(db: Db): Promise<Record<string, string>> {
  const tables = await db.raw<{ rows: { name: string }[] }>(
    `select table_name as name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables.rows) {
    const r = await db.raw<{ rows: { n: string; h: string | null }[] }>(
      `select count(*) as n, md5(string_agg(t::text, '|' order by t::text)) as h from ?? t`,
      [name],
    );
    out[name] = `${r.rows[0]!.n}:${r.rows[0]!.h ?? '-'}`;
  }
  return out;
}

async function ledgerTotal(db: Db, guestId: string): Promise<number> {
  const r = await db('points_ledger').where({ guest_id: guestId }).sum<{ s: string | null }[]>('points as s');
  return Number(r[0]!.s ?? 0);
}

const guest = {
  pmsProfileId: `BK-${randomUUID().slice(0, 8)}`,
  firstName: 'Grace',
  lastName: 'Hopper',
  email: `bk-${randomUUID().slice(0, 8)}@guest.example`,
};

async function stay(day: number, revenue: string) {
  const body = stayCompletedBody({
    occurredAt: new Date(Date.now() - (40 - day) * 86_400_000).toISOString(),
    guest,
    stay: {
      arrival: new Date(Date.now() - (42 - day) * 86_400_000).toISOString().slice(0, 10),
      departure: new Date(Date.now() - (40 - day) * 86_400_000).toISOString().slice(0, 10),
      nights: 2,
      roomRevenue: revenue,
    },
  });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  return { body, guestId: ((await res.json()) as { guestId: string }).guestId };
}

describe('npm run backup and npm run restore', () => {
  let dump: string;
  let guestId: string;
  let later: Awaited<ReturnType<typeof stay>>;
  /** A guest in the dump who asks to be forgotten after it was taken. */
  let forgotten: { guestId: string; email: string };

  it('writes a timestamped dump that restores into an empty database with every row', async () => {
    ({ guestId } = await stay(0, '1280.00'));
    await eventually(async () => ((await ledgerTotal(api.stack.db, guestId)) > 0 ? true : undefined));
    const other = stayCompletedBody({ occurredAt: new Date(Date.now() - 5 * 86_400_000).toISOString() });
    const otherRes = await api.postPms(other);
    forgotten = {
      guestId: ((await otherRes.json()) as { guestId: string }).guestId,
      email: other.data.guest.email,
    };
    await eventually(async () =>
      (await ledgerTotal(api.stack.db, forgotten.guestId)) > 0 ? true : undefined,
    );

    const backup = await cli('backup', ['--dir', dir], url);
    expect(backup.stderr + backup.stdout).not.toMatch(/failed/i);
    expect(backup.code).toBe(0);
    dump = /Backup written: (\S+)/.exec(backup.stdout)![1]!;
    expect(path.basename(dump)).toMatch(/^test_[\w]+-\d{8}T\d{6}Z\.dump$/);
    const tablesInDump = Number(/(\d+) tables/.exec(backup.stdout)![1]);

    const name = `restored_${randomUUID().slice(0, 8)}`;
    extraDatabases.push(name);
    const restore = await cli('restore', [dump, '--create-database', name], url);
    expect(restore.stderr).not.toMatch(/failed/i);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain(`into database ${name}: ${tablesInDump} tables`);

    const restored = createDb(withDatabase(url, name), { poolMax: 1 });
    try {
      const [before, after] = [await fingerprint(api.stack.db), await fingerprint(restored)];
      expect(Object.keys(after).length).toBeGreaterThan(30);
      // Rows the worker wrote since the dump (a sweeper pass) differ only in tables the dump's guest never touched.
      for (const table of ['guests', 'stays', 'points_ledger', 'tier_history', 'stage_history', 'pms_events'])
        expect(after[table], table).toBe(before[table]);
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      expect(await ledgerTotal(restored, guestId)).toBe(await ledgerTotal(api.stack.db, guestId));

      // A second restore into the same database is refused and changes nothing.
      const again = await cli('restore', [dump], withDatabase(url, name));
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(new RegExp(`database ${name} is not empty`));
      expect(await fingerprint(restored)).toEqual(after);
    } finally {
      await restored.destroy();
    }
  }, 180_000);

  it('after a disaster: the record is restored, every workflow reloads from it, the PMS event is fed again', async () => {
    later = await stay(38, '2000.00'); // two days ago: its follow-up still has steps to come
    const handle = api.env.client.workflow.getHandle(guestWorkflowId(guestId));
    await eventually(async () => ((await handle.query(stateQuery)).stays === 2 ? true : undefined));
    const withBoth = await ledgerTotal(api.stack.db, guestId);
    const stayIdOf = async (where: Record<string, string>) => {
      const row: { id: string } | undefined = await api.stack.db('stays').where(where).first('id');
      return row?.id;
    };
    const lostStayId = (await stayIdOf({ pms_stay_id: later.body.data.stay.pmsStayId }))!;
    // A guest the dump never saw: after the restore the record does not know them.
    const newcomer = await api.postPms(
      stayCompletedBody({ occurredAt: new Date(Date.now() - 86_400_000).toISOString() }),
    );
    const newcomerId = ((await newcomer.json()) as { guestId: string }).guestId;
    const followUps = [followUpWorkflowId(guestId, lostStayId)];
    await eventually(async () => {
      const id = await stayIdOf({ guest_id: newcomerId });
      return id ? followUps.push(followUpWorkflowId(newcomerId, id)) : undefined;
    });
    const status = (id: string) =>
      api.env.client.workflow
        .getHandle(id)
        .describe()
        .then((d) => d.status.name);
    // Running, and listed by visibility (what reconcile reads).
    const listed = async () => {
      const ids: string[] = [];
      for await (const wf of api.env.client.workflow.list({
        query: `WorkflowType = 'postStayFollowUp' AND ExecutionStatus = 'Running' AND TaskQueue = '${api.taskQueue}'`,
      }))
        ids.push(wf.workflowId);
      return ids;
    };
    await eventually(
      async () => {
        const ids = await listed();
        return followUps.every((id) => ids.includes(id)) ? true : undefined;
      },
      { explain: async () => JSON.stringify({ followUps, listed: await listed() }) },
    );

    // After the dump, a guest asks to be forgotten.
    const erasure = await api.request<{ erasedAt: string }>(
      'POST',
      `/v1/guests/${forgotten.guestId}/erasure`,
      { reason: 'the guest asked to be forgotten' },
      { key: api.keyFor('admin') },
    );
    expect(erasure.status).toBe(200);
    const forgottenRun = api.env.client.workflow.getHandle(guestWorkflowId(forgotten.guestId));
    expect(await forgottenRun.result()).toEqual({ erased: true });

    // The database is lost: the schema is emptied, then the dump taken before the second stay is restored.
    await api.stack.db.raw('drop schema public cascade; create schema public');
    const restore = await cli('restore', [dump], url);
    expect(restore.code).toBe(0);
    const oneStay = await ledgerTotal(api.stack.db, guestId);
    expect(oneStay).toBeLessThan(withBoth);
    expect((await handle.query(stateQuery)).stays).toBe(2); // Temporal still remembers the lost stay

    const reconcile = await cli('reconcile', ['--reason', 'restore drill'], url);
    expect(reconcile.stderr).toBe('');
    expect(reconcile.code, reconcile.stdout).toBe(0);
    const guests = Number((await api.stack.db('guests').count<{ n: string }[]>('* as n'))[0]!.n);
    expect(reconcile.stdout).toContain(`Reconciled ${guests} guests`);
    // The erased guest is back in the restored record, in full; the reconcile erases them again.
    expect(reconcile.stdout).toContain(
      `${guests - 1} reloaded, 0 erased (left alone), 1 erased again, 0 failed`,
    );
    const again: { email: string | null; erased_at: Date | null } = await api.stack
      .db('guests')
      .where({ id: forgotten.guestId })
      .first('email', 'erased_at');
    expect(again.erased_at).not.toBeNull();
    expect(again.email).not.toBe(forgotten.email);
    const stillHeld = await api.stack.db.raw<{ rows: { n: number }[] }>(
      `select count(*)::int as n from guests where email = ?`,
      [forgotten.email],
    );
    expect(stillHeld.rows[0]!.n).toBe(0);
    // The lost stay's follow-up is cancelled; the newcomer's may have failed first (its guest is gone:
    // GuestNotFound), else it is cancelled too. Either way none runs on.
    expect(reconcile.stdout).toMatch(/1 guest workflows terminated, [12] follow-ups cancelled/);
    expect(await status(guestWorkflowId(newcomerId))).toBe('TERMINATED');
    await eventually(async () =>
      (await Promise.all(followUps.map(status))).every((s) => s !== 'RUNNING') ? true : undefined,
    );
    // The erasure done again is audited as the reconcile's, without the guest's values.
    const erasedAgain = await api.stack
      .db('audit_log')
      .where({ actor: 'reconcile (cli)', subject: `guest:${forgotten.guestId}`, action: 'guest.erased' });
    expect(erasedAgain).toHaveLength(1);
    expect(JSON.stringify(erasedAgain)).not.toContain(forgotten.email);
    const state = await handle.query(stateQuery);
    expect(state.stays).toBe(1);
    expect(state.pointsBalance).toBe(oneStay);
    const audit = await api.stack
      .db('audit_log')
      .where({ actor: 'reconcile (cli)', subject: `guest:${guestId}` });
    expect(audit).toHaveLength(2); // its reload and the cancel of its lost stay's follow-up

    // The PMS (or a catch-up sync) sends the lost stay again: it is new to the restored record.
    const res = await api.postPms(later.body);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { duplicate: boolean }).duplicate).toBe(false);
    await eventually(async () => ((await handle.query(stateQuery)).stays === 2 ? true : undefined));
    expect(await ledgerTotal(api.stack.db, guestId)).toBe(withBoth);
  }, 180_000);
});
