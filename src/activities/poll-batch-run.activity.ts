/**
 * pollBatchRun: one list call (tasks of the run's job completed since the watermark), and a
 * `step-completed:<attempt>` event to each step instance. Reports whether the run is still active.
 */
import { OrchestrationRuntimeStatus } from 'durable-functions';
import { isNotFound } from '../compute/errors';
import { events } from '../orchestrators/contracts';
import { instanceIds } from '../runs/ids';
import { RESERVED_KEY } from '../runs/image-key';
import type { ActivityFactory } from './deps';
import { messageOf } from './deps';

const ACTIVE = new Set<string>([OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending]);

export const pollBatchRun: ActivityFactory<'pollBatchRun'> = (deps) => async (input, context) => {
  const client = context.client();
  const run = await client.getStatus(input.runId).catch(() => undefined);
  const runActive = run?.runtimeStatus !== undefined && ACTIVE.has(run.runtimeStatus);
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
    const instanceId =
      report.image === RESERVED_KEY
        ? instanceIds.finalize(report.runId)
        : instanceIds.step(report.runId, report.image, report.step);
    try {
      await client.raiseEvent(instanceId, events.stepCompleted(report.attempt), {
        state: report.state,
        exitCode: report.exitCode,
      });
      raised += 1;
    } catch (error) {
      // The step already finished by polling: nothing waits for this event.
      deps.log(
        `completion event not delivered runId=${report.runId} instance=${instanceId} error=${messageOf(error)}`,
      );
    }
  }
  return { watermark: poll.watermark, raised, runActive };
};
