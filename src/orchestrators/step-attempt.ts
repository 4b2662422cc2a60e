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
}

function* admit(context: OrchestrationContext, input: StepOrchestratorInput, ref: StepRef) {
  for (;;) {
    const answer = yield* callActivity(context, 'acquireAdmission', {
      kind: input.step.backend,
      leaseId: `${ref.runId}:${ref.imageKey}:${ref.step}#${ref.attempt}`,
      runId: ref.runId,
      cores: input.step.backend === 'aci' ? input.step.cpu : 0,
      leaseMs: input.step.timeoutMs + LEASE_MARGIN_MS,
    });
    if (answer.granted) return true;
    if (answer.cancelled) return false;
    log(context, 'step waiting for admission', {
      runId: ref.runId,
      image: ref.imageKey,
      step: ref.step,
      reason: answer.reason,
    });
    if (yield* sleepUnlessCancelled(context, answer.retryAfterMs)) return false;
  }
}

export function* attempt(context: OrchestrationContext, input: StepOrchestratorInput, ref: StepRef) {
  const setPhase = (phase: StepCustomStatus['phase']) =>
    context.df.setCustomStatus({ attempt: ref.attempt, phase });
  const target = { kind: input.step.backend, ref };
  const leaseId = `${ref.runId}:${ref.imageKey}:${ref.step}#${ref.attempt}`;
  setPhase('admission');
  if (!(yield* admit(context, input, ref))) {
    return {
      retry: false,
      cancelled: true,
      logs: [],
      runMs: 0,
      startedAt: nowMs(context),
    } satisfies AttemptEnd;
  }
  setPhase('starting');
  const startedAt = nowMs(context);
  let started;
  try {
    started = yield* callActivity(context, 'startStep', { ...input, ref });
  } catch (error) {
    yield* callActivity(context, 'releaseStep', target);
    yield* callActivity(context, 'releaseAdmission', { kind: input.step.backend, leaseId });
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return {
      retry: true,
      cancelled: false,
      logs: [],
      runMs: 0,
      startedAt,
      error: { code: 'start-failed', message },
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
  if (!succeeded && waited.kind === 'finished' && input.keepOnFailureMs > 0) {
    keptUntil = new Date(end + input.keepOnFailureMs).toISOString();
    yield* callActivity(context, 'keepStep', { ...target, keepUntil: keptUntil });
  } else {
    yield* callActivity(context, 'releaseStep', target);
  }
  yield* callActivity(context, 'releaseAdmission', { kind: input.step.backend, leaseId });
  return {
    status,
    error,
    retry: !succeeded && waited.kind !== 'cancelled' && !(status && isPermanentFailure(status)),
    cancelled: waited.kind === 'cancelled',
    logs,
    runMs: attemptRunMs(status, startedAt, end),
    startedAt,
    keptUntil,
  } satisfies AttemptEnd;
}
