/**
 * One step of one image (or the run's finalize step), all its attempts: admission, start, wait, status,
 * logs, teardown. NEVER throws: every outcome is a StepResult. Secrets never pass through here: the start
 * activity resolves secret references and signs the callback token.
 */
import type { OrchestrationContext } from 'durable-functions';
import type { StepRef, StepStatus } from '../compute/port';
import { logsPrefix, outputsPrefix } from '../runs/plan';
import type { StepError, StepResult } from '../runs/records';
import { callActivity, log, nowMs } from './call';
import type { StepCustomStatus, StepInput } from './contracts';
import { attemptRunMs, errorOf, isPermanentFailure, LEASE_MARGIN_MS } from './step-policy';
import { sleepUnlessCancelled, waitForStep } from './step-wait';

interface AttemptEnd {
  readonly status?: StepStatus;
  readonly error?: StepError;
  readonly retry: boolean;
  readonly cancelled: boolean;
  readonly logs: readonly string[];
  readonly runMs: number;
  readonly startedAt: number;
  readonly keptUntil?: string;
}

function* admit(context: OrchestrationContext, input: StepInput, ref: StepRef) {
  for (;;) {
    const answer = yield* callActivity(context, 'acquireAdmission', {
      kind: input.step.backend,
      leaseId: `${ref.runId}:${ref.image}:${ref.step}#${ref.attempt}`,
      runId: ref.runId,
      cores: input.step.backend === 'aci' ? input.step.cpu : 0,
      leaseMs: input.step.timeoutMs + LEASE_MARGIN_MS,
    });
    if (answer.granted) return true;
    if (answer.cancelled) return false;
    log(context, 'step waiting for admission', {
      runId: ref.runId,
      image: ref.image,
      step: ref.step,
      reason: answer.reason,
    });
    if (yield* sleepUnlessCancelled(context, answer.retryAfterMs)) return false;
  }
}

function* attempt(context: OrchestrationContext, input: StepInput, ref: StepRef) {
  const setPhase = (phase: StepCustomStatus['phase']) =>
    context.df.setCustomStatus({ attempt: ref.attempt, phase });
  const target = { kind: input.step.backend, ref };
  const leaseId = `${ref.runId}:${ref.image}:${ref.step}#${ref.attempt}`;
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
  const logs = yield* callActivity(context, 'saveStepLogs', {
    ...target,
    logsPrefix: logsPrefix(ref.runId, ref.image, ref.step, ref.attempt),
  });
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

export function* stepOrchestrator(context: OrchestrationContext): Generator<unknown, StepResult, unknown> {
  const input = context.df.getInput<StepInput>();
  const maxAttempts = input.step.retries + 1;
  const base = {
    step: input.step.id,
    backend: input.step.backend,
    cpu: input.step.cpu,
    memoryGb: input.step.memoryGb,
    outputsPrefix: outputsPrefix(
      { runId: input.runId, outputs: input.outputs },
      input.imageKey,
      input.step.id,
    ),
  };
  let runMs = 0;
  for (let n = 1; ; n++) {
    const ref: StepRef = { runId: input.runId, image: input.imageKey, step: input.step.id, attempt: n };
    let end: AttemptEnd;
    try {
      end = yield* attempt(context, input, ref);
    } catch (error) {
      // Teardown activities exhausted their retries: the sweeper is the guarantee from here.
      const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      end = {
        retry: false,
        cancelled: false,
        logs: [],
        runMs: 0,
        startedAt: nowMs(context),
        error: { code: 'infrastructure', message },
      };
    }
    runMs += end.runMs;
    const done = end.cancelled || !end.retry || n >= maxAttempts || end.status?.state === 'succeeded';
    log(context, 'step attempt ended', {
      runId: ref.runId,
      image: ref.image,
      step: ref.step,
      attempt: n,
      state: end.status?.state ?? end.error?.code ?? 'unknown',
    });
    if (!done) continue;
    context.df.setCustomStatus({ attempt: n, phase: 'done' } satisfies StepCustomStatus);
    return {
      ...base,
      status: end.cancelled ? 'cancelled' : end.status?.state === 'succeeded' ? 'succeeded' : 'failed',
      attempts: n,
      exitCode: end.status?.exitCode,
      startedAt: end.status?.startedAt ?? new Date(end.startedAt).toISOString(),
      finishedAt: end.status?.finishedAt ?? context.df.currentUtcDateTime.toISOString(),
      runMs,
      logs: end.logs,
      error: end.error,
      keptUntil: end.keptUntil,
    };
  }
}
