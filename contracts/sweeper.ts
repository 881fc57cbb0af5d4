/** The PMS event sweeper (`pmsEventSweeper`, one per namespace): its input. A leaf module. */

export interface PmsEventSweeperInput {
  /** Time between passes (default 60 s). */
  intervalSeconds?: number;
  /** Events per pass (default 100). */
  batchSize?: number;
  /** An event never signalled is re-driven this long after it was received (default 60 s). */
  unsignalledAfterSeconds?: number;
  /** A signalled event not handled this long after the signal is re-driven (default 300 s, doubling per re-drive). */
  unhandledAfterSeconds?: number;
  /** Passes per run before continue-as-new (default 200). */
  passesPerRun?: number;
}
