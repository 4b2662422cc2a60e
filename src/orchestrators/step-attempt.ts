/**
 * One attempt of a step: start (admission folded in), wait, finish (status, logs, teardown folded in); see
 * docs/orchestration.md, "A step". Happy path: two activities, startStep and finishStep.
 */
import type { OrchestrationContext } from 'durable-functions';
import type { StepTeardown } from '../activities/contracts';
import type { StepRef, StepStatus } from '../compute/port';
import { logsPrefix } from '../runs/plan';
import type { StepError } from '../runs/records';
import { callActivity, log, nowMs } from './call';
import type { StepCustomStatus, StepOrchestratorInput } from './contracts';
import { attemptRunMs, errorOf, isPermanentFailure, LEASE_MARGIN_MS } from './step-policy';
import { sleepUnlessCancelled, waitForStep } from './step-wait';

export interface AttemptEnd {
  readonly status?: StepStatus;
  readonly error?: StepError;
  readonly retry: boolean;
  readonly cancelled: boolean;
  readonly logs: readonly string[];
  readonly runMs: number;
  readonly startedAt: number;
  readonly keptUntil?: string;
  readonly teardown?: 'deferred';
}

/** Where a step runs: its own instance, or its lane (inline). `publish` sets what its custom status says. */
export interface StepHost {
  readonly instanceId: string;
  publish(status: StepCustomStatus): void;
}

export const leaseIdOf = (ref: StepRef) => `${ref.runId}:${ref.imageKey}:${ref.step}#${ref.attempt}`;

const errorMessage = (error: unknown) =>
  error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);

/**
 * Completes a teardown that finishStep could not: a throttled delete waits on durable timers; after
 * FLOTILLA_TEARDOWN_WAIT_MS the activity hands it to the sweeper. Never throws: teardown never changes the
 * step's outcome (a teardown that keeps failing is the sweeper's, by run end or expiry).
 */
function* teardown(
  context: OrchestrationContext,
  input: StepOrchestratorInput,
  ref: StepRef,
  host: StepHost,
  first?: StepTeardown,
) {
  if (first?.outcome === 'released' || first?.outcome === 'kept') return undefined;
  if (first?.outcome === 'deferred') return 'deferred' as const;
  host.publish({ attempt: ref.attempt, phase: 'teardown' });
  const since = nowMs(context);
  if (first?.outcome === 'wait') yield context.df.createTimer(new Date(since + first.retryAfterMs));
  for (;;) {
    try {
      const answer = yield* callActivity(context, 'releaseStep', {
        kind: input.step.backend,
        ref,
        leaseId: leaseIdOf(ref),
        waitedMs: nowMs(context) - since,
      });
      if (answer.outcome === 'released') return undefined;
      if (answer.outcome === 'deferred') return 'deferred' as const;
      yield context.df.createTimer(new Date(nowMs(context) + answer.retryAfterMs));
    } catch (error) {
      log(context, 'step teardown failed; the sweeper will delete it', {
        runId: ref.runId,
        image: ref.imageKey,
        step: ref.step,
        attempt: ref.attempt,
        error: errorMessage(error),
      });
      return 'deferred' as const;
    }
  }
}

type Started =
  | { readonly kind: 'started'; readonly startedAt: number }
  | { readonly kind: 'ended'; readonly end: AttemptEnd };

/** startStep until it starts, or admission, a permanent failure or cancel ends the attempt. */
function* start(context: OrchestrationContext, input: StepOrchestratorInput, ref: StepRef, host: StepHost) {
  const since = nowMs(context);
  const ended = (end: Omit<AttemptEnd, 'logs' | 'runMs'>): Started => ({
    kind: 'ended',
    end: { logs: [], runMs: 0, ...end },
  });
  for (;;) {
    const startedAt = nowMs(context);
    let answer;
    try {
      answer = yield* callActivity(context, 'startStep', {
        ...input,
        ref,
        callbackInstance: host.instanceId,
        admission: {
          leaseId: leaseIdOf(ref),
          leaseMs: input.step.timeoutMs + LEASE_MARGIN_MS,
          waitedMs: startedAt - since,
        },
      });
    } catch (error) {
      // The start may have gone through before it failed: tear down whatever exists.
      const deferred = yield* teardown(context, input, ref, host);
      return ended({
        retry: true,
        cancelled: false,
        startedAt,
        error: { code: 'start-failed', message: errorMessage(error) },
        ...(deferred ? { teardown: deferred } : {}),
      });
    }
    if (answer.outcome === 'started') return { kind: 'started', startedAt } satisfies Started;
    if (answer.outcome === 'permanent')
      return ended({
        retry: false,
        cancelled: false,
        startedAt,
        error: { code: answer.code, message: answer.message },
      });
    const admission = answer.answer;
    if (admission.cancelled) return ended({ retry: false, cancelled: true, startedAt });
    if ('refused' in admission)
      return ended({
        retry: false,
        cancelled: false,
        startedAt,
        error: { code: admission.refused, message: admission.reason },
      });
    host.publish({
      attempt: ref.attempt,
      phase: 'admission',
      waitingFor: admission.reason,
      waitingSince: new Date(since).toISOString(),
    });
    log(context, 'step waiting for admission', {
      runId: ref.runId,
      image: ref.imageKey,
      step: ref.step,
      reason: admission.reason,
    });
    if (yield* sleepUnlessCancelled(context, admission.retryAfterMs))
      return ended({ retry: false, cancelled: true, startedAt: nowMs(context) });
  }
}

export function* attempt(
  context: OrchestrationContext,
  input: StepOrchestratorInput,
  ref: StepRef,
  host: StepHost,
) {
  host.publish({ attempt: ref.attempt, phase: 'admission' });
  const started = yield* start(context, input, ref, host);
  if (started.kind === 'ended') return started.end;
  const { startedAt } = started;
  host.publish({ attempt: ref.attempt, phase: 'waiting' });
  const waited = yield* waitForStep(
    context,
    {
      kind: input.step.backend,
      ref,
      leaseId: leaseIdOf(ref),
      logsPrefix: logsPrefix(ref.runId, ref.imageKey, ref.step, ref.attempt),
      keepOnFailureMs: input.keepOnFailureMs,
    },
    startedAt + input.step.timeoutMs,
  );
  const end = nowMs(context);
  const status = waited.kind === 'finished' ? waited.finish.status : undefined;
  const succeeded = status?.state === 'succeeded';
  const error: StepError | undefined =
    waited.kind === 'timeout'
      ? { code: 'timeout', message: `the attempt ran longer than ${input.step.timeoutMs} ms` }
      : waited.kind === 'cancelled'
        ? { code: 'cancelled', message: 'the run was cancelled' }
        : succeeded || !status
          ? undefined
          : errorOf(status);
  const first = waited.finish.teardown;
  const deferred = yield* teardown(context, input, ref, host, first);
  return {
    status,
    error,
    retry: !succeeded && waited.kind !== 'cancelled' && !(status && isPermanentFailure(status)),
    cancelled: waited.kind === 'cancelled',
    logs: waited.finish.logs,
    runMs: attemptRunMs(status, startedAt, end),
    startedAt,
    ...(first.outcome === 'kept' ? { keptUntil: first.keptUntil } : {}),
    ...(deferred ? { teardown: deferred } : {}),
  } satisfies AttemptEnd;
}
