/**
 * Retry classes (docs/pipeline-spec.md, "Retry classes"), pure: whether a failed attempt is tried again and
 * with how much memory. `retries` still bounds the attempts; this only narrows which failures use them and
 * grows the memory after an out-of-memory kill.
 */
import type { StepStatus } from '../compute/port';
import type { RetryPolicy } from '../pipeline/types';
import type { StepOrchestratorInput } from './contracts';

export interface NextAttempt {
  readonly retry: boolean;
  /** The next attempt's memory (what admission reserves and the container gets). */
  readonly memoryGb: number;
  /** Why it is not retried, when a retry class says so. */
  readonly why?: string;
}

/** ACI and Batch: killed for exceeding its memory (ACI detailStatus OOMKilled; Batch only says exit 137). */
export function isOutOfMemory(status: StepStatus | undefined): boolean {
  if (status?.state !== 'failed') return false;
  return status.exitCode === 137 || /OOMKilled/i.test(status.reason ?? '');
}

/** ACI takes memory in tenths of a GB. */
const tenths = (gb: number) => Math.floor(gb * 10 + 1e-9) / 10;

/**
 * The attempt after one that failed and that the attempt itself would retry (not cancelled, not an
 * inaccessible image): `never` wins, then an out-of-memory kill under `onOutOfMemory` (more memory, up to
 * its cap; at the cap it is not retried), then `onExitCodes`. A failure without an exit code (timeout, lost
 * start) is retried as before.
 */
export function nextAttempt(
  policy: RetryPolicy | undefined,
  memoryGb: number,
  status: StepStatus | undefined,
): NextAttempt {
  const same = { retry: true, memoryGb };
  const code = status?.exitCode;
  if (!policy || code === undefined || code === 0) return same;
  if (policy.never?.includes(code))
    return { retry: false, memoryGb, why: `exit code ${code} is never retried` };
  const oom = policy.onOutOfMemory;
  if (oom && isOutOfMemory(status)) {
    const next = tenths(Math.min(oom.maxMemoryGB, memoryGb * oom.memoryFactor));
    return next > memoryGb
      ? { retry: true, memoryGb: next }
      : { retry: false, memoryGb, why: `out of memory at the cap of ${oom.maxMemoryGB} GB` };
  }
  if (policy.onExitCodes && !policy.onExitCodes.includes(code))
    return { retry: false, memoryGb, why: `exit code ${code} is not in onExitCodes` };
  return same;
}

/** The step input of one attempt: the step's plan with that attempt's memory. */
export function withMemory(input: StepOrchestratorInput, memoryGb: number): StepOrchestratorInput {
  return memoryGb === input.step.memoryGb ? input : { ...input, step: { ...input.step, memoryGb } };
}
