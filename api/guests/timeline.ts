/**
 * `GET /v1/guests/:id/timeline`: one list that explains every decision about a guest, newest first, a page at a
 * time: stage and tier changes, points, mails (sent, held, suppressed with the reason, failed), service case
 * steps, PMS events, audited actions and staff requests still waiting. The rows are read by
 * db/repositories/timeline.ts and made entries by lib/guest-timeline.ts (as the simulator's timeline is). The
 * first page also says what happens next: the guest workflow's dated deadlines (its `state` query's agenda,
 * domain/agenda.ts `datedDeadlines`, as `GET /v1/workflows/:id` shows them) and the mails planned.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import * as guests from '../../db/repositories/guests.js';
import * as mailPlan from '../../db/repositories/mail-plan.js';
import * as timeline from '../../db/repositories/timeline.js';
import { datedDeadlines } from '../../domain/agenda.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { checkSendWindow } from '../../domain/mail-policy.js';
import {
  decodeCursor,
  pageOf,
  plannedMails,
  timelineEntries,
  type GuestTimelineEntry,
  type PlannedMail,
  type TimelineCursor,
} from '../../lib/guest-timeline.js';
import { HttpError } from '../errors.js';
import { guestStateWithin, type GuestServiceDeps } from './service.js';

const LIMIT_MESSAGE = 'must be a whole number from 1 to 200';

/** The query: `limit` 1–200 (50), `cursor` the `nextCursor` of the page before; nothing else. */
export const timelineQuery = z.strictObject({
  limit: z.coerce
    .number({ message: LIMIT_MESSAGE })
    .int(LIMIT_MESSAGE)
    .min(1, LIMIT_MESSAGE)
    .max(200, LIMIT_MESSAGE)
    .default(50),
  cursor: z
    .string({ message: 'must be the nextCursor of an earlier answer' })
    .transform((text, ctx) => {
      const cursor = decodeCursor(text);
      if (!cursor) {
        ctx.addIssue({ code: 'custom', message: 'must be the nextCursor of an earlier answer' });
        return z.NEVER;
      }
      return cursor;
    })
    .optional(),
});
export type TimelineQuery = z.infer<typeof timelineQuery>;

/**
 * Why `next.deadlines` is empty: the guest's workflow was never started, has ended, or did not answer its state
 * query in time (no worker); or Temporal did not answer at all.
 */
export type NextUnavailable =
  'workflow_not_found' | 'workflow_not_running' | 'state_query_failed' | 'temporal_unavailable';

export interface TimelineNext {
  /** The guest workflow's dated deadlines, soonest first. */
  deadlines: { kind: string; at: string }[];
  /** Null when the deadlines are the workflow's answer. */
  unavailable: NextUnavailable | null;
  plannedMails: PlannedMail[];
}

export interface TimelinePageAnswer {
  guestId: string;
  limit: number;
  /** What happens next: on the first page (no cursor) only, else null. */
  next: TimelineNext | null;
  entries: GuestTimelineEntry[];
  /** The `cursor` of the next page; null on the last. */
  nextCursor: string | null;
}

async function deadlinesOf(
  deps: GuestServiceDeps,
  guestId: string,
): Promise<Pick<TimelineNext, 'deadlines' | 'unavailable'>> {
  const handle = deps.temporal.workflow.getHandle(guestWorkflowId(guestId));
  try {
    const timeoutMs = deps.queryTimeoutMs ?? 5000;
    const described = await Promise.race([
      handle.describe(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    if (described.status.name !== 'RUNNING') return { deadlines: [], unavailable: 'workflow_not_running' };
  } catch (err) {
    return {
      deadlines: [],
      unavailable: err instanceof WorkflowNotFoundError ? 'workflow_not_found' : 'temporal_unavailable',
    };
  }
  try {
    const state = await guestStateWithin(handle, deps.queryTimeoutMs);
    return { deadlines: datedDeadlines(state.agenda), unavailable: null };
  } catch {
    return { deadlines: [], unavailable: 'state_query_failed' };
  }
}

async function nextOf(deps: GuestServiceDeps, guestId: string, now: Date): Promise<TimelineNext> {
  const [deadlines, pending, followUps, settings] = await Promise.all([
    deadlinesOf(deps, guestId),
    timeline.pendingMails(deps.db, guestId),
    timeline.runningFollowUps(deps.db, guestId),
    mailPlan.planningSettings(deps.db),
  ]);
  if (!settings) throw new Error('program settings are missing');
  return {
    ...deadlines,
    plannedMails: plannedMails({
      pending,
      followUps,
      now: now.toISOString(),
      programWindow: checkSendWindow({ start: settings.send_window_start, end: settings.send_window_end }),
      frequencyCap: { cap: settings.marketing_frequency_cap, days: settings.marketing_frequency_days },
    }),
  };
}

export async function guestTimeline(
  deps: GuestServiceDeps,
  guestId: string,
  query: { limit: number; cursor?: TimelineCursor | undefined },
  opts: { now?: Date } = {},
): Promise<TimelinePageAnswer> {
  if (!(await guests.findById(deps.db, guestId)))
    throw new HttpError(404, 'guest_not_found', `no guest with id ${guestId}`, { field: 'id' });
  // One more than the page from each source: whether there is a next page.
  const [rows, next] = await Promise.all([
    timeline.timelineRows(deps.db, guestId, { limit: query.limit + 1, before: query.cursor }),
    query.cursor ? null : nextOf(deps, guestId, opts.now ?? new Date()),
  ]);
  const page = pageOf(timelineEntries(rows), query.limit);
  return { guestId, limit: query.limit, next, entries: page.entries, nextCursor: page.nextCursor };
}
