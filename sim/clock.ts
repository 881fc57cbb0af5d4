/**
 * Simulated time. The time-skipping test server starts at the real current time and only moves forward, so a
 * scenario is shifted by a whole number of years (calendar alignment kept: 1 January reviews, birthdays) and
 * every time the simulator prints is shifted back. And since Postgres stamps some rows with its own (real)
 * clock, the activity clock maps a real instant inside an activity to the simulated instant of that activity.
 */
import { Context } from '@temporalio/activity';
import { DateTime } from 'luxon';

/**
 * The smallest N, a multiple of 4, with `start` + N years at or after `nowMs`. A multiple of 4 keeps leap years
 * where they were (2001–2099), so every day count between two dates is the same on both calendars.
 */
export function yearsToShift(startIso: string, nowMs: number): number {
  const start = DateTime.fromISO(startIso, { zone: 'UTC' });
  let n = 0;
  while (start.plus({ years: n }).toMillis() < nowMs) n += 4;
  return n;
}

/**
 * Moves instants by whole years in a guest's time zone, so a wall-clock time stays the same wall-clock time
 * (11:00 check-out in Shanghai is 11:00 on both calendars), and dates by whole years.
 */
export interface YearShift {
  years: number;
  /** Scenario instant → server instant (ms). */
  toServer(iso: string, zone: string): number;
  /** Scenario date → server date. */
  dateToServer(date: string): string;
  /** Server instant → the scenario's, in the guest's zone. */
  toScenario(ms: number, zone: string): DateTime;
  /** Server date → scenario date. */
  dateToScenario(date: string): string;
  /**
   * A text written on the server's calendar (a reason, a subject) in the scenario's: every `YYYY-MM-DD`, and
   * with `years` every other year number (2026…2099, not part of a longer number), moved back.
   */
  text(s: string, opts?: { years?: boolean }): string;
}

export function yearShift(years: number): YearShift {
  const utc = { zone: 'UTC' } as const;
  const dateToScenario = (d: string) => DateTime.fromISO(d, utc).minus({ years }).toISODate()!;
  return {
    years,
    toServer: (iso, zone) => DateTime.fromISO(iso, { zone }).plus({ years }).toMillis(),
    dateToServer: (d) => DateTime.fromISO(d, utc).plus({ years }).toISODate()!,
    toScenario: (ms, zone) => DateTime.fromMillis(ms, { zone }).minus({ years }),
    dateToScenario,
    text(s, opts = {}) {
      if (years === 0) return s;
      const dated = s.replace(/(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)/g, (d) => dateToScenario(d));
      return opts.years
        ? dated.replace(/(?<![\d-])(20[2-9]\d)(?![\d-])/g, (y) => String(Number(y) - years))
        : dated.replace(
            /\b(review of|review-) ?(\d{4})\b/g,
            (_m, p: string, y: string) => `${p}${p.endsWith('-') ? '' : ' '}${Number(y) - years}`,
          );
    },
  };
}

interface Window {
  startMs: number;
  endMs: number;
  simMs: number;
}

/**
 * Records, for every activity the simulator's worker runs, its real start and end and the test server's time
 * while it ran. The test server does not skip time while a workflow or activity task is outstanding, so
 * everything an activity writes happens at one simulated instant: a row stamped by Postgres (`now()`, real
 * time on the same machine) inside an activity's real window happened at that activity's simulated time.
 */
export class ActivityClock {
  private readonly windows: Window[] = [];

  constructor(private readonly serverNowMs: () => Promise<number>) {}

  /** The activities, each recording its window. */
  wrap<T extends object>(activities: T): T {
    const wrapped: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(activities)) {
      if (typeof fn !== 'function') {
        wrapped[name] = fn;
        continue;
      }
      wrapped[name] = async (...args: unknown[]) => {
        // The server does not skip time while this activity (or, for a local one, its workflow task) is
        // outstanding: one instant, to the millisecond, is the simulated time of everything the activity does.
        // A regular activity was just scheduled by the server; a local one asks it.
        const info = Context.current().info;
        const simMs = info.isLocal ? await this.serverNowMs() : info.currentAttemptScheduledTimestampMs;
        const w: Window = { startMs: Date.now(), endMs: Number.POSITIVE_INFINITY, simMs };
        this.windows.push(w);
        try {
          return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        } finally {
          w.endMs = Date.now();
        }
      };
    }
    return wrapped as T;
  }

  /**
   * The simulated instant of a real one written by an activity: the window that holds it (1 ms either side
   * for clock rounding), else the latest window that started before it.
   */
  simulated(real: Date | number): number | undefined {
    const t = typeof real === 'number' ? real : real.getTime();
    let before: Window | undefined;
    for (let i = this.windows.length - 1; i >= 0; i--) {
      const w = this.windows[i]!;
      if (w.startMs - 1 <= t && t <= w.endMs + 1) return w.simMs;
      if (!before && w.startMs <= t) before = w;
    }
    return before?.simMs;
  }

  get activities(): number {
    return this.windows.length;
  }
}
