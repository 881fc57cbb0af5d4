/**
 * Named points where tests make an activity fail *after* its write, to prove
 * that the retry changes nothing. Production passes no injector.
 */
export type FaultPoint = 'ledger.afterPost' | 'outbox.afterEnqueue' | 'mail.afterSend';

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
