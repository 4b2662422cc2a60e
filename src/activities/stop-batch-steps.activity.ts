/**
 * stopBatchSteps: the image orchestration gave up waiting on these Batch attempts (timeout, cancel): their
 * tasks are terminated, their secrets blobs go, and their Batch plan entries with them (nothing is added
 * after a stopped step); what they staged is collected (logs only). Returns each step's log blobs. Idempotent: an ended task is done.
 */
import { RESULTS_CONTAINER, STATE_CONTAINER, statePaths } from '../runs/paths';
import { logsPrefix } from '../runs/plan';
import type { ActivityFactory } from './deps';
import type { BatchPlan } from './submit-batch-steps.activity';

export const stopBatchSteps: ActivityFactory<'stopBatchSteps'> = (deps) => async (input) => {
  const backend = deps.compute('batch');
  const refs = input.steps.map((s) => ({ runId: input.runId, imageKey: input.imageKey, ...s }));
  await backend.stop?.(refs);
  const planBlob = statePaths.batchPlan(input.runId, input.imageKey);
  const text = await deps.store.getText(STATE_CONTAINER, planBlob);
  if (text) {
    const plan = JSON.parse(text) as BatchPlan;
    const stopped = (l: BatchPlan['later'][number]) =>
      refs.some((r) => r.step === l.after.step && r.attempt === l.after.attempt);
    if (plan.later.some(stopped)) {
      const kept: BatchPlan = { later: plan.later.filter((l) => !stopped(l)) };
      await deps.store.putText(STATE_CONTAINER, planBlob, JSON.stringify(kept), 'application/json');
    }
  }
  const logs: Record<string, readonly string[]> = {};
  for (const ref of refs) {
    await backend.release(ref);
    // A stopped attempt's outputs never count; its logs, if the node staged any, are kept.
    await backend.collectOutputs?.(ref, { succeeded: false });
    logs[ref.step] = await backend.saveLogs({
      ...ref,
      logs: {
        container: RESULTS_CONTAINER,
        prefix: logsPrefix(ref.runId, ref.imageKey, ref.step, ref.attempt),
      },
    });
  }
  return logs;
};
