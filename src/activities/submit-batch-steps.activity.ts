/**
 * submitBatchSteps: one image's ready Batch steps, added in one call, and the image's Batch plan (the steps
 * the run's monitor adds once the step before them succeeded). Stands in for admission too: a Batch step
 * holds no lease of its own (the run's job does), so only the run's cancel marker can stop it here.
 */
import { RESULTS_CONTAINER, STATE_CONTAINER, runPaths, statePaths } from '../runs/paths';
import { startBatchSteps } from './batch-start';
import type { BatchStartOutcome, LaterBatchStep, StartStepInput } from './contracts';
import type { ActivityFactory } from './deps';

/** The image's Batch plan blob: what the monitor needs to add each later step. */
export interface BatchPlan {
  readonly later: readonly (LaterBatchStep & Omit<StartStepInput, 'ref' | 'step'>)[];
}

export const submitBatchSteps: ActivityFactory<'submitBatchSteps'> = (deps) => async (input) => {
  const { runId, imageKey, start, later, ...shared } = input;
  if ((await deps.store.getText(RESULTS_CONTAINER, runPaths.cancel(runId))) !== undefined)
    return { cancelled: true };
  // Written first: a step may complete before this activity returns, and the monitor reads the plan then.
  const plan: BatchPlan = { later: later.map((l) => ({ ...shared, ...l })) };
  await deps.store.putText(
    STATE_CONTAINER,
    statePaths.batchPlan(runId, imageKey),
    JSON.stringify(plan),
    'application/json',
  );
  const outcomes = await startBatchSteps(
    deps,
    start.map((s) => ({
      ...shared,
      step: s.step,
      ref: { runId, imageKey, step: s.step.id, attempt: s.attempt },
    })),
  );
  const started: Record<string, BatchStartOutcome> = {};
  start.forEach((s, i) => {
    const outcome = outcomes[i];
    if (!outcome) throw new Error(`no start outcome for step ${s.step.id}`);
    started[s.step.id] = outcome;
  });
  return { cancelled: false, started };
};
