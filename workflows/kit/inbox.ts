/**
 * The entity workflow's inbox, as workflows/guest-lifecycle.ts keeps it: signals and staff Updates push items
 * onto one queue, the workflow's loop takes them one at a time in arrival order, and each staff request's Update
 * waits until the loop answers it with its result or a refusal.
 * Before continue-as-new the run waits for every handler to finish (`allHandlersFinished`) and for its own
 * work in flight (mails waiting for their send time): an Update is never cut off and nothing is left behind.
 */
import { ApplicationFailure, allHandlersFinished, condition } from '@temporalio/workflow';

/** A request refused at its turn: its Update fails with `type` (a non-retryable ApplicationFailure). */
export interface Refusal {
  error: string;
  type: string;
}

export class Inbox<Item, Result extends object> {
  /** Waiting, oldest first; carried to the next run by continue-as-new. */
  readonly items: Item[];
  /** The answers to requests handled, by request id, until their Update takes them. */
  private readonly answers: Record<string, Result | Refusal> = {};

  constructor(carried?: readonly Item[]) {
    this.items = [...(carried ?? [])];
  }

  get length(): number {
    return this.items.length;
  }

  /** A signal's item: queued, nobody waits for it. */
  push(item: Item): void {
    this.items.push(item);
  }

  /** The next item for the loop. */
  shift(): Item | undefined {
    return this.items.shift();
  }

  /**
   * A staff request, from its Update's handler (after the validator let it in): queued like any item; resolves
   * with the answer the loop gives it, or fails the Update with its refusal.
   */
  async request<R extends Result>(item: Item & { requestId: string }): Promise<R> {
    const { requestId } = item;
    this.items.push(item);
    await condition(() => this.answers[requestId] !== undefined);
    const answer = this.answers[requestId]!;
    delete this.answers[requestId];
    if ('error' in answer) throw ApplicationFailure.nonRetryable(answer.error, answer.type);
    return answer as R;
  }

  /** The loop's answer to a request: its result, or a refusal. */
  answer(requestId: string, answer: Result | Refusal): void {
    this.answers[requestId] = answer;
  }

  /**
   * Before continue-as-new (or the end): waits until every handler has finished and `busy()` (work of the
   * run's own still in flight) is false, or an item `first` picks arrives (by default any). True when the run
   * may go on to continue as new, carrying what waits; false when such items wait, which the loop handles
   * first (a guest's run answers the staff requests and carries its messages: workflows/guest-lifecycle.ts).
   */
  async settled(
    busy: () => boolean = () => false,
    first: (item: Item) => boolean = () => true,
  ): Promise<boolean> {
    await condition(() => (allHandlersFinished() && !busy()) || this.items.some(first));
    return !this.items.some(first);
  }
}

/** Work the run started and does not await (mails held for their send time, children): counted until it ends. */
export class InFlight {
  count = 0;

  /** Counts `work` until it settles, however it ends; a failure is the caller's to handle (catch it first). */
  add(work: Promise<unknown>): void {
    this.count += 1;
    void work.finally(() => {
      this.count -= 1;
    });
  }

  get idle(): boolean {
    return this.count === 0;
  }
}
