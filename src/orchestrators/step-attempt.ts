/** One attempt of a step: admission, start, wait, status, logs, teardown (see step.orchestrator.ts). */
import type { OrchestrationContext } from 'durable-functions';
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

type Admitted = 'granted' | 'cancelled' | { readonly refused: StepError };

/** The run's budget claim for this attempt (none without a budget): src/admission/budget.ts. */
function budgetClaim(input: StepOrchestratorInput, ref: StepRef) {
  if (!input.budget) return {};
  const pool = input.step.pool;
  return {
    budget: {
      ...input.budget,
      imageKey: ref.imageKey,
      step: ref.step,
      attempt: ref.attempt,
      timeoutMs: input.step.timeoutMs,
      ...(pool ? { pool } : {}),
    },
  };
}

function* admit(context: OrchestrationContext, input: StepOrchestratorInput, ref: StepRef) {
  const since = nowMs(context);
  for (;;) {
    const answer = yield* callActivity(context, 'acquireAdmission', {
      kind: input.step.backend,
      leaseId: leaseIdOf(ref),
      runId: ref.runId,
      cpu: input.step.cpu,
      memoryGb: input.step.memoryGb,
      leaseMs: input.step.timeoutMs + LEASE_MARGIN_MS,
      waitedMs: nowMs(context) - since,
      ...budgetClaim(input, ref),
    });
    if (answer.granted) return 'granted' satisfies Admitted;
    if (answer.cancelled) return 'cancelled' satisfies Admitted;
    if ('refused' in answer)
      return { refused: { code: answer.refused, message: answer.reason } } satisfies Admitted;
    context.df.setCustomStatus({
      attempt: ref.attempt,
      phase: 'admission',
      waitingFor: answer.reason,
      waitingSince: new Date(since).toISOString(),
    } satisfies StepCustomStatus);
    log(context, 'step waiting for admission', {
      runId: ref.runId,
      image: ref.imageKey,
      step: ref.step,
      reason: answer.reason,
    });
    if (yield* sleepUnlessCancelled(context, answer.retryAfterMs)) return 'cancelled' satisfies Admitted;
  }
}

/**
 * Deletes the attempt's resource and frees its lease, waiting out throttled deletes on durable timers; after
 * FLOTILLA_TEARDOWN_WAIT_MS the activity hands the delete to the sweeper. Never throws: teardown never
 * changes the step's outcome (a teardown that keeps failing is the sweeper's, by run end or expiry).
 */
function* teardown(context: OrchestrationContext, input: StepOrchestratorInput, ref: StepRef) {
  context.df.setCustomStatus({ attempt: ref.attempt, phase: 'teardown' } satisfies StepCustomStatus);
  const since = nowMs(context);
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
        error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '',
      });
      return 'deferred' as const;
    }
  }
}

export const leaseIdOf = (ref: StepRef) => `${ref.runId}:${ref.imageKey}:${ref.step}#${ref.attempt}`;

export function* attempt(context: OrchestrationContext, input: StepOrchestratorInput, ref: StepRef) {
  const setPhase = (phase: StepCustomStatus['phase']) =>
    context.df.setCustomStatus({ attempt: ref.attempt, phase });
  const target = { kind: input.step.backend, ref };
  const leaseId = leaseIdOf(ref);
  setPhase('admission');
  const admitted = yield* admit(context, input, ref);
  if (admitted !== 'granted') {
    return {
      retry: false,
      cancelled: admitted === 'cancelled',
      logs: [],
      runMs: 0,
      startedAt: nowMs(context),
      ...(admitted === 'cancelled' ? {} : { error: admitted.refused }),
    } satisfies AttemptEnd;
  }
  setPhase('starting');
  const startedAt = nowMs(context);
  let started;
  try {
    started = yield* callActivity(context, 'startStep', { ...input, ref });
  } catch (error) {
    const deferred = yield* teardown(context, input, ref);
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return {
      retry: true,
      cancelled: false,
      logs: [],
      runMs: 0,
      startedAt,
      error: { code: 'start-failed', message },
      ...(deferred ? { teardown: deferred } : {}),
    } satisfies AttemptEnd;
  }
  if (started.outcome === 'permanent') {
    yield* callActivity(context, 'releaseAdmission', { kind: input.step.backend, leaseId });
    return {
      retry: false,
      cancelled: false,
      logs: [],
      runMs: 0,
      startedAt,
      error: { code: started.code, message: started.message },
    } satisfies AttemptEnd;
  }
  setPhase('waiting');
  const waited = yield* waitForStep(context, target, startedAt + input.step.timeoutMs);
  setPhase('finishing');
  const end = nowMs(context);
  const status = waited.kind === 'finished' ? waited.status : undefined;
  let logs: string[] = [];
  try {
    logs = yield* callActivity(context, 'saveStepLogs', {
      ...target,
      logsPrefix: logsPrefix(ref.runId, ref.imageKey, ref.step, ref.attempt),
    });
  } catch {
    // Logs are evidence, not the outcome: the step's result stands without them.
    log(context, 'step logs not saved', {
      runId: ref.runId,
      image: ref.imageKey,
      step: ref.step,
      attempt: ref.attempt,
    });
  }
  const succeeded = status?.state === 'succeeded';
  const error: StepError | undefined =
    waited.kind === 'timeout'
      ? { code: 'timeout', message: `the attempt ran longer than ${input.step.timeoutMs} ms` }
      : waited.kind === 'cancelled'
        ? { code: 'cancelled', message: 'the run was cancelled' }
        : succeeded || !status
          ? undefined
          : errorOf(status);
  let keptUntil: string | undefined;
  let deferred: 'deferred' | undefined;
  if (!succeeded && waited.kind === 'finished' && input.keepOnFailureMs > 0) {
    keptUntil = new Date(end + input.keepOnFailureMs).toISOString();
    yield* callActivity(context, 'keepStep', { ...target, keepUntil: keptUntil });
    yield* callActivity(context, 'releaseAdmission', { kind: input.step.backend, leaseId });
  } else {
    deferred = yield* teardown(context, input, ref);
  }
  return {
    status,
    error,
    retry: !succeeded && waited.kind !== 'cancelled' && !(status && isPermanentFailure(status)),
    cancelled: waited.kind === 'cancelled',
    logs,
    runMs: attemptRunMs(status, startedAt, end),
    startedAt,
    keptUntil,
    ...(deferred ? { teardown: deferred } : {}),
  } satisfies AttemptEnd;
}
