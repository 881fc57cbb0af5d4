/**
 * A service-recovery case (`serviceRecovery`, a child of the guest's workflow, ID `guest-<guestId>-case-<caseId>`):
 * its input and state, the staff requests and what they answer, the query and Updates, and what its activities
 * report. A leaf module (imports only domain/ and @temporalio/workflow); ids, enums and numbers only. The enums
 * (status, SLA state, compensation kind, cost bucket) and the agenda are domain/cases.ts's.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  CaseAgenda,
  CaseCostBucket,
  CaseDeadlineKind,
  CaseSlaState,
  CaseStatus,
  CompensationKind,
} from '../domain/cases.js';

/** The workflow type, for clients that start it by name. */
export const CASE_WORKFLOW_TYPE = 'serviceRecovery';
/** The workflow function's signature, for typed clients. */
export type ServiceRecoveryWorkflow = (input: ServiceRecoveryInput) => Promise<ServiceRecoveryResult>;

/** The case mails: three to the guest, two to the property's staff. */
export type CaseMail =
  | 'case-acknowledgement'
  | 'case-resolution'
  | 'case-satisfaction-check'
  | 'case-escalation-duty-manager'
  | 'case-escalation-general-manager';

/** Amounts in cents of the frontline limit's currency. */
export interface CaseLimits {
  currency: string;
  /** Granted at once up to this; 0 = every compensation waits for a manager. */
  frontlineCents: number;
  /** What a manager may approve. */
  managerCents: number;
}

/** Where a case stands, as an activity reads it from Postgres (ids, enums and numbers only). */
export interface CaseSnapshot {
  status: CaseStatus;
  slaState: CaseSlaState;
  acknowledged: boolean;
  resolutions: number;
  reopened: number;
  /** The satisfaction check of the current resolution went out. */
  satisfactionAsked: boolean;
  agenda: CaseAgenda;
  limits: CaseLimits;
  /** Compensations above the frontline limit, waiting for a manager. */
  awaitingApproval: { compensationId: string; valueCents: number }[];
}

export interface ServiceRecoveryState extends CaseSnapshot {
  /** Requests taken from the inbox, over every run. */
  itemsHandled: number;
  /** Requests refused when their turn came (after their validator had let them in). */
  itemsRefused: number;
  /** Deadlines already handled (`<kind>@<at>`, the latest few): an agenda read again never fires one twice. */
  deadlinesDone: string[];
}

/** What the case's loop takes, in order: staff requests from the API, each answered with its result. */
export type CaseInboxItem =
  | { type: 'assign'; requestId: string }
  | { type: 'note'; requestId: string }
  | {
      type: 'compensation';
      requestId: string;
      kind: CompensationKind;
      valueCents: number;
      points: number | null;
    }
  | { type: 'approval'; requestId: string; compensationId: string }
  | { type: 'resolve'; requestId: string }
  | { type: 'satisfaction'; requestId: string; satisfied: boolean };

export interface ServiceRecoveryInput {
  guestId: string;
  /** The parent's workflow ID (`guest-<id>`): told `case.closed` when the case closes. */
  guestWorkflowId: string;
  caseId: string;
  /** Carried by continue-as-new. */
  state?: ServiceRecoveryState;
  inbox?: CaseInboxItem[];
}

export interface ServiceRecoveryResult {
  caseId: string;
  status: CaseStatus;
  resolutions: number;
  reopened: number;
}

/** Update inputs: ids, enums and numbers; the words (assignee, note, resolution) are in `case_requests`. */
export interface CaseRequest {
  requestId: string;
}

export interface CompensationRequest {
  requestId: string;
  kind: CompensationKind;
  /** The value in cents of the frontline limit's currency (the API converts). */
  valueCents: number;
  /** For `points`: how many (a ledger row with reason `compensation`). */
  points?: number;
}

export interface ApproveCompensationRequest {
  requestId: string;
  /** The compensation's request id. */
  compensationId: string;
}

export interface SatisfactionAnswer {
  requestId: string;
  satisfied: boolean;
}

/** What a case Update answers: where the case stands after it, and what the step did. */
export interface CaseStepResult {
  status: CaseStatus;
  compensation?: {
    compensationId: string;
    status: 'granted' | 'awaiting_approval';
    valueCents: number;
    ledgerId: number | null;
    /** Points on the guest's ledger (a points compensation); absent in results recorded before it was kept. */
    points?: number | null;
  };
  costBucket?: CaseCostBucket;
}

/** What the `caseState` query answers. */
export interface CaseStateView extends ServiceRecoveryState {
  caseId: string;
  guestId: string;
  pendingItems: number;
  nextDeadline: { kind: CaseDeadlineKind; at: string } | null;
}

/** What a case activity that applies a staff request reports: its result, and the case after it. */
export interface CaseStep {
  result: CaseStepResult;
  snapshot: CaseSnapshot;
}

// ---- messages ------------------------------------------------------------------------------------------------

/** Where the case stands now: status, SLA state, agenda, compensations waiting for a manager. */
export const caseStateQuery = defineQuery<CaseStateView>('caseState');

/**
 * Staff requests on a case (api/cases), answered with a validated result. Each carries the id of a
 * `case_requests` row, which holds the words (assignee, note, resolution, comment), and is sent with that id
 * as its Update id. Validators are synchronous and throw ApplicationFailure with a type; a refused request
 * writes nothing.
 */
/** Give the case to a department and person (the receiver stays its owner). Not on a closed case. */
export const assignCaseUpdate = defineUpdate<CaseStepResult, [CaseRequest]>('assignCase');
/** A note on the case. Not on a closed case. */
export const addCaseNoteUpdate = defineUpdate<CaseStepResult, [CaseRequest]>('addCaseNote');
/**
 * Compensate the guest (points, refund note, upgrade voucher): granted at once up to the frontline limit,
 * above it waiting for `approveCompensation`; never above what a manager may approve.
 */
export const requestCompensationUpdate = defineUpdate<CaseStepResult, [CompensationRequest]>(
  'requestCompensation',
);
/** A manager approves a compensation waiting for approval (case not closed, within the manager's limit). */
export const approveCompensationUpdate = defineUpdate<CaseStepResult, [ApproveCompensationRequest]>(
  'approveCompensation',
);
/** The case is solved: resolution mail, satisfaction check 3 days later. Not while a compensation waits. */
export const resolveCaseUpdate = defineUpdate<CaseStepResult, [CaseRequest]>('resolveCase');
/** The guest's answer to the satisfaction check: satisfied → closed, not → reopened. Only when resolved. */
export const answerSatisfactionUpdate = defineUpdate<CaseStepResult, [SatisfactionAnswer]>(
  'answerSatisfaction',
);
