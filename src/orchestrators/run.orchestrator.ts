/**
 * A run: admits its Batch job (if any), starts the Batch monitor, runs the lanes, the finalize step over the
 * images that succeeded, ends the Batch job and writes the manifest. Small history: ~4 events per lane.
 */
import { jobLeaseId } from '../admission/policy';
import type { OrchestrationContext } from 'durable-functions';
import { instanceIds } from '../runs/ids';
import { laneCount, usesBatch } from '../runs/plan';
import type { StepResult } from '../runs/records';
import { addCounts, aggregateRunStatus, emptyCounts, shouldFinalize } from '../runs/status';
import { callActivity, callSubOrchestration, log, subOrchestrationTask } from './call';
import type {
  LaneInput,
  LaneOutput,
  RunCustomStatus,
  RunInput,
  RunOutput,
  StepOrchestratorInput,
  UnrecordedImage,
} from './contracts';
import { sleepUnlessCancelled } from './step-wait';
import { sinkSteps } from '../runs/graph';

const JOB_LEASE_MS = 7 * 24 * 60 * 60_000;

export function* runOrchestrator(context: OrchestrationContext): Generator<unknown, RunOutput, unknown> {
  const { plan, imageCount } = context.df.getInput<RunInput>();
  const runId = plan.runId;
  const lanes = laneCount(plan.concurrency, imageCount);
  const status = (phase: RunCustomStatus['phase'], counts?: RunCustomStatus['counts']) =>
    context.df.setCustomStatus({ phase, lanes, images: imageCount, counts } satisfies RunCustomStatus);
  const batch = usesBatch(plan);
  let cancelled = false;
  let budgetExceeded = false;
  if (batch) {
    status('admission');
    for (;;) {
      const answer = yield* callActivity(context, 'acquireAdmission', {
        kind: 'batch',
        leaseId: jobLeaseId(runId),
        runId,
        cpu: 0,
        memoryGb: 0,
        leaseMs: JOB_LEASE_MS,
        // A run waits for a Batch job slot as long as it takes (its steps carry their own bounds).
        waitedMs: 0,
      });
      if (answer.granted) break;
      if (
        answer.cancelled ||
        'refused' in answer ||
        (yield* sleepUnlessCancelled(context, answer.retryAfterMs))
      ) {
        cancelled = true;
        break;
      }
    }
  }
  let counts = emptyCounts(imageCount);
  let unrecorded: UnrecordedImage[] = [];
  if (!cancelled) {
    status('images');
    log(context, 'run started', { runId, images: imageCount, lanes });
    const tasks = Array.from({ length: lanes }, (_, lane) =>
      subOrchestrationTask(
        context,
        'laneOrchestrator',
        { plan, lane, lanes, images: imageCount, next: lane, counts: emptyCounts() } satisfies LaneInput,
        instanceIds.lane(runId, lane),
      ),
    );
    const lanesDone = context.df.Task.all(tasks);
    if (batch) {
      // The Batch monitor runs beside the lanes and ends only once the manifest exists (it never throws), so
      // the lanes always win this race; the run's completion waits for its last poll.
      const monitor = subOrchestrationTask(
        context,
        'batchMonitorOrchestrator',
        { runId },
        instanceIds.batchMonitor(runId),
      );
      yield context.df.Task.any([lanesDone, monitor]);
    } else {
      yield lanesDone;
    }
    const results = (lanesDone.isCompleted ? lanesDone.result : []) as LaneOutput[];
    if (!lanesDone.isCompleted) log(context, 'lanes did not complete before the monitor ended', { runId });
    counts = results.reduce((sum, r) => addCounts(sum, r.counts), counts);
    cancelled = results.some((r) => r.cancelled);
    budgetExceeded = results.some((r) => r.budgetExceeded);
    unrecorded = results.flatMap((r) => r.unrecorded ?? []);
  } else {
    counts = { ...counts, cancelled: imageCount };
  }
  let finalize: StepResult | undefined;
  if (
    plan.finalize &&
    !cancelled &&
    !budgetExceeded &&
    shouldFinalize(counts, plan.toleratedFailurePercent)
  ) {
    status('finalize', counts);
    const input: StepOrchestratorInput = {
      runId,
      imageKey: 'finalize',
      step: plan.finalize,
      source: { kind: 'finalize' },
      outputs: plan.outputs,
      sinkSteps: sinkSteps(plan.steps),
      keepOnFailureMs: plan.keepOnFailureMs,
      ...(plan.budget ? { budget: plan.budget } : {}),
    };
    finalize = yield* callSubOrchestration(context, 'stepOrchestrator', input, instanceIds.finalize(runId));
    if (finalize.status === 'cancelled') cancelled = true;
    if (finalize.error?.code === 'budget-exceeded') budgetExceeded = true;
  }
  status('finishing', counts);
  if (batch) {
    yield* callActivity(context, 'finishBatchRun', { runId, ...(cancelled ? { cancelled: true } : {}) });
    yield* callActivity(context, 'releaseAdmission', { kind: 'batch', leaseId: jobLeaseId(runId) });
  }
  // A run whose budget refused a step ends `budget_exceeded` (unless it was cancelled).
  const outcome =
    budgetExceeded && !cancelled
      ? 'budget_exceeded'
      : aggregateRunStatus(counts, plan.toleratedFailurePercent, cancelled, finalize?.status);
  const written = yield* callActivity(context, 'writeManifest', {
    plan,
    status: outcome,
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    finalize,
    unrecorded,
  });
  status('done', counts);
  log(context, 'run ended', { runId, status: outcome, succeeded: counts.succeeded, failed: counts.failed });
  return {
    runId,
    status: outcome,
    counts,
    totals: written.totals,
    cost: written.cost,
    manifest: written.manifest,
    ...(written.budget ? { budget: written.budget } : {}),
  };
}
