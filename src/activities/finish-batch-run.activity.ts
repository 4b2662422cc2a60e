/** finishBatchRun: the run added its last task: end its Batch job (terminate when all tasks end). */
import type { ActivityFactory } from './deps';

export const finishBatchRun: ActivityFactory<'finishBatchRun'> = (deps) => async (input) => {
  await deps.compute('batch').finishRun(input.runId);
  return null;
};
