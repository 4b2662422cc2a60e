import type { StepStatus } from '../../../src/compute/port';
import type { RetryPolicy } from '../../../src/pipeline/types';
import { isOutOfMemory, nextAttempt } from '../../../src/orchestrators/retry-policy';

const failed = (exitCode: number, reason?: string): StepStatus => ({
  state: 'failed',
  exitCode,
  ...(reason ? { reason } : {}),
});
const oom: RetryPolicy = { onOutOfMemory: { memoryFactor: 2, maxMemoryGB: 16 } };

describe('retry classes', () => {
  it('recognises an out-of-memory kill on ACI (OOMKilled) and Batch (exit 137)', () => {
    expect(isOutOfMemory(failed(137, 'exit 137: OOMKilled'))).toBe(true);
    expect(
      isOutOfMemory(failed(137, 'FailureExitCode: The task exited with an exit code representing a failure')),
    ).toBe(true);
    expect(isOutOfMemory(failed(1, 'exit 1: Error'))).toBe(false);
    expect(isOutOfMemory({ state: 'succeeded', exitCode: 0 })).toBe(false);
  });

  it('doubles the memory after an OOM kill, up to the cap, and stops at the cap', () => {
    expect(nextAttempt(oom, 2, failed(137, 'exit 137: OOMKilled'))).toEqual({ retry: true, memoryGb: 4 });
    expect(nextAttempt(oom, 12, failed(137))).toEqual({ retry: true, memoryGb: 16 });
    expect(nextAttempt(oom, 16, failed(137))).toEqual({
      retry: false,
      memoryGb: 16,
      why: 'out of memory at the cap of 16 GB',
    });
    // Tenths of a GB, rounded down (ACI's granularity).
    expect(nextAttempt({ onOutOfMemory: { memoryFactor: 1.5, maxMemoryGB: 16 } }, 0.3, failed(137))).toEqual({
      retry: true,
      memoryGb: 0.4,
    });
  });

  it('never wins over the other classes; onExitCodes narrows what is retried', () => {
    const policy: RetryPolicy = { ...oom, onExitCodes: [3], never: [137, 2] };
    expect(nextAttempt(policy, 2, failed(137))).toMatchObject({
      retry: false,
      why: 'exit code 137 is never retried',
    });
    expect(nextAttempt(policy, 2, failed(2))).toMatchObject({ retry: false });
    expect(nextAttempt(policy, 2, failed(3))).toEqual({ retry: true, memoryGb: 2 });
    expect(nextAttempt(policy, 2, failed(4))).toEqual({
      retry: false,
      memoryGb: 2,
      why: 'exit code 4 is not in onExitCodes',
    });
    // An OOM kill follows onOutOfMemory even when onExitCodes does not list 137.
    expect(nextAttempt({ ...oom, onExitCodes: [3] }, 2, failed(137))).toEqual({ retry: true, memoryGb: 4 });
  });

  it('retries as before without a policy, without an exit code, or for an OOM without onOutOfMemory', () => {
    expect(nextAttempt(undefined, 2, failed(137))).toEqual({ retry: true, memoryGb: 2 });
    expect(nextAttempt(oom, 2, undefined)).toEqual({ retry: true, memoryGb: 2 });
    expect(nextAttempt({ never: [1] }, 2, failed(137))).toEqual({ retry: true, memoryGb: 2 });
  });
});
