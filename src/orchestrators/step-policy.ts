/** Pure decisions of the step orchestrator: polling backoff, failure classification, result records. */
import type { StepStatus } from '../compute/port';
import type { StepError } from '../runs/records';

export const POLL_INITIAL_MS = 5_000;
export const POLL_MAX_MS = 60_000;
/** After a callback the status is re-read soon: the group may still be stopping. */
export const POLL_AFTER_CALLBACK_MS = 2_000;
/** Margin on an admission lease beyond the step deadline (logs, teardown). */
export const LEASE_MARGIN_MS = 10 * 60_000;

export function nextBackoff(current: number): number {
  return Math.min(POLL_MAX_MS, current * 2);
}

const INACCESSIBLE =
  /inaccessible|invalidimage|imagepull|cannotpull|pull access denied|manifest unknown|unauthorized/i;

/** A failed status that retrying cannot fix: the image cannot be pulled. */
export function isPermanentFailure(status: StepStatus): boolean {
  return status.state === 'failed' && status.reason !== undefined && INACCESSIBLE.test(status.reason);
}

export function errorOf(status: StepStatus): StepError {
  if (isPermanentFailure(status)) {
    return { code: 'image-inaccessible', message: status.reason ?? 'the image cannot be pulled' };
  }
  if (status.exitCode !== undefined && status.exitCode !== 0) {
    return {
      code: 'exit-code',
      message: `exited with code ${status.exitCode}${status.reason ? ` (${status.reason})` : ''}`,
    };
  }
  return { code: 'infrastructure', message: status.reason ?? 'the step failed without an exit code' };
}

export function isFinal(status: StepStatus): boolean {
  return status.state === 'succeeded' || status.state === 'failed';
}

/** Run time of one attempt from the backend's times, else from the orchestration's own clock. */
export function attemptRunMs(
  status: StepStatus | undefined,
  fallbackStart: number,
  fallbackEnd: number,
): number {
  const start = status?.startedAt ? Date.parse(status.startedAt) : Number.NaN;
  const end = status?.finishedAt ? Date.parse(status.finishedAt) : Number.NaN;
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start) return end - start;
  return Math.max(0, fallbackEnd - fallbackStart);
}
