/**
 * writeManifest: assemble `results/<runId>/manifest.json` from the image records (the spec, per image and
 * step the status, exit code, attempts, times, outputs, logs and error; cost estimate; totals) and write it
 * in one Put Blob (readers see a whole manifest or none).
 */
import { estimateCost } from '../runs/cost';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import { type ImageRecord, type Manifest, totalsOf } from '../runs/records';
import type { ActivityFactory } from './deps';

const PARALLEL_READS = 16;

export const writeManifest: ActivityFactory<'writeManifest'> = (deps) => async (input) => {
  const { plan } = input;
  const names = (await deps.store.list(RESULTS_CONTAINER, `${plan.runId}/`))
    .map((b) => b.name)
    .filter((name) => name.endsWith('/result.json'));
  const images: ImageRecord[] = [];
  for (let i = 0; i < names.length; i += PARALLEL_READS) {
    const texts = await Promise.all(
      names.slice(i, i + PARALLEL_READS).map((n) => deps.store.getText(RESULTS_CONTAINER, n)),
    );
    for (const text of texts) if (text) images.push(JSON.parse(text) as ImageRecord);
  }
  images.sort((a, b) => a.imageKey.localeCompare(b.imageKey));
  const steps = [...images.flatMap((i) => i.steps), ...(input.finalize ? [input.finalize] : [])];
  const cost = estimateCost(steps, deps.prices);
  const totals = totalsOf(images, input.finalize);
  const manifest: Manifest = {
    runId: plan.runId,
    pipeline: plan.pipeline,
    status: input.status,
    spec: plan,
    createdAt: plan.createdAt,
    finishedAt: input.finishedAt,
    images,
    ...(input.finalize ? { finalize: input.finalize } : {}),
    cost,
    totals,
  };
  const blob = runPaths.manifest(plan.runId);
  const text = JSON.stringify(manifest, null, 2);
  await deps.store.putText(RESULTS_CONTAINER, blob, text, 'application/json');
  return { manifest: `${RESULTS_CONTAINER}/${blob}`, totals, cost };
};
