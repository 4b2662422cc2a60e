/**
 * One step of one image (or the run's finalize step), all its attempts: admission, start, wait, status,
 * logs, teardown. NEVER throws: every outcome is a StepResult. Secrets never pass through here: the start
 * activity resolves secret references and the adapter signs the callback token.
 */
import type { OrchestrationContext } from 'durable-functions';
import type { StepRef } from '../compute/port';
import { outputsPrefix } from '../runs/plan';
import type { StepResult } from '../runs/records';
import type { StepCustomStatus, StepOrchestratorInput } from './contracts';
import { callActivity, log, nowMs } from './call';
import { attempt, leaseIdOf, type AttemptEnd } from './step-attempt';

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
  const maxAttempts = input.step.retries + 1;
  const base = {
    step: input.step.id,
    backend: input.step.backend,
    cpu: input.step.cpu,
    memoryGb: input.step.memoryGb,
  };
  let runMs = 0;
  let teardown: 'deferred' | undefined;
  for (let n = 1; ; n++) {
    const ref: StepRef = { runId: input.runId, imageKey: input.imageKey, step: input.step.id, attempt: n };
    let end: AttemptEnd;
    try {
      end = yield* attempt(context, input, ref);
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
    if (input.budget) yield* settleBudget(context, input, ref, end.runMs);
    const done = end.cancelled || !end.retry || n >= maxAttempts || end.status?.state === 'succeeded';
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
    context.df.setCustomStatus({ attempt: n, phase: 'done' } satisfies StepCustomStatus);
    return {
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
      exitCode: end.status?.exitCode,
      startedAt: end.status?.startedAt ?? new Date(end.startedAt).toISOString(),
      finishedAt: end.status?.finishedAt ?? context.df.currentUtcDateTime.toISOString(),
      runMs,
      logs: end.logs,
      error: end.error,
      keptUntil: end.keptUntil,
      ...(teardown ? { teardown } : {}),
    };
  }
}
