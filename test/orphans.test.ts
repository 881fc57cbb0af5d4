/**
 * Servers left by an interrupted test run are found and stopped at the next run's start (test/orphans.ts);
 * servers whose run is still going (their parent alive) and servers of other programs are left alone.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processArgv } from '../stack/step.js';
import { findOrphans, orphanKind, stopOrphans } from './orphans.js';

const CACHE = '/root/.cache/guest-lifecycle-engine';

describe('orphanKind', () => {
  const scratch = path.join(tmpdir(), 'guest-lifecycle-test-AbC123');
  it('knows the servers a test run starts', () => {
    expect(orphanKind(['/x/native/bin/postgres', '-D', `${scratch}/pg`, '-p', '5'], CACHE)).toEqual({
      kind: 'postgres',
      scratch,
    });
    expect(
      orphanKind([`${CACHE}/temporal-1.9.1/bin/temporal`, 'server', 'start-dev', '--port', '1'], CACHE),
    ).toEqual({ kind: 'temporal-dev' });
    expect(
      orphanKind(
        [
          '/usr/bin/java',
          '-cp',
          `${CACHE}/temporal-test-server-1.38.0/lib/*`,
          'io.temporal.testserver.TestServer',
        ],
        CACHE,
      ),
    ).toEqual({ kind: 'test-server' });
  });
  it('leaves the dev stack and everything else alone', () => {
    // The dev stack's Temporal keeps its data in a file; its PostgreSQL lives in .data, not in a scratch folder.
    expect(
      orphanKind(
        [`${CACHE}/temporal-1.9.1/bin/temporal`, 'server', 'start-dev', '--db-filename', 'x'],
        CACHE,
      ),
    ).toBeUndefined();
    expect(orphanKind(['/x/bin/postgres', '-D', '/work/main/.data/pg'], CACHE)).toBeUndefined();
    expect(
      orphanKind(['/x/bin/postgres', '-D', path.join(tmpdir(), 'other-app-1/pg')], CACHE),
    ).toBeUndefined();
    expect(orphanKind(['/usr/bin/java', '-jar', 'app.jar'], CACHE)).toBeUndefined();
    expect(orphanKind(['/usr/bin/temporal', 'server', 'start-dev'], CACHE)).toBeUndefined();
  });
});

describe.runIf(existsSync('/proc/self/stat'))('stopOrphans', () => {
  let scratch: string | undefined;
  afterEach(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('stops an orphaned "postgres" of a scratch folder and removes the folder; a live child is kept', async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'guest-lifecycle-test-'));
    await mkdir(path.join(scratch, 'pg'));
    const fake = path.join(scratch, 'postgres');
    await symlink(process.execPath, fake);
    const args = ['-e', 'setTimeout(() => {}, 600000)', '--', '-D', path.join(scratch, 'pg')];
    // Orphaned: started by a shell that exits at once, so its parent becomes pid 1.
    const quoted = [fake, ...args].map((a) => `'${a}'`).join(' ');
    spawn('sh', ['-c', `${quoted} >/dev/null 2>&1 &`], { stdio: 'ignore' });
    // Not orphaned: our own child, with the same command line.
    const live = spawn(fake, args, { stdio: 'ignore' });
    try {
      let orphanPid: number | undefined;
      for (let i = 0; i < 50 && orphanPid === undefined; i++) {
        await new Promise((r) => setTimeout(r, 100));
        orphanPid = (await findOrphans(CACHE)).find((o) => o.scratch === scratch)?.pid;
      }
      expect(orphanPid).toBeDefined();
      expect(orphanPid).not.toBe(live.pid);
      const stopped = await stopOrphans(CACHE, () => undefined);
      expect(stopped.map((o) => o.pid)).toContain(orphanPid);
      expect(await processArgv(orphanPid!)).toBeUndefined();
      expect(existsSync(scratch)).toBe(false);
      expect(await processArgv(live.pid!)).toBeDefined();
    } finally {
      live.kill('SIGKILL');
    }
  });
});
