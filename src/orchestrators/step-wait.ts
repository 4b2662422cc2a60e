/**
 * The wait of one step attempt: the completion event first, raced with a polling timer on a capped
 * exponential backoff, the cancel event and the deadline. Every round yields FRESH tasks (a task is never
 * yielded twice: a reused task would be scheduled again by the host), and cancels its timer when it loses.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import type { StepStatus } from '../compute/port';
import type { StepRefInput } from '../activities/contracts';
import { callActivity, nowMs } from './call';
import { events } from './contracts';
import { isFinal, nextBackoff, POLL_AFTER_CALLBACK_MS, POLL_INITIAL_MS } from './step-policy';

export type WaitOutcome =
  | { readonly kind: 'finished'; readonly status: StepStatus }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'cancelled' };

export function* waitForStep(
  context: OrchestrationContext,
  target: StepRefInput,
  deadlineMs: number,
): Generator<Task, WaitOutcome, unknown> {
  let backoff = POLL_INITIAL_MS;
  for (;;) {
    const now = nowMs(context);
    if (now >= deadlineMs) return { kind: 'timeout' };
    const completed = context.df.waitForExternalEvent(events.stepCompleted(target.ref.attempt));
    const cancel = context.df.waitForExternalEvent(events.cancel);
    const timer = context.df.createTimer(new Date(Math.min(now + backoff, deadlineMs)));
    const winner: unknown = yield context.df.Task.any([completed, cancel, timer]);
    if (winner !== timer) timer.cancel();
    if (winner === cancel) return { kind: 'cancelled' };
    if (winner === timer && nowMs(context) >= deadlineMs) return { kind: 'timeout' };
    const status = yield* callActivity(context, 'getStepStatus', target);
    if (isFinal(status)) return { kind: 'finished', status };
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
