/**
 * Starts a child by its business-key ID, once: a child with that ID already started (by an earlier run, or by a
 * repeated message) is not an error. Returns the handle of a child this call started, `undefined` otherwise.
 */
import {
  log,
  startChild,
  type ChildWorkflowHandle,
  type ChildWorkflowOptions,
  type Workflow,
  type WithWorkflowArgs,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';

export async function startChildOnce<T extends Workflow>(
  workflow: T,
  options: WithWorkflowArgs<T, Omit<ChildWorkflowOptions, 'typeInfo'> & { typeInfo?: never }> & {
    workflowId: string;
  },
): Promise<ChildWorkflowHandle<T> | undefined> {
  try {
    return await startChild(workflow, options);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    log.info('child already started', { workflowId: options.workflowId });
    return undefined;
  }
}
