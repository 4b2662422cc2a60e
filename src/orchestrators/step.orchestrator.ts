/**
 * One step of one image (or the run's finalize step), all its attempts: start (admission folded in), wait,
 * finish (status, logs, teardown folded in). NEVER throws: every outcome is a StepResult. `runStep` runs
 * inline in its lane (a wave of one ACI step) or in a step instance (`stepOrchestrator`: the steps of a
 * wider wave, Batch steps and finalize). Secrets never pass through here: the start activity resolves secret
 * references and the adapter signs the callback token.
 */
import type { OrchestrationContext } from 'durable-functions';
import type { StepRef } from '../compute/port';
import { outputsPrefix } from '../runs/plan';
import type { AttemptSummary, StepResult } from '../runs/records';
import { callActivity, log, nowMs } from './call';
import type { StepOrchestratorInput } from './contracts';
import { isOutOfMemory, nextAttempt, withMemory } from './retry-policy';
import { attempt, leaseIdOf, type AttemptEnd, type StepHost } from './step-attempt';
import { cachedResult, lookupStepCache, recordStepCache } from './step-cache';

/**
 * The attempt's budget reservation becomes what it ran. A settle that keeps failing leaves the worst case
 * reserved (the cap still holds; later steps may wait or be refused) and is logged, never the step's outcome.
 */
function* settleBudget(
  context: OrchestrationContext,
  input: StepOrchestratorInput,
  ref: StepRef,
  runMs: number,
) {
  try {
    yield* callActivity(context, 'settleBudget', {
      runId: ref.runId,
      leaseId: leaseIdOf(ref),
      backend: input.step.backend,
      cpu: input.step.cpu,
      memoryGb: input.step.memoryGb,
      ...(input.step.pool ? { pool: input.step.pool } : {}),
      runMs,
    });
  } catch (error) {
    log(context, 'budget not settled; the attempt stays reserved at its worst case', {
      runId: ref.runId,
      image: ref.imageKey,
      step: ref.step,
      attempt: ref.attempt,
      error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '',
    });
  }
}

export function* stepOrchestrator(context: OrchestrationContext): Generator<unknown, StepResult, unknown> {
  const input = context.df.getInput<StepOrchestratorInput>();
  return yield* runStep(context, input, {
    instanceId: context.df.instanceId,
    publish: (status) => context.df.setCustomStatus(status),
  });
}

export function* runStep(
  context: OrchestrationContext,
  input: StepOrchestratorInput,
  host: StepHost,
): Generator<unknown, StepResult, unknown> {
  const maxAttempts = input.step.retries + 1;
  const base = {
    step: input.step.id,
    backend: input.step.backend,
    cpu: input.step.cpu,
    memoryGb: input.step.memoryGb,
  };
  // The step cache (docs/orchestration.md, 'Step cache'): a hit ends the step here, before any admission.
  const cache = yield* lookupStepCache(context, input);
  if (cache?.hit) return cachedResult(context, input, cache, (status) => host.publish(status));
  let runMs = 0;
  let teardown: 'deferred' | undefined;
  // Each attempt's memory: the spec's, grown after an out-of-memory kill (retry.onOutOfMemory).
  let memoryGb = input.step.memoryGb;
  const history: AttemptSummary[] = [];
  for (let n = 1; ; n++) {
    const ref: StepRef = { runId: input.runId, imageKey: input.imageKey, step: input.step.id, attempt: n };
    let end: AttemptEnd;
    try {
      end = yield* attempt(context, withMemory(input, memoryGb), ref, host);
    } catch (error) {
      // An activity of the attempt exhausted its retries (teardown itself never throws).
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
    teardown ??= end.teardown;
    if (input.budget) yield* settleBudget(context, withMemory(input, memoryGb), ref, end.runMs);
    const succeeded = end.status?.state === 'succeeded';
    const next = nextAttempt(input.step.retry, memoryGb, succeeded ? undefined : end.status);
    history.push({
      attempt: n,
      memoryGb,
      runMs: end.runMs,
      ...(end.status?.exitCode !== undefined ? { exitCode: end.status.exitCode } : {}),
      ...(isOutOfMemory(end.status) ? { outOfMemory: true as const } : {}),
      ...(end.error ? { error: end.error.code } : {}),
    });
    memoryGb = next.memoryGb;
    const done = end.cancelled || !end.retry || !next.retry || n >= maxAttempts || succeeded;
    const stoppedBy = !succeeded && end.retry && !end.cancelled && n < maxAttempts ? next.why : undefined;
    log(context, 'step attempt ended', {
      runId: ref.runId,
      image: ref.imageKey,
      step: ref.step,
      attempt: n,
      state: end.status?.state ?? end.error?.code ?? 'unknown',
    });
    if (!done) continue;
    // Refused by the budget before any attempt ran: the step did not run (skipped, no attempt).
    const notRun = end.error?.code === 'budget-exceeded' && n === 1;
    host.publish({ attempt: n, phase: 'done' });
    return yield* recordStepCache(context, input, cache, {
      ...base,
      // The attempt that ended the step: when it succeeded, its outputs are the step's outputs.
      outputsPrefix: outputsPrefix(
        { runId: input.runId, outputs: input.outputs },
        input.imageKey,
        input.step.id,
        n,
      ),
      status: end.cancelled
        ? 'cancelled'
        : end.status?.state === 'succeeded'
          ? 'succeeded'
          : notRun
            ? 'skipped'
            : 'failed',
      attempts: notRun ? 0 : n,
      attemptHistory: history,
      exitCode: end.status?.exitCode,
      startedAt: end.status?.startedAt ?? new Date(end.startedAt).toISOString(),
      finishedAt: end.status?.finishedAt ?? context.df.currentUtcDateTime.toISOString(),
      runMs,
      logs: end.logs,
      error:
        end.error && stoppedBy
          ? { ...end.error, message: `${end.error.message}; not retried: ${stoppedBy}` }
          : end.error,
      keptUntil: end.keptUntil,
      ...(teardown ? { teardown } : {}),
    });
  }
}
