import { VirtualClock } from '../../../../packages/emulators/common/clock';
import { type Harness, POOL, restError, startHarness, waitForJob, waitForTask } from './harness';
import { waitFor } from '../../../support/wait-for';

describe('Batch emulator constraints on a virtual clock (process mode)', () => {
  let h: Harness;
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  beforeAll(async () => {
    h = await startHarness({ clock });
    await h.batch.job.add({ id: 'c', poolInfo: { poolId: POOL } });
  });
  afterAll(() => h.stop());

  it('terminates a task at maxWallClockTime measured on the clock', async () => {
    await h.batch.task.add('c', {
      id: 'slow',
      commandLine: 'sleep 30',
      constraints: { maxWallClockTime: 'PT10M', maxTaskRetryCount: 3 },
    });
    const running = await waitForTask(h.batch, 'c', 'slow', (t) => t.state === 'running');
    expect(running.executionInfo?.startTime?.getTime()).toBe(clock.now());
    await clock.advance(9 * 60_000);
    expect((await h.batch.task.get('c', 'slow')).state).toBe('running');
    await clock.advance(60_000);
    const task = await waitForTask(h.batch, 'c', 'slow');
    expect(task.executionInfo).toMatchObject({
      result: 'failure',
      retryCount: 0,
      failureInfo: { code: 'MaxWallClockTimeExpiry' },
    });
    expect(task.executionInfo!.endTime!.getTime() - task.executionInfo!.startTime!.getTime()).toBe(
      10 * 60_000,
    );
  });

  it('retries a failing task maxTaskRetryCount times, then reports the last exit code', async () => {
    await h.batch.task.add('c', {
      id: 'retry',
      commandLine: '/bin/sh -c "echo try >> ../tries.txt; exit 5"',
      constraints: { maxTaskRetryCount: 2 },
    });
    const task = await waitForTask(h.batch, 'c', 'retry');
    expect(task.executionInfo).toMatchObject({
      exitCode: 5,
      result: 'failure',
      retryCount: 2,
      requeueCount: 0,
    });
    expect(task.executionInfo?.lastRetryTime).toBeInstanceOf(Date);
  });

  it('succeeds on a retry when the second attempt exits 0 (the job default retry count applies)', async () => {
    await h.batch.job.add({ id: 'jr', poolInfo: { poolId: POOL }, constraints: { maxTaskRetryCount: 1 } });
    await h.batch.task.add('jr', {
      id: 'flaky',
      commandLine: `/bin/sh -c "test -f marker || { touch marker; exit 1; }"`,
    });
    const task = await waitForTask(h.batch, 'jr', 'flaky');
    expect(task.executionInfo).toMatchObject({ exitCode: 0, result: 'success', retryCount: 1 });
    expect(task.constraints?.maxTaskRetryCount).toBe(1);
  });
});

describe('Batch emulator job rules on a virtual clock (simulate mode)', () => {
  let h: Harness;
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  beforeAll(async () => {
    h = await startHarness({
      clock,
      mode: 'simulate',
      schedulingDelayMs: 3000,
      deleteDelayMs: 5000,
      simulate: (t) => ({ durationMs: 60_000, exitCode: Number(/exit (\d+)/.exec(t.commandLine)?.[1] ?? 0) }),
    });
  });
  afterAll(() => h.stop());

  it('keeps a task active for the scheduling delay, then runs it for its simulated time', async () => {
    await h.batch.job.add({ id: 'sched', poolInfo: { poolId: POOL } });
    const added = clock.now();
    await h.batch.task.add('sched', { id: 't', commandLine: 'exit 0' });
    // The scheduler has taken the task in once it armed its start, at most the scheduling delay away.
    await waitFor(() => clock.pending().some((at) => at > added && at <= added + 3000), {
      what: "the task's start to be armed on the clock",
    });
    expect((await h.batch.task.get('sched', 't')).state).toBe('active');
    await clock.advance(3000);
    expect((await h.batch.task.get('sched', 't')).state).toBe('running');
    await clock.advance(60_000);
    const task = await h.batch.task.get('sched', 't');
    expect(task.state).toBe('completed');
    expect(task.executionInfo!.endTime!.getTime() - task.executionInfo!.startTime!.getTime()).toBe(60_000);
  });

  it('terminates the job at its maxWallClockTime with MaxWallClockTimeExpiry', async () => {
    await h.batch.job.add({
      id: 'jwall',
      poolInfo: { poolId: POOL },
      constraints: { maxWallClockTime: 'PT30S' },
    });
    await h.batch.task.add('jwall', { id: 't', commandLine: 'exit 0' });
    await clock.advance(30_000);
    const job = await waitForJob(h.batch, 'jwall', (j) => j.state === 'completed');
    expect(job.executionInfo?.terminateReason).toBe('MaxWallClockTimeExpiry');
    expect((await h.batch.task.get('jwall', 't')).executionInfo?.failureInfo?.code).toBe('TaskEnded');
  });

  it('terminates the job with TaskFailed under performexitoptionsjobaction, unless exit options say none', async () => {
    await h.batch.job.add({
      id: 'jfail',
      poolInfo: { poolId: POOL },
      onTaskFailure: 'performexitoptionsjobaction',
      usesTaskDependencies: true,
    });
    await h.batch.task.addCollection('jfail', [
      {
        id: 'tolerated',
        commandLine: 'exit 3',
        exitConditions: {
          exitCodes: [{ code: 3, exitOptions: { jobAction: 'none', dependencyAction: 'satisfy' } }],
        },
      },
      { id: 'next', commandLine: 'exit 0', dependsOn: { taskIds: ['tolerated'] } },
    ]);
    await clock.advance(3000 + 60_000);
    expect((await h.batch.job.get('jfail')).state).toBe('active');
    await clock.advance(3000);
    expect((await h.batch.task.get('jfail', 'next')).state).toBe('running');
    await h.batch.task.add('jfail', { id: 'fatal', commandLine: 'exit 9' });
    await clock.advance(3000 + 60_000);
    const job = await waitForJob(h.batch, 'jfail', (j) => j.state === 'completed');
    expect(job.executionInfo?.terminateReason).toBe('TaskFailed');
  });

  it('keeps a deleted job in state deleting for deleteDelayMs: JobBeingDeleted, then gone', async () => {
    await h.batch.job.add({ id: 'del', poolInfo: { poolId: POOL } });
    await h.batch.job.deleteMethod('del');
    expect((await h.batch.job.get('del')).state).toBe('deleting');
    const again = await restError(h.batch.job.add({ id: 'del', poolInfo: { poolId: POOL } }));
    expect([again.statusCode, again.code]).toEqual([409, 'JobBeingDeleted']);
    await clock.advance(5000);
    expect((await restError(h.batch.job.get('del'))).code).toBe('JobNotFound');
    await h.batch.job.add({ id: 'del', poolInfo: { poolId: POOL } });
  });
});
