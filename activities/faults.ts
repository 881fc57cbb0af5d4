/**
 * Named points where tests make an activity fail *after* its write, to prove
 * that the retry changes nothing. Production passes no injector.
 */
export type FaultPoint =
  | 'ledger.afterPost'
  | 'outbox.afterEnqueue'
  /** Between the SMTP server's acceptance and the outbox row's sent-mark. */
  | 'mail.beforeMarkSent'
  | 'mail.afterSend';

export type FaultInjector = (point: FaultPoint) => void;

export const noFaults: FaultInjector = () => undefined;

/** Throws once at each listed point, then lets every later call through. Records what it did. */
export function failOnceAt(...points: FaultPoint[]): FaultInjector & { fired: FaultPoint[] } {
  const remaining = new Set(points);
  const fired: FaultPoint[] = [];
  const inject = (point: FaultPoint) => {
    if (remaining.delete(point)) {
      fired.push(point);
      throw new Error(`injected fault at ${point}`);
    }
  };
  return Object.assign(inject, { fired });
}

/** Throws the first `times` calls at `point` (e.g. a database that stays down for a while). */
export function failTimesAt(point: FaultPoint, times: number): FaultInjector & { fired: number } {
  const state = { fired: 0 };
  const inject = (p: FaultPoint) => {
    if (p === point && state.fired < times) {
      state.fired += 1;
      throw new Error(`injected fault ${state.fired}/${times} at ${point}`);
    }
  };
  return Object.defineProperty(inject, 'fired', { get: () => state.fired }) as FaultInjector & {
    fired: number;
  };
}
