/**
 * Hands a message to a guest's workflow: signal-with-start on `guest-<id>`,
 * so the first message starts the workflow and a guest whose run failed or
 * was terminated gets a new run, which loads the guest from Postgres
 * (WorkflowIdReusePolicy ALLOW_DUPLICATE: the next event continues the guest).
 */
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { guestWorkflowId } from '../domain/ids.js';
import type { GuestMessage } from '../domain/messages.js';
import { GUEST_WORKFLOW_TYPE, guestMessageSignal, type GuestLifecycleWorkflow } from '../contracts/guest.js';

/** gRPC NOT_FOUND: a signal can race a continue-as-new on some servers (sdk-java #1538); retried. */
function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  return e?.code === 5 || e?.cause?.code === 5;
}

export async function signalGuest(
  client: Client,
  input: { guestId: string; taskQueue: string; message: GuestMessage },
): Promise<string> {
  const workflowId = guestWorkflowId(input.guestId);
  for (let attempt = 1; ; attempt++) {
    try {
      await client.workflow.signalWithStart<GuestLifecycleWorkflow, [GuestMessage]>(GUEST_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: input.taskQueue,
        args: [{ guestId: input.guestId }],
        signal: guestMessageSignal,
        signalArgs: [input.message],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      return workflowId;
    } catch (err) {
      if (attempt >= 3 || !isNotFound(err)) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
