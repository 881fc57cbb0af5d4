/**
 * The query of `GET /v1/workflows`: filters that become a Temporal visibility query. Every value is one of a
 * fixed list or a checked pattern, so nothing a caller sends is written into the query as it came.
 */
import { z } from 'zod';
import { STAGES } from '../../domain/stages.js';
import { TIERS } from '../../domain/tiers.js';

/** The engine's workflow types (workflows/index.ts). */
export const WORKFLOW_TYPES = [
  'guestLifecycle',
  'postStayFollowUp',
  'inStayCare',
  'tierReview',
  'winBack',
  'serviceRecovery',
  'pmsEventSweeper',
] as const;

/** Temporal's execution statuses, as its visibility query names them. */
export const WORKFLOW_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
] as const;

export const listQuery = z.strictObject({
  type: z.enum(WORKFLOW_TYPES, { message: `must be one of ${WORKFLOW_TYPES.join(', ')}` }).optional(),
  status: z.enum(WORKFLOW_STATUSES, { message: `must be one of ${WORKFLOW_STATUSES.join(', ')}` }).optional(),
  stage: z.enum(STAGES, { message: `must be one of ${STAGES.join(', ')}` }).optional(),
  tier: z.enum(TIERS, { message: `must be one of ${TIERS.join(', ')}` }).optional(),
  property: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be a property code (letters, digits, _ or -, at most 32)')
    .optional(),
  limit: z.coerce
    .number({ message: 'must be a whole number from 1 to 100' })
    .int('must be a whole number from 1 to 100')
    .min(1, 'must be a whole number from 1 to 100')
    .max(100, 'must be a whole number from 1 to 100')
    .default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'must be the nextCursor of an earlier answer')
    .optional(),
});
export type ListQuery = z.infer<typeof listQuery>;

/** A workflow id of the engine's shape (`guest-<uuid>…`, `pms-event-sweeper`): letters, digits, `-`, `_`, `:`, `.`. */
export const workflowIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,255}$/, 'must be a workflow id (letters, digits, -, _, : or ., at most 255)');
