/**
 * finishBatchRun: the run added its last task: end its Batch job (terminate when all tasks end). A cancelled
 * run's job is terminated and deleted at once: a cancelled step's task would otherwise run on to its
 * maxWallClockTime, holding a node (docs/orchestration.md, 'Cancel'). Either way no staging container of the
 * run is left (deleting the job collects them too).
 */
import { batchJobId } from '../compute/naming';
import type { ActivityFactory } from './deps';

export const finishBatchRun: ActivityFactory<'finishBatchRun'> = (deps) => async (input) => {
  const batch = deps.compute('batch');
  if (input.cancelled) {
    await batch.deleteManaged({ backend: 'batch', name: batchJobId(input.runId), runId: input.runId });
  } else {
    await batch.finishRun(input.runId);
    // The run is over: the logs of attempts never reported (stopped, or lost) leave their staging too.
    await batch.collectRun?.(input.runId);
  }
  return null;
};
