import { BatchSharedKeyCredentials } from '@azure/batch';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../packages/emulators/common/clock';
import {
  type BatchEmulator,
  type BatchEmulatorOptions,
  startBatchEmulator,
} from '../../../packages/emulators/batch';
import { createBatchClient } from '../../../src/compute/batch/batch-client';
import { BatchBackend } from '../../../src/compute/batch/batch-backend';
import type { CallPolicy } from '../../../src/adapters/call-policy';
import { DefaultSecretResolver } from '../../../src/secrets/secret-resolver';
import { testBlobStore } from './support';
import { waitFor } from '../../support/wait-for';

export const BATCH_ACCOUNT = 'flotillatest';
export const BATCH_KEY = Buffer.from('flotilla-batch-emulator-test-key').toString('base64');

export interface BatchHarness {
  readonly emulator: BatchEmulator;
  /** Replaced by `renew()`: a fresh adapter forgets the pools and jobs it made (as after a restart). */
  backend: BatchBackend;
  renew(): void;
  readonly slept: number[];
  readonly policy: CallPolicy;
  counts(): Record<string, number>;
}

/** The Batch adapter as the composition root builds it (SDK retries off, callSdk owns them), against the emulator. */
export async function batchHarness(
  options: Partial<BatchEmulatorOptions> & {
    clock?: Clock;
    timeoutMs?: number;
    defaultPoolId?: string;
    secretSettings?: Record<string, string>;
  } = {},
): Promise<BatchHarness> {
  const emulator = await startBatchEmulator({
    account: BATCH_ACCOUNT,
    key: BATCH_KEY,
    mode: 'simulate',
    // The adapter's autoscale pools evaluate every 50 ms of a real clock (500 ms of a virtual one, which tests
    // advance by hours), not every 5 minutes.
    autoScaleIntervalMs: options.clock ? 500 : 50,
    ...(options.mode === 'process' ? { workRoot: mkdtempSync(join(tmpdir(), 'flotilla-batch-')) } : {}),
    ...options,
  });
  const slept: number[] = [];
  const policy: CallPolicy = {
    timeoutMs: options.timeoutMs ?? 5_000,
    attempts: 3,
    baseDelayMs: 50,
    maxWaitMs: 5_000,
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  };
  const make = () =>
    new BatchBackend({
      client: createBatchClient(new BatchSharedKeyCredentials(BATCH_ACCOUNT, BATCH_KEY), emulator.url),
      policy,
      deploymentId: 'test-deployment',
      store: testBlobStore(),
      secrets: new DefaultSecretResolver(undefined, options.secretSettings ?? {}, 1000),
      ...(options.defaultPoolId ? { defaultPoolId: options.defaultPoolId } : {}),
      ...(options.clock ? { now: () => options.clock?.now() ?? 0 } : {}),
    });
  const harness: BatchHarness = {
    emulator,
    backend: make(),
    renew: () => {
      harness.backend = make();
    },
    slept,
    policy,
    counts: () => emulator.recorder.counts(),
  };
  return harness;
}

/** Moves a virtual clock in steps, so work the emulator chains between timers (dependencies) keeps up. */
export async function advanceInSteps(
  clock: { advance(ms: number): Promise<void>; dueNow(): number },
  ms: number,
  step = 1_000,
): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    await clock.advance(Math.min(step, ms - done));
    // Work the step made due at once (task done -> dependents ready) has run before the next step.
    await waitFor(() => clock.dueNow() === 0, { what: 'the work due on the clock to run', intervalMs: 1 });
  }
}
