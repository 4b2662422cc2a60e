import { batchClient } from '../../../support/batch-client';
import { type Harness, POOL, restError, startHarness } from './harness';

describe('Batch emulator request faults, as the SDK sees them', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'simulate', simulate: { durationMs: 3_600_000, exitCode: 0 } });
  });
  afterAll(() => h.stop());
  beforeEach(() => h.emulator.faults.clear());

  const calls = (operation: string) => h.emulator.recorder.all().filter((r) => r.operation === operation);

  it('throttle: 429 with Retry-After, which the SDK does not retry', async () => {
    h.emulator.faults.add({
      service: 'batch',
      operation: 'Job_Add',
      kind: 'throttle',
      retryAfterSeconds: 2,
      times: 1,
    });
    const before = calls('Job_Add').length;
    const e = await restError(h.batch.job.add({ id: 'thr', poolInfo: { poolId: POOL } }));
    expect([e.statusCode, e.code]).toEqual([429, 'TooManyRequests']);
    expect(calls('Job_Add').length - before).toBe(1);
    await h.batch.job.add({ id: 'thr', poolInfo: { poolId: POOL } });
  });

  it('server-error 503 ServerBusy: retried by the SDK policy, then succeeds', async () => {
    h.emulator.faults.add({ operation: 'Job_Get', kind: 'server-error', status: 503, times: 1 });
    const before = calls('Job_Get').length;
    expect((await h.batch.job.get('thr')).id).toBe('thr');
    expect(
      calls('Job_Get')
        .slice(before)
        .map((r) => r.status),
    ).toEqual([503, 200]);
  });

  it('server-error without retries surfaces OperationTimedOut (500) to the caller', async () => {
    h.emulator.faults.add({ operation: 'Job_Get', kind: 'server-error', status: 500, times: 1 });
    const e = await restError(batchClient(h.emulator, { retries: 0 }).job.get('thr'));
    expect([e.statusCode, e.code]).toEqual([500, 'OperationTimedOut']);
  });

  it('commit-then-fail on Job_Add: the SDK retry sees 409 JobExists, and the job exists', async () => {
    h.emulator.faults.add({
      operation: 'Job_Add',
      kind: 'server-error',
      status: 503,
      commit: true,
      times: 1,
    });
    const e = await restError(h.batch.job.add({ id: 'committed', poolInfo: { poolId: POOL } }));
    expect([e.statusCode, e.code]).toEqual([409, 'JobExists']);
    expect((await h.batch.job.get('committed')).state).toBe('active');
    const attempts = calls('Job_Add').filter(
      (r) => r.clientRequestId === calls('Job_Add').at(-1)!.clientRequestId,
    );
    // The first attempt committed and failed; every retry of the same call met the job it had created.
    expect(attempts[0]!.status).toBe(503);
    expect(attempts.slice(1).map((r) => r.status)).toContain(409);
    expect(new Set(attempts.slice(1).map((r) => r.status))).toEqual(new Set([409]));
  });

  it('commit-then-fail on Task_AddCollection: the retry reports TaskExists per task', async () => {
    h.emulator.faults.add({
      operation: 'Task_AddCollection',
      kind: 'server-error',
      status: 500,
      commit: true,
      times: 1,
    });
    const result = await h.batch.task.addCollection('committed', [
      { id: 'a', commandLine: 'x' },
      { id: 'b', commandLine: 'x' },
    ]);
    expect(result.value!.map((r) => [r.taskId, r.status, r.error?.code])).toEqual([
      ['a', 'clienterror', 'TaskExists'],
      ['b', 'clienterror', 'TaskExists'],
    ]);
  });

  it('partial collection: one item answers servererror ServerBusy, the others succeed', async () => {
    h.emulator.faults.add({
      operation: 'TaskAddResult',
      resource: 'committed/p2$',
      kind: 'server-error',
      times: 1,
    });
    const result = await h.batch.task.addCollection(
      'committed',
      [1, 2, 3].map((i) => ({ id: `p${i}`, commandLine: 'x' })),
    );
    expect(result.value!.map((r) => [r.taskId, r.status, r.error?.code])).toEqual([
      ['p1', 'success', undefined],
      ['p2', 'servererror', 'ServerBusy'],
      ['p3', 'success', undefined],
    ]);
    expect((await restError(h.batch.task.get('committed', 'p2'))).code).toBe('TaskNotFound');
  });

  it('no-response: the connection is dropped; the SDK system-error retry gets through', async () => {
    h.emulator.faults.add({ operation: 'Pool_Get', kind: 'no-response', times: 1 });
    const before = calls('Pool_Get').length;
    expect((await h.batch.pool.get(POOL)).id).toBe(POOL);
    expect(
      calls('Pool_Get')
        .slice(before)
        .map((r) => r.status),
    ).toEqual([0, 200]);
  });

  it('hang: no answer ever; the caller needs its own timeout', async () => {
    h.emulator.faults.add({ operation: 'Job_List', kind: 'hang', times: 1 });
    await expect(batchClient(h.emulator, { retries: 0 }).job.list({ timeout: 300 })).rejects.toMatchObject({
      code: 'REQUEST_ABORTED_ERROR',
    });
    expect(calls('Job_List').at(-1)).toMatchObject({ status: 0, fault: expect.stringContaining('hang') });
  });

  it('quota: Job_Add answers 409 ActiveJobAndScheduleQuotaReached, Pool_Add 409 PoolQuotaReached', async () => {
    h.emulator.faults.add(
      { operation: 'Job_Add', kind: 'quota', times: 1 },
      { operation: 'Pool_Add', kind: 'quota', times: 1 },
    );
    const job = await restError(h.batch.job.add({ id: 'q', poolInfo: { poolId: POOL } }));
    expect([job.statusCode, job.code]).toEqual([409, 'ActiveJobAndScheduleQuotaReached']);
    const pool = await restError(h.batch.pool.add({ id: 'qp', vmSize: 'standard_d2s_v3' }));
    expect([pool.statusCode, pool.code]).toEqual([409, 'PoolQuotaReached']);
  });

  it('admin API: add faults, read counts, requests and resources, reset', async () => {
    const add = await fetch(`${h.emulator.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ operation: 'Task_Get', kind: 'throttle', times: 1 }] }),
    });
    expect(add.status).toBe(200);
    expect((await restError(h.batch.task.get('committed', 'a'))).statusCode).toBe(429);
    const counts = (await (await fetch(`${h.emulator.url}/__admin/counts`)).json()) as Record<string, number>;
    expect(counts.Task_Get).toBeGreaterThan(0);
    const requests = (await (await fetch(`${h.emulator.url}/__admin/requests`)).json()) as {
      operation: string;
    }[];
    expect(requests.length).toBe(h.emulator.recorder.all().length);
    const res = (await (await fetch(`${h.emulator.url}/__admin/resources`)).json()) as {
      activeJobs: { id: string }[];
      tasks: { running: number };
    };
    expect(res.activeJobs.map((j) => j.id).sort()).toEqual(['committed', 'thr']);
    expect(res.tasks.running).toBe(4);
    expect(
      (await fetch(`${h.emulator.url}/__admin/clock/advance`, { method: 'POST', body: '{"ms":1}' })).status,
    ).toBe(400);
    expect((await fetch(`${h.emulator.url}/__admin/reset`, { method: 'POST' })).status).toBe(200);
    expect(h.emulator.resources()).toEqual({ activeJobs: [], tasks: { active: 0, running: 0 }, pools: [] });
    expect(h.emulator.recorder.all()).toEqual([]);
  });
});
