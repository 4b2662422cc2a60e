import type { BatchServiceModels } from '@azure/batch';
import { type Harness, POOL, restError, startHarness, waitForTask } from './harness';

/** Simulated tasks: `exit N` exits N after 10 ms; `hold` runs 1 hour (so it stays running). */
const plan = (task: { commandLine: string }) => {
  const exit = /^exit (\d+)$/.exec(task.commandLine);
  return task.commandLine === 'hold'
    ? { durationMs: 3_600_000, exitCode: 0 }
    : { durationMs: 10, exitCode: Number(exit?.[1] ?? 0) };
};
const tasks = (n: number, prefix = 't'): BatchServiceModels.TaskAddParameter[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, commandLine: 'exit 0' }));

describe('Batch emulator tasks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'simulate', simulate: plan, formula: '$TargetDedicatedNodes = 10;' });
    await h.batch.job.add({ id: 'job', poolInfo: { poolId: POOL }, usesTaskDependencies: true });
  });
  afterAll(() => h.stop());

  it('adds a collection of 100 tasks with a success result for each', async () => {
    const result = await h.batch.task.addCollection('job', tasks(100, 'c'));
    expect(result.value).toHaveLength(100);
    expect(
      result.value!.every(
        (r) => r.status === 'success' && r.eTag && r.location?.endsWith(`/tasks/${r.taskId}`),
      ),
    ).toBe(true);
    expect(
      (await h.batch.job.getTaskCounts('job')).taskCounts.active +
        (await h.batch.job.getTaskCounts('job')).taskCounts.completed,
    ).toBeGreaterThan(0);
  });

  it('rejects a 101st task: the SDK refuses it, and the emulator answers 400 for raw bodies', async () => {
    await expect(h.batch.task.addCollection('job', tasks(101, 'x'))).rejects.toThrow(/100/);
    const raw = await h.batch.sendRequest({
      method: 'POST',
      url: `${h.emulator.url}/jobs/job/addtaskcollection?api-version=2022-10-01.16.0`,
      headers: { 'content-type': 'application/json; odata=minimalmetadata; charset=utf-8' },
      body: { value: tasks(101, 'x') },
    });
    expect(raw.status).toBe(400);
    expect(raw.parsedBody).toMatchObject({
      code: 'InvalidPropertyValue',
      values: [{ key: 'PropertyName', value: 'value' }, expect.anything()],
    });
    expect((await h.batch.task.addCollection('job', tasks(1, 'c'))).value![0]).toMatchObject({
      status: 'clienterror',
      taskId: 'c0',
      error: { code: 'TaskExists' },
    });
  });

  it('answers 413 RequestBodyTooLarge for a collection over 1 MB', async () => {
    const big = tasks(50, 'big').map((t) => ({
      ...t,
      environmentSettings: [{ name: 'PAD', value: 'x'.repeat(25_000) }],
    }));
    const e = await restError(h.batch.task.addCollection('job', big));
    expect([e.statusCode, e.code]).toEqual([413, 'RequestBodyTooLarge']);
  });

  it('never echoes a registry password', async () => {
    await h.batch.task.add('job', {
      id: 'private',
      commandLine: 'exit 0',
      containerSettings: {
        imageName: 'r.example/w:1',
        registry: { registryServer: 'r.example', userName: 'u', password: 'hunter2' },
      },
    });
    const task = await h.batch.task.get('job', 'private');
    expect(task.containerSettings?.registry).toEqual({ registryServer: 'r.example', userName: 'u' });
    const listed = await h.batch.task.list('job', { taskListOptions: { filter: "id eq 'private'" } });
    expect(JSON.stringify(listed)).not.toContain('hunter2');
  });

  it('rejects a duplicate task and an unknown job', async () => {
    await h.batch.task.add('job', { id: 'single', commandLine: 'exit 0' });
    expect((await restError(h.batch.task.add('job', { id: 'single', commandLine: 'exit 0' }))).code).toBe(
      'TaskExists',
    );
    expect((await restError(h.batch.task.add('nojob', { id: 'a', commandLine: 'exit 0' }))).code).toBe(
      'JobNotFound',
    );
    expect((await restError(h.batch.task.get('job', 'nope'))).code).toBe('TaskNotFound');
  });

  it('runs a dependent only after its dependencies succeed, and blocks it when one fails', async () => {
    await h.batch.task.addCollection('job', [
      { id: '1', commandLine: 'exit 0' },
      { id: '2', commandLine: 'exit 0' },
      {
        id: 'after',
        commandLine: 'exit 0',
        dependsOn: { taskIds: ['1'], taskIdRanges: [{ start: 1, end: 2 }] },
      },
      { id: 'bad', commandLine: 'exit 4' },
      { id: 'blocked', commandLine: 'exit 0', dependsOn: { taskIds: ['bad'] } },
      { id: 'waiting', commandLine: 'exit 0', dependsOn: { taskIds: ['later'] } },
    ]);
    const after = await waitForTask(h.batch, 'job', 'after');
    const [one, two] = [await h.batch.task.get('job', '1'), await h.batch.task.get('job', '2')];
    expect(after.executionInfo!.startTime!.getTime()).toBeGreaterThanOrEqual(
      Math.max(one.executionInfo!.endTime!.getTime(), two.executionInfo!.endTime!.getTime()),
    );
    const bad = await waitForTask(h.batch, 'job', 'bad');
    expect(bad.executionInfo).toMatchObject({
      exitCode: 4,
      result: 'failure',
      failureInfo: { category: 'usererror', code: 'FailureExitCode' },
    });
    // A task without dependencies added now runs to the end: the scheduler has passed the point where
    // 'blocked' and 'waiting' (queued before it) would have started, had they been ready.
    await h.batch.task.add('job', { id: 'marker', commandLine: 'exit 0' });
    await waitForTask(h.batch, 'job', 'marker');
    expect((await h.batch.task.get('job', 'blocked')).state).toBe('active');
    expect((await h.batch.task.get('job', 'waiting')).state).toBe('active');
    await h.batch.task.add('job', { id: 'later', commandLine: 'exit 0' });
    expect((await waitForTask(h.batch, 'job', 'waiting')).executionInfo?.result).toBe('success');
  });

  it('rejects dependencies without usesTaskDependencies, and jobAction under onTaskFailure noaction', async () => {
    await h.batch.job.add({ id: 'nodeps', poolInfo: { poolId: POOL } });
    const e = await restError(
      h.batch.task.add('nodeps', { id: 'a', commandLine: 'x', dependsOn: { taskIds: ['b'] } }),
    );
    expect([e.statusCode, e.code]).toEqual([400, 'TaskDependenciesNotSpecifiedOnJob']);
    const action = await restError(
      h.batch.task.add('nodeps', {
        id: 'b',
        commandLine: 'x',
        exitConditions: { default: { jobAction: 'terminate' } },
      }),
    );
    expect([action.statusCode, action.code]).toEqual([400, 'InvalidPropertyValue']);
    expect(action.body.values).toContainEqual({ key: 'PropertyName', value: 'exitConditions' });
  });

  it('lists with $filter, $select and paging through odata.nextLink', async () => {
    await h.batch.job.add({ id: 'listing', poolInfo: { poolId: POOL } });
    await h.batch.task.addCollection('listing', [
      ...tasks(5, 'ok'),
      { id: 'f1', commandLine: 'exit 1' },
      { id: 'f2', commandLine: 'exit 7' },
      { id: 'run', commandLine: 'hold' },
    ]);
    for (const id of ['ok0', 'ok1', 'ok2', 'ok3', 'ok4', 'f1', 'f2'])
      await waitForTask(h.batch, 'listing', id);
    await waitForTask(h.batch, 'listing', 'run', (t) => t.state === 'running');
    const since = new Date(
      (await h.batch.task.get('listing', 'ok0')).creationTime!.getTime() - 1000,
    ).toISOString();
    const failed = await h.batch.task.list('listing', {
      taskListOptions: {
        filter: `(state eq 'completed' and executionInfo/exitCode gt 0) and creationTime ge datetime'${since}'`,
        select: 'id,executionInfo',
      },
    });
    expect(failed.map((t) => t.id).sort()).toEqual(['f1', 'f2']);
    expect(failed[0]!.state).toBeUndefined();
    const succeeded = await h.batch.task.list('listing', {
      taskListOptions: { filter: "executionInfo/result eq 'success' or state eq 'running'" },
    });
    expect(succeeded.map((t) => t.id).sort()).toEqual(['ok0', 'ok1', 'ok2', 'ok3', 'ok4', 'run']);
    const ids: string[] = [];
    let pageResult = await h.batch.task.list('listing', {
      taskListOptions: { maxResults: 3, filter: "state ne 'running'" },
    });
    ids.push(...pageResult.map((t) => t.id!));
    while (pageResult.odatanextLink) {
      pageResult = await h.batch.task.listNext(pageResult.odatanextLink);
      ids.push(...pageResult.map((t) => t.id!));
    }
    expect(ids).toEqual(['ok0', 'ok1', 'ok2', 'ok3', 'ok4', 'f1', 'f2']);
  });

  it('rejects an unsupported $filter with 400 InvalidQueryParameterValue', async () => {
    for (const filter of ["startswith(id, 'a')", "commandLine eq 'x'", 'state eq 3', "(state eq 'active'"]) {
      const e = await restError(h.batch.task.list('job', { taskListOptions: { filter } }));
      expect([e.statusCode, e.code]).toEqual([400, 'InvalidQueryParameterValue']);
      expect(e.body.values).toContainEqual({ key: 'QueryParameterName', value: '$filter' });
    }
  });

  it('terminates a running task and deletes a task', async () => {
    await h.batch.task.add('job', { id: 'long', commandLine: 'hold' });
    await waitForTask(h.batch, 'job', 'long', (t) => t.state === 'running');
    await h.batch.task.terminate('job', 'long');
    const ended = await h.batch.task.get('job', 'long');
    expect(ended.state).toBe('completed');
    expect(ended.executionInfo?.failureInfo?.code).toBe('TaskEnded');
    await h.batch.task.deleteMethod('job', 'long');
    expect((await restError(h.batch.task.get('job', 'long'))).code).toBe('TaskNotFound');
  });

  it('sent only bodies that validated against the SDK mapper schema', () => {
    const bad = h.emulator.recorder.all().filter((r) => r.validationErrors);
    expect(bad).toEqual([]);
    expect(h.emulator.recorder.counts().Task_AddCollection).toBeGreaterThan(3);
  });
});
