import { VirtualClock } from '../../../../packages/emulators/common/clock';
import type { BatchServiceModels } from '@azure/batch';
import { type Harness, POOL, startHarness, waitForTask } from './harness';

describe('Batch emulator run faults (simulate mode, virtual clock)', () => {
  let h: Harness;
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  let n = 0;
  beforeAll(async () => {
    h = await startHarness({ clock, mode: 'simulate', simulate: { durationMs: 10_000, exitCode: 0 } });
    await h.batch.job.add({ id: 'f', poolInfo: { poolId: POOL } });
  });
  afterAll(() => h.stop());

  /**
   * Adds a task under a fresh id and returns its id once the scheduler has acted on it: by default once it
   * has left `active` (started, or failed at once).
   */
  async function runTask(
    acted: (task: BatchServiceModels.CloudTask) => boolean = (t) => t.state !== 'active',
    extra: object = {},
  ): Promise<string> {
    n += 1;
    const id = `t${n}`;
    await h.batch.task.add('f', {
      id,
      commandLine: 'worker --go',
      containerSettings: { imageName: 'registry.example/worker:1' },
      ...extra,
    });
    await waitForTask(h.batch, 'f', id, acted);
    return id;
  }

  it('inaccessible-image: completes with ContainerInvalidImage and no exit code', async () => {
    h.emulator.faults.add({ operation: 'Run', resource: `f/t${n + 1}$`, kind: 'inaccessible-image' });
    const id = await runTask();
    const task = await waitForTask(h.batch, 'f', id);
    expect(task.executionInfo).toMatchObject({
      result: 'failure',
      failureInfo: { category: 'usererror', code: 'ContainerInvalidImage' },
    });
    expect(task.executionInfo?.exitCode).toBeUndefined();
  });

  it('oom: the task exits 137', async () => {
    h.emulator.faults.add({ operation: 'Run', resource: `f/t${n + 1}$`, kind: 'oom' });
    const id = await runTask();
    const task = await waitForTask(h.batch, 'f', id);
    expect(task.executionInfo).toMatchObject({
      exitCode: 137,
      result: 'failure',
      failureInfo: { code: 'FailureExitCode' },
    });
  });

  it('exit-code: the task exits with the configured code after its normal run time', async () => {
    h.emulator.faults.add({ operation: 'Run', resource: `f/t${n + 1}$`, kind: 'exit-code', exitCode: 42 });
    const id = await runTask();
    expect((await h.batch.task.get('f', id)).state).toBe('running');
    await clock.advance(10_000);
    expect((await waitForTask(h.batch, 'f', id)).executionInfo).toMatchObject({
      exitCode: 42,
      result: 'failure',
    });
  });

  it('slow-provisioning: the task stays active for the extra delay (clock moved by the admin API)', async () => {
    h.emulator.faults.add({
      operation: 'Run',
      resource: `f/t${n + 1}$`,
      kind: 'slow-provisioning',
      delayMs: 120_000,
    });
    const added = clock.now();
    // Acted on: its start is armed on the clock, 120 s away.
    const id = await runTask(() => clock.pending().includes(added + 120_000));
    const advanced = await fetch(`${h.emulator.url}/__admin/clock/advance`, {
      method: 'POST',
      body: '{"ms":119000}',
    });
    expect(advanced.status).toBe(200);
    expect(((await advanced.json()) as { now: string }).now).toBe(new Date(clock.now()).toISOString());
    expect((await h.batch.task.get('f', id)).state).toBe('active');
    await clock.advance(1_000);
    expect((await h.batch.task.get('f', id)).state).toBe('running');
    await clock.advance(10_000);
    expect((await h.batch.task.get('f', id)).executionInfo?.result).toBe('success');
  });

  it('node-lost: the running task is requeued (requeueCount + 1) and runs again', async () => {
    h.emulator.faults.add({
      operation: 'Run',
      resource: `f/t${n + 1}$`,
      kind: 'node-lost',
      delayMs: 5_000,
      times: 1,
    });
    const id = await runTask();
    expect((await h.batch.task.get('f', id)).state).toBe('running');
    await clock.advance(5_000);
    const requeued = await h.batch.task.get('f', id);
    expect(requeued.executionInfo).toMatchObject({ requeueCount: 1, retryCount: 0 });
    expect(requeued.state).toBe('running');
    await clock.advance(10_000);
    const task = await waitForTask(h.batch, 'f', id);
    expect(task.executionInfo).toMatchObject({
      result: 'success',
      exitCode: 0,
      requeueCount: 1,
      retryCount: 0,
    });
  });

  it('never-finishes: the task runs until terminated', async () => {
    h.emulator.faults.add({ operation: 'Run', resource: `f/t${n + 1}$`, kind: 'never-finishes' });
    const id = await runTask();
    await clock.advance(7 * 24 * 3_600_000);
    expect((await h.batch.task.get('f', id)).state).toBe('running');
    expect(h.emulator.resources().tasks.running).toBe(1);
    await h.batch.task.terminate('f', id);
    expect((await h.batch.task.get('f', id)).executionInfo?.failureInfo?.code).toBe('TaskEnded');
  });

  it('a task no rule matches runs normally, and the counts add up', async () => {
    const id = await runTask();
    await clock.advance(10_000);
    expect((await waitForTask(h.batch, 'f', id)).executionInfo).toMatchObject({
      exitCode: 0,
      result: 'success',
      requeueCount: 0,
    });
    const counts = await h.batch.job.getTaskCounts('f');
    expect(counts.taskCounts).toMatchObject({ completed: 7, running: 0, active: 0, succeeded: 3, failed: 4 });
  });
});
