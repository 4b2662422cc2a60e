/** Run status aggregation (succeeded / partially_succeeded / failed / cancelled). */
import type { RunOutcome, StepOutcome } from './records';

export interface ImageCounts {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
}

export function emptyCounts(total = 0): ImageCounts {
  return { total, succeeded: 0, failed: 0, cancelled: 0 };
}

export function addCounts(a: ImageCounts, b: ImageCounts): ImageCounts {
  return {
    total: a.total + b.total,
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    cancelled: a.cancelled + b.cancelled,
  };
}

/**
 * - `cancelled`: the run was cancelled (whatever finished before);
 * - `succeeded`: every image and the finalize step (if any) succeeded;
 * - `partially_succeeded`: some image failed, but no more than `toleratedFailurePercent` of them, at least
 *   one succeeded, and finalize (if any) succeeded;
 * - `failed`: anything else.
 */
export function aggregateRunStatus(
  counts: ImageCounts,
  toleratedFailurePercent: number,
  cancelled: boolean,
  finalize?: StepOutcome,
): RunOutcome {
  if (cancelled || counts.cancelled > 0) return 'cancelled';
  if (finalize !== undefined && finalize !== 'succeeded' && finalize !== 'cached') return 'failed';
  if (counts.total === 0) return 'succeeded';
  if (counts.failed === 0 && counts.succeeded === counts.total) return 'succeeded';
  const failedPercent = (counts.failed * 100) / counts.total;
  if (counts.succeeded > 0 && failedPercent <= toleratedFailurePercent) return 'partially_succeeded';
  return 'failed';
}

/** Whether the finalize step should run: some image succeeded and the failures are tolerated. */
export function shouldFinalize(counts: ImageCounts, toleratedFailurePercent: number): boolean {
  const status = aggregateRunStatus(counts, toleratedFailurePercent, false);
  return status === 'succeeded' || status === 'partially_succeeded';
}
