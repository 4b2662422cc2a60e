/**
 * GET /api/runs/{id}/outputs?image=&step=: the outputs of an ended run's steps (the finalize step's included),
 * each blob with a read-only SAS URL on that one blob that expires after OUTPUT_SAS_MS. Only the attempt a
 * step's record names (its succeeded attempt) counts, as for a later step's inputs (docs/http-api.md).
 */
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { Manifest, StepResult } from '../runs/records';
import type { BlobPort } from '../storage/port';
import { ApiError } from './http';

export type OutputsStore = Pick<BlobPort, 'getText' | 'list' | 'readUrl'>;

/** How long an output's read URL lives. */
export const OUTPUT_SAS_MS = 15 * 60_000;
/** Outputs listed per request; past it `truncated` is true (narrow with image or step). */
export const MAX_OUTPUTS = 5000;

export interface RunOutput {
  /** The image's blob name, or "finalize". */
  readonly image: string;
  readonly imageKey: string;
  readonly step: string;
  /** The blob name relative to the step's outputs folder (what the step wrote under /flotilla/out). */
  readonly path: string;
  readonly blob: string;
  readonly size: number;
  readonly url: string;
}

export interface RunOutputs {
  readonly runId: string;
  readonly status: string;
  readonly container: string;
  readonly expiresOn: string;
  readonly outputs: readonly RunOutput[];
  readonly truncated: boolean;
}

const NO_OUTPUTS = new Set(['failed', 'cancelled', 'skipped']);

export async function runOutputs(
  store: OutputsStore,
  runId: string,
  filter: { image?: string; step?: string },
  now: number,
): Promise<RunOutputs> {
  const text = await store.getText(RESULTS_CONTAINER, runPaths.manifest(runId));
  if (text === undefined) {
    const known = await store.getText(RESULTS_CONTAINER, runPaths.images(runId));
    if (known === undefined) throw new ApiError(404, 'run_not_found', `no run ${runId}`);
    throw new ApiError(
      409,
      'run_in_progress',
      `run ${runId} has not ended yet: its outputs are listed once it has`,
    );
  }
  const manifest = JSON.parse(text) as Manifest;
  const container = manifest.spec.outputs.container;
  const sources: { image: string; imageKey: string; step: StepResult }[] = [];
  const images = filter.image
    ? manifest.images.filter(
        (i) =>
          i.image === filter.image || i.imageKey === filter.image || i.image.endsWith(`/${filter.image}`),
      )
    : manifest.images;
  if (filter.image && filter.image !== 'finalize' && images.length === 0) {
    throw new ApiError(404, 'image_not_found', `run ${runId} has no image ${filter.image}`, [
      { path: 'image', message: 'expected a blob name, file name or image key of this run, or "finalize"' },
    ]);
  }
  for (const image of filter.image === 'finalize' ? [] : images) {
    for (const step of image.steps) sources.push({ image: image.image, imageKey: image.imageKey, step });
  }
  if (manifest.finalize && (!filter.image || filter.image === 'finalize'))
    sources.push({ image: 'finalize', imageKey: 'finalize', step: manifest.finalize });
  const wanted = sources.filter(
    (s) =>
      (!filter.step || s.step.step === filter.step) && !NO_OUTPUTS.has(s.step.status) && s.step.outputsPrefix,
  );
  if (filter.step && !sources.some((s) => s.step.step === filter.step)) {
    throw new ApiError(404, 'step_not_found', `run ${runId} has no step ${filter.step}`, [
      {
        path: 'step',
        message: `expected one of ${[...new Set(sources.map((s) => s.step.step))].join(', ')}`,
      },
    ]);
  }
  const expiresOn = new Date(now + OUTPUT_SAS_MS);
  const outputs: RunOutput[] = [];
  let truncated = false;
  for (const source of wanted) {
    const prefix = source.step.outputsPrefix;
    for (const blob of await store.list(container, prefix)) {
      if (outputs.length >= MAX_OUTPUTS) {
        truncated = true;
        break;
      }
      outputs.push({
        image: source.image,
        imageKey: source.imageKey,
        step: source.step.step,
        path: blob.name.slice(prefix.length),
        blob: blob.name,
        size: blob.size,
        url: await store.readUrl(container, blob.name, expiresOn),
      });
    }
    if (truncated) break;
  }
  return {
    runId,
    status: manifest.status,
    container,
    expiresOn: expiresOn.toISOString(),
    outputs,
    truncated,
  };
}
