/** loadImages: the blob names and keys of some images of the run (from `results/<runId>/images.json`). */
import { type ImageList, RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { ActivityFactory } from './deps';

const cache = new Map<string, ImageList>();
const CACHE_RUNS = 8;

export const loadImages: ActivityFactory<'loadImages'> = (deps) => async (input) => {
  const cancelled = (await deps.store.getText(RESULTS_CONTAINER, runPaths.cancel(input.runId))) !== undefined;
  if (cancelled) return { cancelled: true, images: [] };
  let list = cache.get(input.runId);
  if (!list) {
    const text = await deps.store.getText(RESULTS_CONTAINER, runPaths.images(input.runId));
    if (!text) throw new Error(`run ${input.runId} has no image list`);
    list = JSON.parse(text) as ImageList;
    if (cache.size >= CACHE_RUNS) cache.delete(cache.keys().next().value ?? '');
    cache.set(input.runId, list);
  }
  const images = input.indexes.map((index) => {
    const item = list.images[index];
    if (!item) throw new Error(`run ${input.runId} has no image ${index}`);
    return { index, ...item };
  });
  return { cancelled: false, images };
};
