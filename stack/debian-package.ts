/**
 * A Debian package a test run needs (faketime for the calendar, chromium for the console's browser tests):
 * found on PATH, else installed with apt-get when this runs as root on Debian, else an error that says how.
 */
import { spawnSync } from 'node:child_process';

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function ensureDebianPackage(input: {
  /** A command the package installs, or a check of its own (a font has no command). */
  command: string;
  installed?: () => boolean;
  pkg: string;
  purpose: string;
}): void {
  const present = input.installed ?? (() => hasCommand(input.command));
  if (present()) return;
  if (process.getuid?.() === 0 && hasCommand('apt-get')) {
    console.error(`${input.command} is missing: installing the Debian package ${input.pkg}`);
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '-q', input.pkg], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
      install();
    }
    if (present()) return;
  }
  throw new Error(
    `${input.command} is needed ${input.purpose} but was not found on PATH. Install it (Debian: apt-get install ${input.pkg}) and run again.`,
  );
}
