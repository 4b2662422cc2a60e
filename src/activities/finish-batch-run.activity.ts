/**
 * finishBatchRun: the run added its last task: end its Batch job (terminate when all tasks end). A cancelled
 * run's job is terminated and deleted at once: a cancelled step's task would otherwise run on to its
 * maxWallClockTime, holding a node (docs/orchestration.md, 'Cancel').
 */
import { batchJobId } from '../compute/naming';
import type { ActivityFactory } from './deps';

export const finishBatchRun: ActivityFactory<'finishBatchRun'> = (deps) => async (input) => {
  const batch = deps.compute('batch');
  if (input.cancelled)
    await batch.deleteManaged({ backend: 'batch', name: batchJobId(input.runId), runId: input.runId });
  else await batch.finishRun(input.runId);
  return null;
};
