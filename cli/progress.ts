/**
 * The command-line tools' progress bar on stderr (cli/import-members.ts, cli/pms-sync.ts): on a terminal one line
 * redrawn in place, at most ten times a second; elsewhere (a pipe, a log) a plain line per tenth of the work, and
 * at least every 30 seconds, so a log is not flooded with carriage returns.
 *
 *     [############............]  50% workflows 1000/2000  61/s  ETA 16s
 *
 * A tool with phases (the import: its lines, then the workflows) names each frame's phase: a new phase starts a
 * new line, with its own rate and ETA.
 */

/** What the bar shows now. */
export interface ProgressFrame {
  /** Items done in this phase (the rate is of these), and how far along it is, 0 to 1; null when not known. */
  done: number;
  fraction: number | null;
  /** What follows the percentage: `rows 2000 (new 2000, updated 0, bad 0)`. */
  label: string;
  /** The phase this frame belongs to (one phase when absent). */
  phase?: string;
}

export interface ProgressBar {
  update(frame: ProgressFrame): void;
  /** Draws the last frame and ends the line. */
  done(): void;
}

/** `1m05s`, `42s`, `1h02m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The line shown for `frame`, `elapsed` seconds since its phase started. */
export function progressLine(frame: ProgressFrame, elapsed: number, width = 24): string {
  const perSecond = elapsed > 0 ? frame.done / elapsed : 0;
  const rate = `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`;
  if (frame.fraction === null) return `${frame.label}  ${rate}`;
  const fraction = Math.min(1, Math.max(0, frame.fraction));
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const eta = fraction > 0 ? duration((elapsed * (1 - fraction)) / fraction) : '?';
  return `${bar} ${pct} ${frame.label}  ${rate}  ETA ${eta}`;
}

const TTY_EVERY_MS = 100;
const PLAIN_AT_LEAST_EVERY_MS = 30_000;

export function progressBar(
  stream: { write(s: string): unknown; isTTY?: boolean; columns?: number } = process.stderr,
): ProgressBar {
  const tty = Boolean(stream.isTTY);
  let phase: string | undefined;
  let phaseStart = Date.now();
  let last = 0;
  let lastTenth = -1;
  let pending: ProgressFrame | undefined;
  const draw = (f: ProgressFrame) => {
    const line = progressLine(f, (Date.now() - phaseStart) / 1000);
    if (tty) stream.write(`\r${line.slice(0, (stream.columns || 120) - 1)}\u001b[K`);
    else stream.write(`${line}\n`);
    last = Date.now();
    lastTenth = f.fraction === null ? -1 : Math.floor(f.fraction * 10);
    pending = undefined;
  };
  const due = (f: ProgressFrame) =>
    tty
      ? Date.now() - last >= TTY_EVERY_MS
      : (f.fraction !== null && Math.floor(f.fraction * 10) !== lastTenth) ||
        Date.now() - last >= PLAIN_AT_LEAST_EVERY_MS;
  return {
    update(f) {
      const p = f.phase ?? '';
      if (p !== phase) {
        if (pending) draw(pending);
        if (phase !== undefined && tty) stream.write('\n');
        phase = p;
        phaseStart = Date.now();
        lastTenth = -1;
        last = 0;
      }
      pending = f;
      if (due(f)) draw(f);
    },
    done() {
      if (pending) draw(pending);
      if (tty && phase !== undefined) stream.write('\n');
    },
  };
}
