/**
 * GET /api/runs/{id}/logs: the logs saved for finished steps (ACI keeps only 16 KB after a container stops, so
 * each step's logs are copied to blob before teardown). Filter by image (blob name, file name or image key)
 * and step; without an image filter at most MAX_IMAGES images are read.
 */
import { RESULTS_CONTAINER, type ImageList, runPaths } from '../runs/paths';
import type { ImageRecord, Manifest, StepResult } from '../runs/records';
import type { BlobStore } from '../storage/blob-store';
import { ApiError } from './http';

export type LogsStore = Pick<BlobStore, 'getText'>;

export const MAX_IMAGES = 20;

export interface StepLogs {
  readonly image: string;
  readonly step: string;
  readonly attempts: number;
  readonly status: string;
  readonly logs: readonly { readonly name: string; readonly text: string }[];
}

export async function runLogs(
  store: LogsStore,
  runId: string,
  filter: { image?: string; step?: string },
): Promise<{ runId: string; steps: StepLogs[]; truncated: boolean }> {
  const listText = await store.getText(RESULTS_CONTAINER, runPaths.images(runId));
  if (listText === undefined) throw new ApiError(404, 'run_not_found', `no run ${runId}`);
  const list = JSON.parse(listText) as ImageList;
  const matches = filter.image
    ? list.images.filter(
        (i) =>
          i.image === filter.image || i.imageKey === filter.image || i.image.endsWith(`/${filter.image}`),
      )
    : list.images;
  const wantsFinalize = filter.image === 'finalize' || (!filter.image && filter.step !== undefined);
  if (filter.image && !matches.length && filter.image !== 'finalize') {
    throw new ApiError(404, 'image_not_found', `run ${runId} has no image ${filter.image}`, [
      { path: 'image', message: 'expected a blob name, file name or image key of this run, or "finalize"' },
    ]);
  }
  const steps: StepLogs[] = [];
  for (const entry of matches.slice(0, MAX_IMAGES)) {
    const text = await store.getText(RESULTS_CONTAINER, runPaths.imageRecord(runId, entry.imageKey));
    if (text === undefined) continue; // still in flight: logs are saved when a step ends
    const record = JSON.parse(text) as ImageRecord;
    for (const step of record.steps) {
      if (!filter.step || step.step === filter.step) steps.push(await readStep(store, entry.image, step));
    }
  }
  if (wantsFinalize || filter.image === undefined) {
    const manifest = await store.getText(RESULTS_CONTAINER, runPaths.manifest(runId));
    const finalize = manifest ? (JSON.parse(manifest) as Manifest).finalize : undefined;
    if (finalize && (!filter.step || finalize.step === filter.step)) {
      steps.push(await readStep(store, 'finalize', finalize));
    }
  }
  return { runId, steps, truncated: matches.length > MAX_IMAGES };
}

async function readStep(store: LogsStore, image: string, step: StepResult): Promise<StepLogs> {
  const logs = [];
  for (const name of step.logs) {
    logs.push({ name, text: (await store.getText(RESULTS_CONTAINER, name)) ?? '' });
  }
  return { image, step: step.step, attempts: step.attempts, status: step.status, logs };
}
