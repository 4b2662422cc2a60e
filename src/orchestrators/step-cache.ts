/**
 * The step cache's hooks in the step orchestration (docs/orchestration.md, 'Step cache'): a lookup before
 * the first admission (a hit ends the step `cached`: no container, no cost) and, after a run that succeeded,
 * the index write. Neither ever fails the step: a lookup that fails runs the step; a write that fails is
 * recorded in the step's result (`cache.stored: false`, `cache.problem`).
 */
import type { OrchestrationContext } from 'durable-functions';
import type { LookupResult } from '../cache/types';
import type { StepCacheInfo, StepResult } from '../runs/records';
import { callActivity, log } from './call';
import type { StepCustomStatus, StepOrchestratorInput } from './contracts';

const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

/** The lookup, when the step's cache is on; undefined when it is off. */
export function* lookupStepCache(context: OrchestrationContext, input: StepOrchestratorInput) {
  if (!input.step.cache) return undefined;
  try {
    return yield* callActivity(context, 'lookupStepCache', {
      runId: input.runId,
      imageKey: input.imageKey,
      step: input.step,
      source: input.source,
      outputs: input.outputs,
      sinkSteps: input.sinkSteps,
      ...(input.upstream ? { upstream: input.upstream } : {}),
      ...(input.upstreamKeys ? { upstreamKeys: input.upstreamKeys } : {}),
    });
  } catch (error) {
    // The activity degrades on storage errors itself; this is the host failing it: run the step.
    const problem = `the step cache lookup failed: ${firstLine(error)}`;
    log(context, 'step cache unavailable', {
      runId: input.runId,
      image: input.imageKey,
      step: input.step.id,
    });
    return { hit: false, miss: 'unavailable', problem } satisfies LookupResult;
  }
}

/** The result of a step whose outputs came from the cache: no attempt, no run time, the copy's prefix. */
export function cachedResult(
  context: OrchestrationContext,
  input: StepOrchestratorInput,
  hit: Extract<LookupResult, { hit: true }>,
  publish: (status: StepCustomStatus) => void,
): StepResult {
  publish({ attempt: 0, phase: 'done' });
  const now = context.df.currentUtcDateTime.toISOString();
  log(context, 'step cached', {
    runId: input.runId,
    image: input.imageKey,
    step: input.step.id,
    from: hit.from,
  });
  return {
    step: input.step.id,
    status: 'cached',
    backend: input.step.backend,
    attempts: 0,
    startedAt: now,
    finishedAt: now,
    runMs: 0,
    cpu: input.step.cpu,
    memoryGb: input.step.memoryGb,
    outputsPrefix: hit.outputsPrefix,
    logs: [],
    cache: { key: hit.key, from: hit.from },
  };
}

/** After the step ran: its cache info, and on success (with a key) its outputs added to the index. */
export function* recordStepCache(
  context: OrchestrationContext,
  input: StepOrchestratorInput,
  lookup: LookupResult | undefined,
  result: StepResult,
): Generator<unknown, StepResult, unknown> {
  if (!lookup || lookup.hit) return result;
  const info: StepCacheInfo = {
    ...(lookup.key ? { key: lookup.key } : {}),
    miss: lookup.miss,
    ...(lookup.problem ? { problem: lookup.problem } : {}),
  };
  if (result.status !== 'succeeded' || !lookup.key) return { ...result, cache: info };
  try {
    const { stored } = yield* callActivity(context, 'storeStepCache', {
      key: lookup.key,
      runId: input.runId,
      imageKey: input.imageKey,
      step: input.step.id,
      container: input.outputs.container,
      prefix: result.outputsPrefix,
      ...(lookup.staleEtag ? { replaceEtag: lookup.staleEtag } : {}),
    });
    return { ...result, cache: { ...info, stored } };
  } catch (error) {
    // Not dropped with a log line only: the step's result (and the manifest) say the index was not written.
    const problem = `the step cache index was not written: ${firstLine(error)}`;
    log(context, 'step cache not stored', { runId: input.runId, image: input.imageKey, step: input.step.id });
    return { ...result, cache: { ...info, stored: false, problem } };
  }
}
