/**
 * The API process of the benches (bench/stay-events.ts, bench/guest-reads.ts): the API as deployed, in a Node
 * process of its own beside the bench's, so the load the bench makes and the API it measures do not share one
 * event loop, and the API's CPU is told apart (bench/proc-cpu.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { freePort } from '../stack/ports.js';
import { ensureTemporalCli } from '../stack/provision.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { startTemporalDevServer } from '../stack/temporal-dev.js';
import { formatSummary, summarise } from './cpuprofile-summary.js';
import { BenchError } from './process.js';

const API_START_TIMEOUT_MS = 60_000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The API as deployed: compiled JavaScript (`npm run build`, which `npm run bench` runs first), not tsx. */
const API_ENTRY = path.join(repoRoot, 'dist', 'api', 'server.js');

/**
 * The Temporal the bench's API and workers use: TEMPORAL_ADDRESS when set (a loopback address), else a dev server
 * in memory, started here and stopped through `onStop`.
 */
export async function benchTemporal(
  config: Config,
  onStop: (name: string, stop: () => Promise<unknown>) => void,
): Promise<string> {
  if (config.TEMPORAL_ADDRESS) return config.TEMPORAL_ADDRESS;
  const cli = await ensureTemporalCli({
    cacheDir: config.TOOLS_CACHE_DIR,
    version: config.TEMPORAL_CLI_VERSION,
    log,
  });
  const port = await freePort();
  const server = await step(log, `Temporal dev server (in memory) on 127.0.0.1:${port}`, () =>
    startTemporalDevServer({
      binary: cli,
      port,
      uiPort: 0,
      namespace: config.TEMPORAL_NAMESPACE,
      headless: true,
    }),
  );
  onStop('Temporal dev server', server.stop);
  return server.address;
}

/**
 * The environment of the bench's API process: production settings on loopback, warnings only in its log, and
 * throwaway secrets where production requires them (`pmsSecret` when the bench signs events with it).
 */
export function benchApiEnv(o: {
  config: Config;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  port: number;
  pmsSecret?: string;
}): NodeJS.ProcessEnv {
  const throwaway = () => `bench-${randomBytes(24).toString('hex')}`;
  return {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: o.databaseUrl,
    TEMPORAL_ADDRESS: o.temporalAddress,
    TEMPORAL_NAMESPACE: o.config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    API_HOST: '127.0.0.1',
    API_PORT: String(o.port),
    PMS_WEBHOOK_SECRET: o.pmsSecret ?? throwaway(),
    LINKS_SECRET: throwaway(),
    PUBLIC_BASE_URL: `http://127.0.0.1:${o.port}`,
  };
}

export interface ApiProcess {
  pid: number | undefined;
  port: number;
  /** The last lines it wrote (pino JSON at LOG_LEVEL=warn). */
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts the API as deployed, compiled (dist/api/server.js, `npm run build`) in a Node process of its own,
 * with `env` (it must set API_PORT to `port`), and waits for `GET /health`. `onUnexpectedExit` hears of an exit
 * the bench did not ask for.
 */
export async function startApi(
  env: NodeJS.ProcessEnv,
  port: number,
  nodeArgs: string[],
  onUnexpectedExit: (why: string) => void,
): Promise<ApiProcess> {
  try {
    await access(API_ENTRY);
  } catch {
    throw new BenchError(
      `${path.relative(process.cwd(), API_ENTRY)} is missing: run \`npm run build\` first`,
    );
  }
  // Its own process group: a Ctrl-C reaches only this script, which stops the API in order.
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, API_ENTRY], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let expectExit = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!expectExit)
        onUnexpectedExit(`API process exited (${signal ?? `code ${code}`}):\n${output.trim()}`);
      resolve();
    }),
  );
  const api: ApiProcess = {
    pid: child.pid,
    port,
    output: () => output,
    stop: async () => {
      expectExit = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + API_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new BenchError(`the API process exited during start-up:\n${output.trim()}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return api;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await api.stop();
      throw new BenchError(
        `the API did not answer GET /health within ${API_START_TIMEOUT_MS / 1000}s:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `node --cpu-prof` for the API process (`nodeArgs`), and the summary by self time of the profile it writes into
 * `dir` when it exits (`summary`, called after the API process was stopped).
 */
export async function apiCpuProfile(dir: string) {
  const before = new Set(await readdir(dir).catch(() => [] as string[]));
  return {
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
    summary: async (top = 25): Promise<string[]> => {
      const written = (await readdir(dir).catch(() => [] as string[])).filter(
        (f) => f.endsWith('.cpuprofile') && !before.has(f),
      );
      if (written.length === 0) return ['', `No CPU profile appeared in ${dir}.`];
      const out: string[] = [];
      for (const f of written) {
        const file = path.join(dir, f);
        const profile = JSON.parse(await readFile(file, 'utf8')) as Parameters<typeof summarise>[0];
        out.push(
          '',
          `API CPU profile ${path.relative(process.cwd(), file)} (whole life of the API process):`,
        );
        out.push(formatSummary(summarise(profile), top));
      }
      return out;
    },
  };
}
