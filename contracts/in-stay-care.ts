/** The in-stay care of one stay (`inStayCare`, a child of the guest's workflow): input and result. A leaf module. */

/** The in-stay care of one PMS stay (a child of the guest's workflow, started by `stay.started`). */
export interface InStayCareInput {
  guestId: string;
  /** The parent's workflow ID: prefix of this child's idempotency keys. */
  guestWorkflowId: string;
  /** The PMS stay (source and the PMS's id): its `stay_checkins` row says whether the guest is in house. */
  source: string;
  pmsStayId: string;
  propertyCode: string;
  /** ISO instant of the check-in. */
  checkedInAt: string;
}

/** What became of the in-stay check: outbox id, its status, the local time it was due, why not sent. */
export interface InStayCareResult {
  outboxId: number;
  status: 'sent' | 'suppressed' | 'failed';
  /** `yyyy-LL-dd HH:mm` in the property's (else the guest's) zone. */
  localCheckAt: string;
  reason?: string;
}
