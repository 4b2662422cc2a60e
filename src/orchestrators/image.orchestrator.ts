/**
 * One image, run by its lane (inline: no instance of its own): the step graph, every ready step in parallel,
 * as waves (the steps whose dependencies all succeeded start together; the next wave starts when the wave
 * ends). A wave of one ACI step runs inline too; a wider wave, or a Batch step, runs as step instances.
 * NEVER throws: returns an ImageResult and writes the full ImageRecord to
 * `results/<runId>/<imageKey>/result.json`.
 */
import type { OrchestrationContext } from 'durable-functions';
import { nextMoves, sinkSteps, type StepState } from '../runs/graph';
import { instanceIds } from '../runs/ids';
import type { StepPlan } from '../runs/plan';
import { imageOutcome, type ImageResult, type StepResult } from '../runs/records';
import { inBulk, runBatchSteps } from './batch-steps';
import { callActivity, callAll, log, subOrchestrationTask } from './call';
import type { ImageInput, InlineStepStatus, StepOrchestratorInput } from './contracts';
import { runStep } from './step.orchestrator';

/** What the image tells its lane to publish: its step states, and the inline step's own status. */
export type ImagePublish = (steps: Readonly<Record<string, string>>, inline?: InlineStepStatus) => void;

function placeholder(
  input: ImageInput,
  stepId: string,
  status: 'skipped' | 'cancelled' | 'failed',
  message: string,
): StepResult {
  const step = input.plan.steps.find((s) => s.id === stepId);
  return {
    step: stepId,
    status,
    backend: step?.backend ?? 'aci',
    attempts: 0,
    runMs: 0,
    cpu: step?.cpu ?? 0,
    memoryGb: step?.memoryGb ?? 0,
    outputsPrefix: '',
    logs: [],
    error: {
      code:
        status === 'skipped' ? 'dependency-failed' : status === 'cancelled' ? 'cancelled' : 'infrastructure',
      message,
    },
  };
}

/** The cache keys of a step's dependencies that have one (the step cache keys dependents by them). */
function upstreamKeys(dependsOn: readonly string[], results: ReadonlyMap<string, StepResult>) {
  return Object.fromEntries(
    dependsOn.flatMap((d) => {
      const key = results.get(d)?.cache?.key;
      return key ? [[d, key]] : [];
    }),
  );
}

export function* runImage(
  context: OrchestrationContext,
  input: ImageInput,
  publishTo: ImagePublish,
): Generator<unknown, ImageResult, unknown> {
  const { plan, imageKey } = input;
  const startedAt = context.df.currentUtcDateTime.toISOString();
  const states: Record<string, StepState> = Object.fromEntries(plan.steps.map((s) => [s.id, 'waiting']));
  const results = new Map<string, StepResult>();
  const sinks = sinkSteps(plan.steps);
  const publish = (inline?: InlineStepStatus) => publishTo({ ...states }, inline);
  try {
    for (;;) {
      const moves = nextMoves(plan.steps, states);
      for (const id of moves.skip) {
        states[id] = 'skipped';
        results.set(id, placeholder(input, id, 'skipped', 'a step it depends on did not succeed'));
      }
      if (moves.start.length === 0) break;
      for (const id of moves.start) states[id] = 'running';
      publish();
      if (!plan.budget && inBulk(plan.steps, moves.start)) {
        // Batch steps in bulk, without step orchestrations (batch-steps.ts; docs/orchestration.md). A run
        // with a budget keeps the step path: every attempt reserves its worst case at admission.
        const onState = (id: string, state: StepState) => {
          states[id] = state;
          publish();
        };
        const done = yield* runBatchSteps(context, input, moves.start, results, onState);
        for (const result of done) {
          states[result.step] = result.status;
          results.set(result.step, result);
        }
        if (!done.some((r) => r.status === 'cancelled')) continue;
        for (const step of plan.steps) {
          if (states[step.id] !== 'waiting' && states[step.id] !== 'running') continue;
          states[step.id] = 'cancelled';
          results.set(step.id, placeholder(input, step.id, 'cancelled', 'the run was cancelled'));
        }
        break;
      }
      const wavePlans = moves.start.map((id) => {
        const step = plan.steps.find((s) => s.id === id);
        if (!step) throw new Error(`unknown step ${id}`);
        return step;
      });
      const stepInput = (step: StepPlan): StepOrchestratorInput => ({
        runId: plan.runId,
        imageKey,
        step,
        source: { kind: 'image', image: input.image, inputs: plan.inputs },
        outputs: plan.outputs,
        sinkSteps: sinks,
        upstream: Object.fromEntries(step.dependsOn.map((d) => [d, results.get(d)?.outputsPrefix ?? ''])),
        ...(step.cache ? { upstreamKeys: upstreamKeys(step.dependsOn, results) } : {}),
        keepOnFailureMs: plan.keepOnFailureMs,
        ...(plan.budget ? { budget: plan.budget } : {}),
      });
      const only = wavePlans.length === 1 ? wavePlans[0] : undefined;
      // A wave of one ACI step runs here: no instance to start and no parent to wake (docs/orchestration.md,
      // "Durable work per step"). The callback finds it through the lane's instance id in its token.
      const wave =
        only?.backend === 'aci'
          ? [
              yield* runStep(context, stepInput(only), {
                instanceId: context.df.instanceId,
                publish: (status) => publish({ id: only.id, ...status }),
              }),
            ]
          : yield* callAll(
              context,
              wavePlans.map((step) =>
                subOrchestrationTask(
                  context,
                  'stepOrchestrator',
                  stepInput(step),
                  instanceIds.step(plan.runId, imageKey, step.id),
                ),
              ),
              'stepOrchestrator',
            );
      for (const result of wave) {
        states[result.step] = result.status;
        results.set(result.step, result);
      }
      if (wave.some((r) => r.status === 'cancelled')) {
        for (const step of plan.steps) {
          if (states[step.id] !== 'waiting') continue;
          states[step.id] = 'cancelled';
          results.set(step.id, placeholder(input, step.id, 'cancelled', 'the run was cancelled'));
        }
        break;
      }
    }
  } catch (error) {
    // A step orchestration failed (a bug, or it was terminated): the image fails, the run goes on.
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    for (const step of plan.steps) {
      if (results.has(step.id)) continue;
      states[step.id] = 'failed';
      results.set(step.id, placeholder(input, step.id, 'failed', message));
    }
  }
  publish();
  const steps = plan.steps.map((s) => results.get(s.id) ?? placeholder(input, s.id, 'skipped', 'not run'));
  const outcome = imageOutcome(steps);
  let unwritten: string | undefined;
  try {
    yield* callActivity(context, 'writeImageRecord', {
      runId: plan.runId,
      imageKey,
      image: input.image,
      ...outcome,
      steps,
      startedAt,
      finishedAt: context.df.currentUtcDateTime.toISOString(),
    });
  } catch (error) {
    // No write is dropped silently: without its record the image fails, and says why.
    unwritten = `the image record could not be written: ${(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''}`;
    log(context, 'image record not written', { runId: plan.runId, image: imageKey, error: unwritten });
  }
  if (unwritten !== undefined) {
    return { imageKey, status: 'failed', error: { code: 'record-unwritten', message: unwritten } };
  }
  log(context, 'image ended', { runId: plan.runId, image: imageKey, status: outcome.status });
  return { imageKey, ...outcome };
}
