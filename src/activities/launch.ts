/** Builds the StepLaunch of one attempt: the step contract (inputs, outputs, logs) over the run's blobs. */
import type { InputBlob as LaunchInput, StepLaunch } from '../compute/port';
import { outputsPrefix, logsPrefix } from '../runs/plan';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import { type ImageRecord, stepSucceeded } from '../runs/records';
import type { StartStepInput } from './contracts';
import type { RunStore } from './deps';

async function outputsOf(
  store: RunStore,
  container: string,
  prefix: string,
  under: string,
): Promise<LaunchInput[]> {
  const blobs = await store.list(container, prefix);
  return blobs.map((b) => {
    const rel = b.name.slice(prefix.length);
    return { container, blob: b.name, path: under ? `${under}/${rel}` : rel };
  });
}

async function imageInputs(store: RunStore, input: StartStepInput): Promise<LaunchInput[]> {
  if (input.source.kind !== 'image') return [];
  const { ref, step } = input;
  if (step.dependsOn.length === 0) {
    const name = input.source.image.split('/').at(-1) ?? input.source.image;
    return [{ container: input.source.inputs.container, blob: input.source.image, path: name }];
  }
  const lists = await Promise.all(
    step.dependsOn.map((dep) => {
      // Only the succeeded attempt's outputs: never a failed attempt's partial files, never logs.
      const prefix = input.upstream?.[dep];
      if (!prefix)
        throw new Error(`step ${ref.step} of ${ref.imageKey}: no outputs recorded for step ${dep}`);
      return outputsOf(store, input.outputs.container, prefix, dep);
    }),
  );
  return lists.flat();
}

/** Finalize reads the leaf steps' outputs of every succeeded image: `/flotilla/in/<imageKey>[/<step>]/...`. */
async function finalizeInputs(store: RunStore, input: StartStepInput): Promise<LaunchInput[]> {
  const runId = input.ref.runId;
  const records = (await store.list(RESULTS_CONTAINER, `${runId}/`)).filter((b) =>
    b.name.endsWith('/result.json'),
  );
  const out: LaunchInput[] = [];
  for (const blob of records) {
    const text = await store.getText(RESULTS_CONTAINER, blob.name);
    if (!text) continue;
    const record = JSON.parse(text) as ImageRecord;
    if (record.status !== 'succeeded' || blob.name !== runPaths.imageRecord(runId, record.imageKey)) continue;
    for (const sink of input.sinkSteps) {
      const prefix = record.steps.find((s) => s.step === sink && stepSucceeded(s.status))?.outputsPrefix;
      if (!prefix) continue;
      const under = input.sinkSteps.length === 1 ? record.imageKey : `${record.imageKey}/${sink}`;
      out.push(...(await outputsOf(store, input.outputs.container, prefix, under)));
    }
  }
  return out;
}

export async function buildLaunch(store: RunStore, input: StartStepInput): Promise<StepLaunch> {
  const { ref, step } = input;
  const inputs =
    input.source.kind === 'image' ? await imageInputs(store, input) : await finalizeInputs(store, input);
  return {
    ...ref,
    containerImage: step.containerImage,
    command: step.command,
    cpu: step.cpu,
    memoryGb: step.memoryGb,
    ...(step.retry?.onOutOfMemory ? { limitMemory: true } : {}),
    ...(step.env ? { env: step.env } : {}),
    ...(step.secretEnv ? { secretEnv: step.secretEnv } : {}),
    inputs,
    outputs: {
      container: input.outputs.container,
      prefix: outputsPrefix(
        { runId: ref.runId, outputs: input.outputs },
        ref.imageKey,
        ref.step,
        ref.attempt,
      ),
    },
    logs: {
      container: RESULTS_CONTAINER,
      prefix: logsPrefix(ref.runId, ref.imageKey, ref.step, ref.attempt),
    },
    timeoutMs: step.timeoutMs,
    retries: 0,
    ...(step.pool ? { pool: step.pool } : {}),
    ...(input.callbackInstance ? { callbackInstance: input.callbackInstance } : {}),
  };
}
