/** One line per provisioning / start-up step, with its duration. */
export type StepLog = (line: string) => void;

export const consoleStepLog: StepLog = (line) => process.stderr.write(`${line}\n`);

export async function step<T>(
  log: StepLog,
  name: string,
  fn: () => Promise<T>,
  detail?: (r: T) => string,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await fn();
    const extra = detail ? ` ${detail(result)}` : '';
    log(`  ✓ ${name} (${((performance.now() - started) / 1000).toFixed(1)}s)${extra}`);
    return result;
  } catch (err) {
    log(`  ✗ ${name} (${((performance.now() - started) / 1000).toFixed(1)}s)`);
    throw err;
  }
}

/** A step that cannot run because a tool is missing: names the tool and the variable that skips it. */
export class MissingToolError extends Error {
  constructor(tool: string, purpose: string, skipWith: string) {
    super(`${tool} is needed to ${purpose} but was not found on PATH. Install ${tool}, or set ${skipWith}.`);
    this.name = 'MissingToolError';
  }
}
