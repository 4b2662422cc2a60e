/**
 * One image: runs the step graph, every ready step in parallel, as waves (the steps whose dependencies all
 * succeeded start together; the next wave starts when the wave ends). NEVER throws: returns an ImageResult and
 * writes the full ImageRecord to `results/<runId>/<imageKey>/result.json`.
 */
import type { OrchestrationContext } from 'durable-functions';
import { nextMoves, sinkSteps, type StepState } from '../runs/graph';
import { instanceIds } from '../runs/ids';
import { imageOutcome, type ImageResult, type StepResult } from '../runs/records';
import { callActivity, callAll, log, subOrchestrationTask } from './call';
import type { ImageCustomStatus, ImageInput, StepOrchestratorInput } from './contracts';

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

export function* imageOrchestrator(context: OrchestrationContext): Generator<unknown, ImageResult, unknown> {
  const input = context.df.getInput<ImageInput>();
  const { plan, imageKey } = input;
  const startedAt = context.df.currentUtcDateTime.toISOString();
  const states: Record<string, StepState> = Object.fromEntries(plan.steps.map((s) => [s.id, 'waiting']));
  const results = new Map<string, StepResult>();
  const sinks = sinkSteps(plan.steps);
  const publish = () => context.df.setCustomStatus({ steps: { ...states } } satisfies ImageCustomStatus);
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
      const tasks = moves.start.map((id) => {
        const step = plan.steps.find((s) => s.id === id);
        if (!step) throw new Error(`unknown step ${id}`);
        const stepInput: StepOrchestratorInput = {
          runId: plan.runId,
          imageKey,
          step,
          source: { kind: 'image', image: input.image, inputs: plan.inputs },
          outputs: plan.outputs,
          sinkSteps: sinks,
          upstream: Object.fromEntries(step.dependsOn.map((d) => [d, results.get(d)?.outputsPrefix ?? ''])),
          keepOnFailureMs: plan.keepOnFailureMs,
          ...(plan.budget ? { budget: plan.budget } : {}),
        };
        return subOrchestrationTask(
          context,
          'stepOrchestrator',
          stepInput,
          instanceIds.step(plan.runId, imageKey, id),
        );
      });
      const wave = yield* callAll(context, tasks, 'stepOrchestrator');
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
