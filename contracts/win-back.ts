/** The win-back of a lapsed guest (`winBack`, a child of the guest's workflow): its input. A leaf module. */

export interface WinBackInput {
  guestId: string;
  guestWorkflowId: string;
  /** ISO instant of the lapse: offers are dated from it (days in the program rules). */
  lapsedAt: string;
}
