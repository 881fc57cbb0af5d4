/**
 * What every bench process does around its measurement (bench/stay-events.ts, bench/guest-reads.ts): a time
 * limit, Ctrl-C and friends stop it in order, and a refusal explained in its message (`BenchError`, a missing
 * tool) is printed without a stack trace.
 */
import { consoleStepLog as log, MissingToolError } from '../stack/step.js';

/** A refusal or failure explained in its message: printed without a stack trace. */
export class BenchError extends Error {
  override name = 'BenchError';
}

export function runBench(opts: {
  main: () => Promise<void>;
  /** Stops what the bench started, then exits with `code` (once; later calls wait). */
  shutdown: (code: number, why?: string) => Promise<unknown>;
  stopping: () => boolean;
  timeLimitMs: number;
}): void {
  const limit = setTimeout(
    () => void opts.shutdown(1, `Time limit of ${opts.timeLimitMs / 60_000} minutes reached: stopping.`),
    opts.timeLimitMs,
  );
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => void opts.shutdown(code, `${signal}: stopping…`));
  }
  opts
    .main()
    .then(() => {
      clearTimeout(limit);
      return opts.shutdown(typeof process.exitCode === 'number' ? process.exitCode : 0);
    })
    .catch((err: unknown) => {
      clearTimeout(limit);
      if (opts.stopping()) return;
      if (err instanceof MissingToolError || err instanceof BenchError) log(`\n${err.message}`);
      else console.error(err);
      return opts.shutdown(1);
    });
}
