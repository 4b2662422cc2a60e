import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BatchEmulator,
  type BatchEmulatorOptions,
  startBatchEmulator,
} from '../../../../packages/emulators/batch';
import { batchClient } from '../../../support/batch-client';
import { waitFor } from '../../../support/wait-for';

export const ACCOUNT = 'flotillatest';
export const KEY = Buffer.from('a test key that is not a secret').toString('base64');
export const POOL = 'pool1';
/** What every Pool_Add needs since Cloud Services pools were retired. */
export const VM_CONFIG = {
  imageReference: { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
  nodeAgentSKUId: 'batch.node.ubuntu 24.04',
};

export interface Harness {
  readonly emulator: BatchEmulator;
  readonly batch: BatchServiceClient;
  readonly workRoot: string;
  stop(): Promise<void>;
}

/**
 * An emulator (process mode unless told) with an autoscale pool `pool1` (2 slots per node; its formula, evaluated
 * when the pool is added, gives 4 nodes unless `formula` says otherwise), and the real SDK client.
 */
export async function startHarness(
  options: Partial<BatchEmulatorOptions> & { formula?: string } = {},
): Promise<Harness> {
  const { formula = '$TargetDedicatedNodes = 4;', ...rest } = options;
  const workRoot = mkdtempSync(join(tmpdir(), 'flotilla-batch-'));
  const emulator = await startBatchEmulator({
    account: ACCOUNT,
    key: KEY,
    mode: 'process',
    workRoot,
    pools: [
      {
        id: POOL,
        vmSize: 'standard_d2s_v3',
        virtualMachineConfiguration: VM_CONFIG,
        enableAutoScale: true,
        autoScaleFormula: formula,
        taskSlotsPerNode: 2,
      },
    ],
    ...rest,
  });
  return {
    emulator,
    batch: batchClient(emulator),
    workRoot,
    async stop() {
      await emulator.stop();
      rmSync(workRoot, { recursive: true, force: true });
    },
  };
}

/** Polls the task (through the SDK) until `done` holds; real processes run on wall-clock time. */
export async function waitForTask(
  batch: BatchServiceClient,
  jobId: string,
  taskId: string,
  done: (t: BatchServiceModels.CloudTask) => boolean = (t) => t.state === 'completed',
  timeoutMs = 20_000,
): Promise<BatchServiceModels.CloudTask> {
  let state: string | undefined;
  return waitFor(
    async () => {
      const task = await batch.task.get(jobId, taskId);
      state = task.state;
      return done(task) ? task : undefined;
    },
    { what: () => `task ${jobId}/${taskId} (last state ${state ?? 'unknown'})`, timeoutMs, intervalMs: 20 },
  );
}

export async function waitForJob(
  batch: BatchServiceClient,
  jobId: string,
  done: (j: BatchServiceModels.CloudJob) => boolean,
  timeoutMs = 20_000,
): Promise<BatchServiceModels.CloudJob> {
  return waitFor(
    async () => {
      const job = await batch.job.get(jobId);
      return done(job) ? job : undefined;
    },
    { what: `job ${jobId} to reach the expected state`, timeoutMs, intervalMs: 20 },
  );
}

/** The RestError the SDK throws, with Batch's code and message text. */
export interface BatchErrorBody {
  code?: string;
  message?: { value?: string };
  values?: { key: string; value: string }[];
}

export async function restError(
  promise: Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; body: BatchErrorBody; text: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; body?: BatchErrorBody; message?: unknown };
    const text = e.body?.message?.value ?? JSON.stringify(e.message);
    return { statusCode: e.statusCode, code: e.code, body: e.body ?? {}, text };
  }
  throw new Error('expected the call to fail');
}
