/**
 * pollBatchRun: one list call (tasks of the run's job completed since the watermark), then a completion
 * notice per task through the app's own callback endpoint (signed like a container's callback), which raises
 * `step-completed:<attempt>` to the step. The run is active until its manifest exists.
 */
import { isNotFound } from '../adapters/errors';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { ActivityFactory } from './deps';
import { messageOf } from './deps';

export const pollBatchRun: ActivityFactory<'pollBatchRun'> = (deps) => async (input) => {
  const ended = (await deps.store.getText(RESULTS_CONTAINER, runPaths.manifest(input.runId))) !== undefined;
  const poll = await deps
    .compute('batch')
    .pollRun(input.runId, input.watermark)
    .catch((error: unknown) => {
      // The run's job is made with its first task: until then there is nothing to report.
      if (isNotFound(error)) return { completed: [], watermark: input.watermark ?? '' };
      throw error;
    });
  let raised = 0;
  for (const report of poll.completed) {
    try {
      await deps.notifyStep(report, report.exitCode);
      raised += 1;
    } catch (error) {
      // The step is no longer waiting (it finished by polling): nothing to wake.
      deps.log(
        `completion notice not delivered runId=${report.runId} image=${report.imageKey} step=${report.step} error=${messageOf(error)}`,
      );
    }
  }
  return { watermark: poll.watermark, raised, runActive: !ended };
};
