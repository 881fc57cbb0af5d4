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
