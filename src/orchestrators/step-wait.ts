/**
 * The wait of one step attempt: the completion event first, raced with a polling timer on a capped
 * exponential backoff, the cancel event and the deadline. Each wake runs finishStep once: a final status is
 * finished there and then (logs, teardown) in the same activity; not final, the wait goes on. Every round
 * yields FRESH tasks (a task is never yielded twice: a reused task would be scheduled again by the host),
 * and cancels its timer when it loses.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import type { FinishStepInput, FinishStepOutput } from '../activities/contracts';
import { callActivity, nowMs } from './call';
import { events } from './contracts';
import { nextBackoff, POLL_AFTER_CALLBACK_MS, POLL_INITIAL_MS } from './step-policy';

export type Finished = Extract<FinishStepOutput, { finished: true }>;

export type WaitOutcome =
  | { readonly kind: 'finished'; readonly finish: Finished }
  | { readonly kind: 'timeout'; readonly finish: Finished }
  | { readonly kind: 'cancelled'; readonly finish: Finished };

export function* waitForStep(
  context: OrchestrationContext,
  target: Omit<FinishStepInput, 'ending'>,
  deadlineMs: number,
): Generator<Task, WaitOutcome, unknown> {
  const { ref } = target;
  const end = function* (kind: 'timeout' | 'cancelled') {
    try {
      const finish = (yield* callActivity(context, 'finishStep', { ...target, ending: kind })) as Finished;
      return { kind, finish } satisfies WaitOutcome;
    } catch (error) {
      // The attempt ends anyway: without its logs, and the step retries the teardown on its own.
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      const finish: Finished = { finished: true, logs: [], teardown: { outcome: 'retry', reason } };
      return { kind, finish } satisfies WaitOutcome;
    }
  };
  let backoff = POLL_INITIAL_MS;
  for (;;) {
    const now = nowMs(context);
    if (now >= deadlineMs) return yield* end('timeout');
    const completed = context.df.waitForExternalEvent(
      events.stepCompleted(ref.imageKey, ref.step, ref.attempt),
    );
    const cancel = context.df.waitForExternalEvent(events.cancel);
    const timer = context.df.createTimer(new Date(Math.min(now + backoff, deadlineMs)));
    const winner: unknown = yield context.df.Task.any([completed, cancel, timer]);
    if (winner !== timer) timer.cancel();
    if (winner === cancel) return yield* end('cancelled');
    if (winner === timer && nowMs(context) >= deadlineMs) return yield* end('timeout');
    const finish = yield* callActivity(context, 'finishStep', target);
    if (finish.finished) return { kind: 'finished', finish };
    backoff = winner === completed ? POLL_AFTER_CALLBACK_MS : nextBackoff(backoff);
  }
}

/** Waits `ms` unless the cancel event comes first; true when cancelled. */
export function* sleepUnlessCancelled(
  context: OrchestrationContext,
  ms: number,
): Generator<Task, boolean, unknown> {
  const cancel = context.df.waitForExternalEvent(events.cancel);
  const timer = context.df.createTimer(new Date(nowMs(context) + ms));
  const winner: unknown = yield context.df.Task.any([cancel, timer]);
  if (winner !== timer) {
    timer.cancel();
    return true;
  }
  return false;
}
