/** The command-line progress bar (cli/progress.ts): its line, and when it draws off a terminal. */
import { describe, expect, it } from 'vitest';
import { duration, progressBar, progressLine } from './progress.js';

describe('progressLine', () => {
  it('shows the bar, the share, the label, the rate and the time left', () => {
    expect(progressLine({ done: 1000, fraction: 0.5, label: 'workflows 1000/2000' }, 16)).toBe(
      '[############............]  50% workflows 1000/2000  63/s  ETA 16s',
    );
    // Slow work keeps a decimal; done work has nothing left.
    expect(progressLine({ done: 32, fraction: 1, label: 'reservations 32/32' }, 10)).toBe(
      '[########################] 100% reservations 32/32  3.2/s  ETA 0s',
    );
    // Nothing done yet: the time left is not known; no total: no bar.
    expect(progressLine({ done: 0, fraction: 0, label: 'rows 0' }, 1)).toMatch(
      / {3}0% rows 0 {2}0\.0\/s {2}ETA \?$/,
    );
    expect(progressLine({ done: 7, fraction: null, label: 'reservations 7' }, 2)).toBe(
      'reservations 7  3.5/s',
    );
  });

  it('writes durations in the largest two units', () => {
    expect([duration(42), duration(65), duration(3720), duration(-3)]).toEqual([
      '42s',
      '1m05s',
      '1h02m',
      '0s',
    ]);
  });
});

describe('progressBar off a terminal', () => {
  it('writes a plain line per tenth, a new line for a new phase, and the last frame at the end', () => {
    const lines: string[] = [];
    const bar = progressBar({ write: (s: string) => lines.push(s), isTTY: false });
    for (let i = 1; i <= 100; i++)
      bar.update({ phase: 'rows', done: i, fraction: i / 100, label: `rows ${i}` });
    for (let i = 1; i <= 3; i++)
      bar.update({ phase: 'workflows', done: i, fraction: i / 4, label: `wf ${i}` });
    bar.done();
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    const rows = lines.filter((l) => l.includes(' rows '));
    // The first frame, then one per tenth reached (10 %, 20 % … 100 %).
    expect(rows.map((l) => /(\d+)%/.exec(l)![1])).toEqual([
      '1',
      ...Array.from({ length: 10 }, (_, i) => `${10 * (i + 1)}`),
    ]);
    expect(lines.filter((l) => l.includes(' wf ')).map((l) => /(\d+)%/.exec(l)![1])).toEqual([
      '25',
      '50',
      '75',
    ]);
  });

  it('redraws one line in place on a terminal and ends it', () => {
    const out: string[] = [];
    const bar = progressBar({ write: (s: string) => out.push(s), isTTY: true, columns: 200 });
    bar.update({ done: 1, fraction: 0.1, label: 'reservations 1/10' });
    bar.update({ done: 2, fraction: 0.2, label: 'reservations 2/10' }); // within 100 ms: not drawn yet
    bar.done();
    const ESC = '\u001b[K';
    expect(out).toHaveLength(3);
    expect(out[0]!.startsWith('\r[##.') && out[0]!.endsWith(ESC)).toBe(true);
    expect(out[0]).toContain('reservations 1/10');
    expect(out[1]!.startsWith('\r[#####.') && out[1]!.endsWith(ESC)).toBe(true);
    expect(out[1]).toContain('reservations 2/10');
    expect(out[2]).toBe('\n');
  });
});
