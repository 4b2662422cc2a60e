import { waitFor } from '../../../support/wait-for';
import { type Harness, VM_CONFIG, POOL, restError, startHarness, waitForJob, waitForTask } from './harness';

describe('Batch emulator pools and jobs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      mode: 'simulate',
      activeJobQuota: 3,
      // `hold` runs for an hour, anything else 20 ms.
      simulate: (t) => ({ durationMs: t.commandLine === 'hold' ? 3_600_000 : 20, exitCode: 0 }),
    });
  });
  afterAll(() => h.stop());
  afterEach(async () => {
    for (const job of await h.batch.job.list()) {
      if (job.state !== 'deleting') await h.batch.job.deleteMethod(job.id!);
    }
    await waitFor(async () => (await h.batch.job.list()).length === 0, { what: 'every job to be deleted' });
  });

  it('adds, gets, lists, checks and deletes a pool', async () => {
    await h.batch.pool.add({
      id: 'p2',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: {
        imageReference: {
          publisher: 'microsoft-azure-batch',
          offer: 'ubuntu-server-container',
          sku: '20-04-lts',
          version: 'latest',
        },
        nodeAgentSKUId: 'batch.node.ubuntu 20.04',
        containerConfiguration: { containerImageNames: ['worker:1'] },
      },
      targetDedicatedNodes: 2,
      taskSlotsPerNode: 4,
    });
    const pool = await h.batch.pool.get('p2');
    expect(pool).toMatchObject({
      id: 'p2',
      state: 'active',
      allocationState: 'steady',
      currentDedicatedNodes: 2,
      taskSlotsPerNode: 4,
    });
    expect(pool.eTag).toMatch(/^0x/);
    expect((await h.batch.pool.exists('p2')).body).toBe(true);
    expect((await h.batch.pool.exists('nope')).body).toBe(false);
    expect((await h.batch.pool.list()).map((p) => p.id).sort()).toEqual(['p2', POOL]);
    const dup = await restError(
      h.batch.pool.add({ id: 'p2', vmSize: 'standard_d2s_v3', virtualMachineConfiguration: VM_CONFIG }),
    );
    expect([dup.statusCode, dup.code]).toEqual([409, 'PoolExists']);
    await h.batch.pool.deleteMethod('p2');
    await untilRejected(() => h.batch.pool.get('p2'));
    expect((await h.batch.pool.exists('p2')).body).toBe(false);
    expect((await restError(h.batch.pool.get('p2'))).code).toBe('PoolNotFound');
  });

  it('evaluates the autoscale formula: the pool has the nodes it sets', async () => {
    const pool = await h.batch.pool.get(POOL);
    expect(pool).toMatchObject({ enableAutoScale: true, currentDedicatedNodes: 4, targetDedicatedNodes: 4 });
    expect(pool.autoScaleRun?.results).toBe('$TargetDedicatedNodes=4;$NodeDeallocationOption=requeue');
    const evaluated = await h.batch.pool.evaluateAutoScale(POOL, '$TargetDedicatedNodes = 2;');
    expect(evaluated.results).toContain('$TargetDedicatedNodes=2');
    expect((await h.batch.pool.get(POOL)).currentDedicatedNodes).toBe(4);
    await h.batch.pool.enableAutoScale(POOL, { autoScaleFormula: '$TargetDedicatedNodes = 3;' });
    expect((await h.batch.pool.get(POOL)).currentDedicatedNodes).toBe(3);
    const again = await restError(
      h.batch.pool.enableAutoScale(POOL, { autoScaleFormula: '$TargetDedicatedNodes = 3;' }),
    );
    expect([again.statusCode, again.code]).toEqual([503, 'TooManyEnableAutoScaleRequests']);
    const mixed = await restError(
      h.batch.pool.add({
        id: 'mixed',
        vmSize: 'standard_d2s_v3',
        virtualMachineConfiguration: VM_CONFIG,
        enableAutoScale: true,
        autoScaleFormula: '$TargetDedicatedNodes = 1;',
        targetDedicatedNodes: 1,
      }),
    );
    expect([mixed.statusCode, mixed.code]).toEqual([400, 'InvalidPropertyValue']);
    const fast = await restError(
      h.batch.pool.add({
        id: 'fast',
        vmSize: 'standard_d2s_v3',
        virtualMachineConfiguration: VM_CONFIG,
        enableAutoScale: true,
        autoScaleFormula: '$TargetDedicatedNodes = 1;',
        autoScaleEvaluationInterval: 'PT1M',
      }),
    );
    expect(fast.body.values).toContainEqual({ key: 'PropertyName', value: 'autoScaleEvaluationInterval' });
    const tooLong = await restError(h.batch.pool.evaluateAutoScale(POOL, 'x'.repeat(9000)));
    expect(tooLong.code).toBe('AutoScalingFormulaTooLong');
  });

  it('adds a job with metadata and constraints, gets and lists it, and terminates it', async () => {
    await h.batch.job.add({
      id: 'job1',
      poolInfo: { poolId: POOL },
      usesTaskDependencies: true,
      onAllTasksComplete: 'noaction',
      onTaskFailure: 'performexitoptionsjobaction',
      constraints: { maxWallClockTime: 'PT2H', maxTaskRetryCount: 1 },
      metadata: [{ name: 'runId', value: 'r1' }],
    });
    const job = await h.batch.job.get('job1');
    expect(job).toMatchObject({
      id: 'job1',
      state: 'active',
      usesTaskDependencies: true,
      onTaskFailure: 'performexitoptionsjobaction',
    });
    expect(job.metadata).toEqual([{ name: 'runId', value: 'r1' }]);
    expect(job.constraints).toMatchObject({ maxTaskRetryCount: 1 });
    expect(job.poolInfo?.poolId).toBe(POOL);
    expect((await h.batch.job.list({ jobListOptions: { filter: "id eq 'job1'" } })).map((j) => j.id)).toEqual(
      ['job1'],
    );
    const dup = await restError(h.batch.job.add({ id: 'job1', poolInfo: { poolId: POOL } }));
    expect([dup.statusCode, dup.code]).toEqual([409, 'JobExists']);
    await h.batch.job.terminate('job1', { jobTerminateOptions: { ifMatch: job.eTag } });
    const done = await waitForJob(h.batch, 'job1', (j) => j.state === 'completed');
    expect(done.executionInfo?.terminateReason).toBe('UserTerminate');
    expect((await restError(h.batch.job.terminate('job1'))).code).toBe('JobCompleted');
  });

  it('rejects a stale If-Match with 412 ConditionNotMet', async () => {
    await h.batch.job.add({ id: 'etag', poolInfo: { poolId: POOL } });
    const before = await h.batch.job.get('etag');
    await h.batch.job.patch('etag', { priority: 5 });
    const e = await restError(
      h.batch.job.terminate('etag', { jobTerminateOptions: { ifMatch: before.eTag } }),
    );
    expect([e.statusCode, e.code]).toEqual([412, 'ConditionNotMet']);
    expect((await h.batch.job.get('etag')).priority).toBe(5);
  });

  it('answers 304 ConditionNotMet to a get whose If-None-Match is current (the SDK throws on 304)', async () => {
    await h.batch.job.add({ id: 'cached', poolInfo: { poolId: POOL } });
    const job = await h.batch.job.get('cached');
    const e = await restError(h.batch.job.get('cached', { jobGetOptions: { ifNoneMatch: job.eTag } }));
    expect(e.statusCode).toBe(304);
    await h.batch.job.patch('cached', { priority: 1 });
    expect((await h.batch.job.get('cached', { jobGetOptions: { ifNoneMatch: job.eTag } })).priority).toBe(1);
  });

  it('requeues running tasks when their pool is deleted; they wait for a pool of that id', async () => {
    await h.batch.pool.add({
      id: 'temp',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: VM_CONFIG,
      targetDedicatedNodes: 1,
    });
    await h.batch.job.add({ id: 'onTemp', poolInfo: { poolId: 'temp' } });
    await h.batch.task.add('onTemp', { id: 'h', commandLine: 'hold' });
    await waitForTask(h.batch, 'onTemp', 'h', (t) => t.state === 'running');
    await h.batch.pool.deleteMethod('temp');
    const task = await waitForTask(h.batch, 'onTemp', 'h', (t) => (t.executionInfo?.requeueCount ?? 0) > 0);
    expect(task.state).toBe('active');
    expect(task.executionInfo?.requeueCount).toBe(1);
    await h.batch.pool.add({
      id: 'temp',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: VM_CONFIG,
      targetDedicatedNodes: 1,
    });
    expect(
      (await waitForTask(h.batch, 'onTemp', 'h', (t) => t.state === 'running')).executionInfo?.requeueCount,
    ).toBe(1);
    await h.batch.pool.deleteMethod('temp');
  });

  it('terminates a job with onAllTasksComplete=terminatejob once its tasks complete (set by patch)', async () => {
    await h.batch.job.add({ id: 'auto', poolInfo: { poolId: POOL } });
    await h.batch.task.addCollection('auto', [
      { id: 'a', commandLine: 'x' },
      { id: 'b', commandLine: 'x' },
    ]);
    await h.batch.job.patch('auto', { onAllTasksComplete: 'terminatejob' });
    const job = await waitForJob(h.batch, 'auto', (j) => j.state === 'completed');
    expect(job.executionInfo?.terminateReason).toBe('AllTasksComplete');
    const counts = await h.batch.job.getTaskCounts('auto');
    expect(counts.taskCounts).toMatchObject({ completed: 2, succeeded: 2, failed: 0, active: 0, running: 0 });
  });

  it('completes a terminatejob job at once when it has no tasks, as Batch documents', async () => {
    await h.batch.job.add({ id: 'empty', poolInfo: { poolId: POOL }, onAllTasksComplete: 'terminatejob' });
    const job = await waitForJob(h.batch, 'empty', (j) => j.state === 'completed');
    expect(job.executionInfo?.terminateReason).toBe('AllTasksComplete');
    const e = await restError(h.batch.task.add('empty', { id: 't', commandLine: 'x' }));
    expect([e.statusCode, e.code]).toEqual([409, 'JobCompleted']);
  });

  it('enforces the active-job quota with 409 ActiveJobAndScheduleQuotaReached', async () => {
    for (const id of ['q1', 'q2', 'q3']) await h.batch.job.add({ id, poolInfo: { poolId: POOL } });
    const e = await restError(h.batch.job.add({ id: 'q4', poolInfo: { poolId: POOL } }));
    expect([e.statusCode, e.code]).toEqual([409, 'ActiveJobAndScheduleQuotaReached']);
    await h.batch.job.terminate('q1');
    await waitForJob(h.batch, 'q1', (j) => j.state === 'completed');
    await h.batch.job.add({ id: 'q4', poolInfo: { poolId: POOL } });
    expect(
      h.emulator
        .resources()
        .activeJobs.map((j) => j.id)
        .sort(),
    ).toEqual(['q2', 'q3', 'q4']);
  });

  it('deletes a job: deleting, then gone', async () => {
    await h.batch.job.add({ id: 'gone', poolInfo: { poolId: POOL } });
    await h.batch.job.deleteMethod('gone');
    await untilRejected(() => h.batch.job.get('gone'));
    const e = await restError(h.batch.job.get('gone'));
    expect([e.statusCode, e.code]).toEqual([404, 'JobNotFound']);
  });

  it('answers 400 with the property path for a body the schema rejects, and records it', async () => {
    const response = await fetch(`${h.emulator.url}/jobs?api-version=2022-10-01.16.0`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(403);
    const e = await restError(h.batch.job.add({ id: 'bad id!', poolInfo: { poolId: POOL } }));
    expect([e.statusCode, e.code]).toEqual([400, 'InvalidPropertyValue']);
    expect(e.body.values).toContainEqual({ key: 'PropertyName', value: 'id' });
  });
});

/** Deletes complete on the emulator's clock (a timer), not within the call: waits until `read` fails, bounded. */
async function untilRejected(read: () => Promise<unknown>, timeoutMs = 5000): Promise<void> {
  await waitFor(
    () =>
      read().then(
        () => false,
        () => true,
      ),
    { what: 'the read to be rejected (the delete to complete)', timeoutMs, intervalMs: 20 },
  );
}
