/**
 * pollBatchRun: one list call (tasks of the run's job completed since the watermark), then, through the
 * durable client (never the public callback endpoint):
 * - a task of the bulk path (`notify`: the instance running its image): what it staged is collected first (its
 *   outputs only if it succeeded, docs/security.md "SAS"), its secrets blob goes, the steps the image's Batch plan
 *   adds after it are added (one call for every image of the poll), and `batch-step:<image>:<step>:<attempt>` is
 *   raised to the image orchestration with the status, the log blobs and what was added;
 * - a task of a step orchestration: `step-completed:<image>:<step>:<attempt>` is raised to it (it reads the status itself).
 * A transient failure throws before the watermark moves, so the next poll does it all again (adds are
 * idempotent, a repeated event is never awaited twice). The run is active until its manifest exists.
 */
import { isNotFound } from '../adapters/errors';
import { STAGING_CONCURRENCY, mapLimit } from '../compute/batch/staging';
import type { StepReport } from '../compute/port';
import { events } from '../orchestrators/contracts';
import { instanceIds } from '../runs/ids';
import { RESULTS_CONTAINER, STATE_CONTAINER, runPaths, statePaths } from '../runs/paths';
import { logsPrefix, outputsPrefix } from '../runs/plan';
import { startBatchSteps } from './batch-start';
import type { BatchStartOutcome, BatchStepEvent, StartStepInput } from './contracts';
import type { ActivityDeps, ActivityFactory } from './deps';
import { messageOf } from './deps';
import type { BatchPlan } from './submit-batch-steps.activity';

const statusOf = ({ state, exitCode, startedAt, finishedAt, reason }: StepReport) => ({
  state,
  ...(exitCode !== undefined ? { exitCode } : {}),
  ...(startedAt ? { startedAt } : {}),
  ...(finishedAt ? { finishedAt } : {}),
  ...(reason ? { reason } : {}),
});

/** The steps to add after the succeeded tasks of the poll, as the images' Batch plans say. */
async function successors(deps: ActivityDeps, runId: string, done: readonly StepReport[]) {
  const plans = new Map<string, BatchPlan | undefined>();
  const found: { readonly after: StepReport; readonly input: StartStepInput }[] = [];
  for (const report of done) {
    if (!plans.has(report.imageKey)) {
      const text = await deps.store.getText(STATE_CONTAINER, statePaths.batchPlan(runId, report.imageKey));
      plans.set(report.imageKey, text ? (JSON.parse(text) as BatchPlan) : undefined);
    }
    for (const later of plans.get(report.imageKey)?.later ?? []) {
      if (later.after.step !== report.step || later.after.attempt !== report.attempt) continue;
      const { after: _after, attempt, ...shared } = later;
      const prefix = outputsPrefix(
        { runId, outputs: later.outputs },
        report.imageKey,
        report.step,
        report.attempt,
      );
      found.push({
        after: report,
        input: {
          ...shared,
          upstream: { ...later.upstream, [report.step]: prefix },
          ref: { runId, imageKey: report.imageKey, step: later.step.id, attempt },
        },
      });
    }
  }
  return found;
}

export const pollBatchRun: ActivityFactory<'pollBatchRun'> = (deps) => async (input) => {
  const raise = deps.raiseEvent;
  if (!raise) throw new Error('pollBatchRun runs with a durable client (src/functions/durable.ts)');
  const ended = (await deps.store.getText(RESULTS_CONTAINER, runPaths.manifest(input.runId))) !== undefined;
  const backend = deps.compute('batch');
  const poll = await backend.pollRun(input.runId, input.watermark).catch((error: unknown) => {
    // The run's job is made with its first task: until then there is nothing to report.
    if (isNotFound(error)) return { completed: [], watermark: input.watermark ?? '' };
    throw error;
  });
  const bulk = poll.completed.filter((r) => r.notify !== undefined);
  // What the tasks staged goes to its result names first: successors read their predecessors' outputs.
  await mapLimit(bulk, STAGING_CONCURRENCY, async (r) => {
    await backend.collectOutputs?.(r, { succeeded: r.state === 'succeeded' });
  });
  const next = await successors(
    deps,
    input.runId,
    bulk.filter((r) => r.state === 'succeeded'),
  );
  const outcomes = await startBatchSteps(
    deps,
    next.map((n) => n.input),
  );
  await Promise.all(bulk.map((r) => backend.release(r)));
  let raised = 0;
  for (const report of poll.completed) {
    const { runId, imageKey, step, attempt } = report;
    try {
      if (report.notify !== undefined) {
        const added: Record<string, BatchStartOutcome> = {};
        next.forEach((n, i) => {
          const outcome = outcomes[i];
          if (n.after === report && outcome) added[n.input.step.id] = outcome;
        });
        const logs = await backend.saveLogs({
          ...report,
          logs: { container: RESULTS_CONTAINER, prefix: logsPrefix(runId, imageKey, step, attempt) },
        });
        const event: BatchStepEvent = { status: statusOf(report), logs, added };
        await raise(report.notify, events.batchStep(imageKey, step, attempt), event);
      } else {
        const target =
          imageKey === 'finalize' ? instanceIds.finalize(runId) : instanceIds.step(runId, imageKey, step);
        await raise(target, events.stepCompleted(imageKey, step, attempt), null);
      }
      raised += 1;
    } catch (error) {
      // The orchestration has ended (or never existed): nothing waits for this. If one does, it is not lost:
      // a step orchestration also polls, an image orchestration re-reads the statuses when the monitor stays
      // silent (docs/orchestration.md, "Batch steps in bulk").
      deps.log(
        `completion not delivered runId=${runId} image=${imageKey} step=${step} attempt=${attempt} error=${messageOf(error)}`,
      );
    }
  }
  return { watermark: poll.watermark, raised, runActive: !ended };
};
