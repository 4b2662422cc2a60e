import type { BatchServiceModels } from '@azure/batch';
import { VirtualClock } from '../../../packages/emulators/common/clock';
import type { FaultRule } from '../../../packages/emulators/common/faults';
import { addTasks } from '../../../src/compute/batch/add-tasks';
import { createBatchClient } from '../../../src/compute/batch/batch-client';
import { AdapterError } from '../../../src/adapters/errors';
import { batchJobId } from '../../../src/compute/naming';
import type { StepLaunch } from '../../../src/compute/port';
import { BatchSharedKeyCredentials } from '@azure/batch';
import { uniqueContainerName } from '../../support/azurite';
import { aLaunch } from '../../unit/compute/launch-builder';
import { BATCH_ACCOUNT, BATCH_KEY, type BatchHarness, advanceInSteps, batchHarness } from './batch-harness';

/** Every fault the Batch emulator injects: classification and retry behaviour of the adapter. */
describe('Batch adapter under injected faults', () => {
  let h: BatchHarness;
  let clock: VirtualClock;
  const results = uniqueContainerName('batch-faults');
  let run = 0;
  let runId = '';
  const launch = (over: Partial<StepLaunch> = {}): StepLaunch =>
    aLaunch({
      runId,
      pool: { vmSize: 'standard_d2s_v3', maxNodes: 1 },
      outputs: { container: results, prefix: 'o' },
      logs: { container: results, prefix: 'l' },
      ...over,
    });
  const fault = (rule: Omit<FaultRule, 'service'>) => h.emulator.faults.add({ service: 'batch', ...rule });
  const startError = async (): Promise<AdapterError> => {
    const error = await h.backend.start([launch()]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AdapterError);
    return error as AdapterError;
  };
  const finished = async () => {
    await advanceInSteps(clock, 20_000);
    return h.backend.status(launch());
  };

  beforeAll(async () => {
    clock = new VirtualClock(Date.now());
    h = await batchHarness({ clock, timeoutMs: 1_000, simulate: { durationMs: 5_000, exitCode: 0 } });
    await h.backend.start([launch()]);
  });
  afterAll(() => h.emulator.stop());
  beforeEach(() => {
    h.emulator.reset();
    h.renew();
    h.slept.length = 0;
    run += 1;
    runId = `faults-${run}`;
  });

  it('429 with Retry-After (which the Batch SDK never retries): waited and retried by the adapter', async () => {
    fault({ operation: 'Task_AddCollection', kind: 'throttle', retryAfterSeconds: 1, times: 1 });
    const [result] = await h.backend.start([launch()]);
    expect(result?.created).toBe(true);
    expect(h.slept).toEqual([1000]);
    expect(h.counts().Task_AddCollection).toBe(2);
  });

  it('ServerBusy (503) after committing the job: the retry meets JobExists, which is success', async () => {
    fault({ operation: 'Job_Add', kind: 'server-error', status: 503, commit: true, times: 1 });
    await h.backend.start([launch()]);
    expect(h.counts().Job_Add).toBe(2);
    expect(h.emulator.resources().activeJobs).toEqual([{ id: batchJobId(runId), state: 'active' }]);
  });

  it('OperationTimedOut (500) after committing the tasks: the retry meets TaskExists, counted as already added', async () => {
    fault({ operation: 'Task_AddCollection', kind: 'server-error', status: 500, commit: true, times: 1 });
    const [result] = await h.backend.start([launch()]);
    expect(result?.created).toBe(false);
    expect(h.counts().Task_AddCollection).toBe(2);
    expect(h.emulator.resources().tasks.active + h.emulator.resources().tasks.running).toBe(1);
  });

  it('5xx on every attempt: transient SERVER_ERROR', async () => {
    fault({ operation: 'Job_Add', kind: 'server-error', status: 503 });
    const error = await startError();
    expect([error.kind, error.code, error.details.serviceCode]).toEqual([
      'transient',
      'SERVER_ERROR',
      'ServerBusy',
    ]);
    expect(h.counts().Job_Add).toBe(3);
  });

  it('no response: NETWORK, retried; hang: TIMEOUT per attempt', async () => {
    fault({ operation: 'Task_AddCollection', kind: 'no-response', times: 1 });
    await h.backend.start([launch()]);
    expect(h.slept).toHaveLength(1);
    fault({ operation: 'Task_List', kind: 'hang' });
    const error = await h.backend.pollRun(runId).catch((e: unknown) => e as AdapterError);
    expect(error).toMatchObject({ kind: 'transient', code: 'TIMEOUT' });
  });

  it('active job quota: capacity back-pressure, not a failure, not retried in the call', async () => {
    fault({ operation: 'Job_Add', kind: 'quota' });
    const error = await startError();
    expect([error.kind, error.code, error.details.serviceCode]).toEqual([
      'capacity',
      'CAPACITY',
      'ActiveJobAndScheduleQuotaReached',
    ]);
    expect(h.counts().Job_Add).toBe(1);
  });

  it('inaccessible image: the task fails with ContainerInvalidImage and no exit code', async () => {
    fault({ operation: 'Run', kind: 'inaccessible-image' });
    await h.backend.start([launch()]);
    const status = await finished();
    expect(status.state).toBe('failed');
    expect(status.exitCode).toBeUndefined();
    expect(status.reason).toMatch(/^ContainerInvalidImage/);
  });

  it('OOM: exit code 137', async () => {
    fault({ operation: 'Run', kind: 'oom', delayMs: 1_000 });
    await h.backend.start([launch()]);
    expect(await finished()).toMatchObject({ state: 'failed', exitCode: 137 });
  });

  it('exit code: a non-zero exit is a failed step with that exit code (a step outcome, not an error)', async () => {
    fault({ operation: 'Run', kind: 'exit-code', exitCode: 3, delayMs: 1_000 });
    await h.backend.start([launch()]);
    expect(await finished()).toMatchObject({ state: 'failed', exitCode: 3 });
  });

  it('node lost: the task goes back to pending (requeued), then runs to completion', async () => {
    fault({ operation: 'Run', kind: 'node-lost', delayMs: 2_000, times: 1 });
    await h.backend.start([launch()]);
    await advanceInSteps(clock, 2_500, 500);
    const mid = await h.backend.status(launch());
    expect(['pending', 'running']).toContain(mid.state);
    expect(mid.reason).toMatch(/node was lost/);
    expect(await finished()).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });

  it('slow provisioning: pending for the delay, then runs', async () => {
    fault({ operation: 'Run', kind: 'slow-provisioning', delayMs: 60_000 });
    await h.backend.start([launch()]);
    expect(await finished()).toMatchObject({ state: 'pending' });
    await advanceInSteps(clock, 60_000, 5_000);
    expect((await h.backend.status(launch())).state).not.toBe('pending');
  });

  it('never finishes: still running after a long wait; the task wall clock is the step timeout', async () => {
    fault({ operation: 'Run', kind: 'never-finishes' });
    await h.backend.start([launch({ timeoutMs: 3_600_000 })]);
    await advanceInSteps(clock, 1_800_000, 60_000);
    expect((await h.backend.status(launch())).state).toBe('running');
    await advanceInSteps(clock, 1_900_000, 60_000);
    expect(await h.backend.status(launch())).toMatchObject({ state: 'failed' });
  });

  it('413 RequestBodyTooLarge: the collection is split in half and every task is added', async () => {
    await h.backend.start([launch()]);
    const client = createBatchClient(new BatchSharedKeyCredentials(BATCH_ACCOUNT, BATCH_KEY), h.emulator.url);
    const big = (i: number): BatchServiceModels.TaskAddParameter => ({
      id: `big-${i}`,
      commandLine: '/bin/sh -c true',
      containerSettings: { imageName: 'busybox' },
      environmentSettings: [{ name: 'PAD', value: 'x'.repeat(300_000) }],
    });
    const before = h.counts().Task_AddCollection ?? 0;
    const outcomes = await addTasks(client, batchJobId(runId), [0, 1, 2, 3, 4].map(big), h.policy, {
      maxBytes: 4 * 1024 * 1024,
    });
    expect(outcomes.every((o) => o.created)).toBe(true);
    expect((h.counts().Task_AddCollection ?? 0) - before).toBeGreaterThanOrEqual(3);
  });
});
