/**
 * A lane: runs its images one after another, inline (lane n takes images n, n+L, n+2L, ...), and continues
 * as new every `plan.laneBatch` images, so its history stays small. Between images nothing is in flight.
 */
import type { OrchestrationContext } from 'durable-functions';
import { laneIndexes } from '../runs/plan';
import { addCounts, type ImageCounts } from '../runs/status';
import { callActivity } from './call';
import type { LaneCustomStatus, LaneInput, LaneOutput } from './contracts';
import { runImage } from './image.orchestrator';

/** Reasons kept per lane for images without a record (the manifest lists any others with a generic one). */
const MAX_UNRECORDED = 100;

/** Images of this lane from index `from` on. */
function remaining(from: number, lanes: number, images: number): number {
  return from >= images ? 0 : Math.ceil((images - from) / lanes);
}

function cancelledRest(counts: ImageCounts, from: number, lanes: number, images: number): LaneOutput {
  const rest = remaining(from, lanes, images);
  return {
    counts: addCounts(counts, { total: 0, succeeded: 0, failed: 0, cancelled: rest }),
    cancelled: true,
  };
}

export function* laneOrchestrator(
  context: OrchestrationContext,
): Generator<unknown, LaneOutput | undefined, unknown> {
  const input = context.df.getInput<LaneInput>();
  const { plan, lanes, images } = input;
  const indexes = laneIndexes(input.next, lanes, images, plan.laneBatch);
  let counts = input.counts;
  const unrecorded = [...(input.unrecorded ?? [])];
  let budgetExceeded = input.budgetExceeded === true;
  if (indexes.length === 0) return { counts, cancelled: false, unrecorded };
  const batch = yield* callActivity(context, 'loadImages', { runId: plan.runId, indexes });
  if (batch.cancelled) return cancelledRest(counts, input.next, lanes, images);
  for (const item of batch.images) {
    const current = { index: item.index, imageKey: item.imageKey, image: item.image };
    context.df.setCustomStatus({ counts, current } satisfies LaneCustomStatus);
    const result = yield* runImage(context, { plan, ...current }, (steps, step) =>
      context.df.setCustomStatus({
        counts,
        current: { ...current, steps, ...(step ? { step } : {}) },
      } satisfies LaneCustomStatus),
    );
    budgetExceeded ||= result.budgetExceeded === true;
    counts = addCounts(counts, {
      total: 0,
      succeeded: result.status === 'succeeded' ? 1 : 0,
      failed: result.status === 'failed' ? 1 : 0,
      cancelled: result.status === 'cancelled' ? 1 : 0,
    });
    if (result.error && unrecorded.length < MAX_UNRECORDED)
      unrecorded.push({ imageKey: item.imageKey, image: item.image, message: result.error.message });
    if (result.status === 'cancelled' && result.budgetExceeded)
      // The budget refused a step: the lane's other images do not start (counted cancelled; the manifest
      // lists them as not started).
      return {
        ...cancelledRest(counts, item.index + lanes, lanes, images),
        cancelled: false,
        budgetExceeded: true,
        unrecorded,
      };
    if (result.status === 'cancelled')
      return { ...cancelledRest(counts, item.index + lanes, lanes, images), unrecorded };
  }
  context.df.setCustomStatus({ counts } satisfies LaneCustomStatus);
  const last = indexes[indexes.length - 1] ?? input.next;
  const next = last + lanes;
  if (next < images) {
    context.df.continueAsNew({
      ...input,
      next,
      counts,
      unrecorded,
      ...(budgetExceeded ? { budgetExceeded } : {}),
    } satisfies LaneInput);
    return undefined;
  }
  return { counts, cancelled: false, unrecorded, ...(budgetExceeded ? { budgetExceeded } : {}) };
}
