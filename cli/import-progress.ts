/**
 * The member import's progress on stderr (cli/import-members.ts): on a terminal one line redrawn in place — a bar,
 * the phase, the rows and their rate, the ETA — at most ten times a second; elsewhere (a pipe, a log) a plain line
 * every few seconds, so a log is not flooded with carriage returns.
 */
import type { ImportProgress } from '../api/imports/members.js';

export interface ProgressBar {
  update(p: ImportProgress): void;
  done(): void;
}

/** `1m05s`, `42s`, `1h02m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The line shown for `p`, `elapsed` seconds since this phase started. */
export function progressLine(p: ImportProgress, elapsed: number, width = 24): string {
  const fraction =
    p.phase === 'rows'
      ? p.bytesTotal > 0
        ? p.bytesRead / p.bytesTotal
        : 1
      : p.workflowsTotal > 0
        ? p.workflowsDone / p.workflowsTotal
        : 1;
  const filled = Math.round(Math.min(1, fraction) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const pct = `${Math.floor(Math.min(1, fraction) * 100)}%`.padStart(4);
  const count = p.phase === 'rows' ? p.rowsRead : p.workflowsDone;
  const rate = elapsed > 0 ? count / elapsed : 0;
  const eta = fraction > 0 && fraction < 1 ? duration((elapsed * (1 - fraction)) / fraction) : '-';
  const what =
    p.phase === 'rows'
      ? `rows ${p.rowsRead} (new ${p.created}, updated ${p.updated}, bad ${p.rejected})`
      : `workflows ${p.workflowsDone}/${p.workflowsTotal}`;
  return `${bar} ${pct} ${what}  ${Math.round(rate)}/s  ETA ${eta}`;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = Boolean(stream.isTTY);
  const every = tty ? 100 : 5000;
  let phase: ImportProgress['phase'] | undefined;
  let phaseStart = Date.now();
  let last = 0;
  let pending: ImportProgress | undefined;
  const draw = (p: ImportProgress) => {
    const line = progressLine(p, (Date.now() - phaseStart) / 1000);
    if (tty) stream.write(`\r${line.slice(0, (stream.columns || 120) - 1)}\u001b[K`);
    else stream.write(`${line}\n`);
    last = Date.now();
    pending = undefined;
  };
  return {
    update(p) {
      if (p.phase !== phase) {
        if (phase && pending) draw(pending);
        if (phase && tty) stream.write('\n');
        phase = p.phase;
        phaseStart = Date.now();
      }
      pending = p;
      if (Date.now() - last >= every) draw(p);
    },
    done() {
      if (pending) draw(pending);
      if (tty && phase) stream.write('\n');
    },
  };
}
