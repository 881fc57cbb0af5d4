/**
 * Named points where tests make an activity fail *after* its write, to prove
 * that the retry changes nothing. Production passes no injector.
 */
export type FaultPoint =
  | 'ledger.afterPost'
  | 'outbox.afterEnqueue'
  /** Between the SMTP server's acceptance and the outbox row's sent-mark. */
  | 'mail.beforeMarkSent'
  | 'mail.afterSend'
  /** A campaign mail accepted by the server, before its outbox row is marked sent (activities/campaigns.ts). */
  | 'campaign.afterAccept';

export type FaultInjector = (point: FaultPoint) => void;

export const noFaults: FaultInjector = () => undefined;
