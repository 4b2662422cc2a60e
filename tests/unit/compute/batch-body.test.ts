import type { BatchServiceModels } from '@azure/batch';
import { chunkTasks } from '../../../src/compute/batch/add-tasks';
import {
  autoscaleFormula,
  buildJob,
  buildPool,
  buildTask,
  parseDisplayName,
  poolIdFor,
} from '../../../src/compute/batch/task-body';
import { batchTaskId } from '../../../src/compute/naming';
import { aLaunch, resolvedFixture } from './launch-builder';

const staging = { stagingUrl: 'https://acct.blob.core.windows.net/fl-stage-abc-def?sv=1&sp=cw&sig=STAGESIG' };

describe('Batch bodies', () => {
  it('makes one job per run that uses task dependencies and does not end while tasks are still added', () => {
    const job = buildJob('fl-run-1-abc', 'pool-1', { 'managed-by': 'flotilla', run: 'run-1' });
    expect(job).toMatchObject({
      id: 'fl-run-1-abc',
      poolInfo: { poolId: 'pool-1' },
      usesTaskDependencies: true,
      onAllTasksComplete: 'noaction',
    });
    expect(job.metadata).toEqual([
      { name: 'managed-by', value: 'flotilla' },
      { name: 'run', value: 'run-1' },
    ]);
  });

  it('limits the container to the attempt memory only for steps with retry.onOutOfMemory', () => {
    const limited = buildTask(
      aLaunch({ memoryGb: 0.2, limitMemory: true }),
      resolvedFixture,
      'job-1',
      staging,
    );
    expect(limited.containerSettings?.containerRunOptions).toMatch(/ --memory 205m$/);
    const open = buildTask(aLaunch({ memoryGb: 0.2 }), resolvedFixture, 'job-1', staging);
    expect(open.containerSettings?.containerRunOptions).not.toContain('--memory');
  });

  it('wraps the command in /bin/sh -c and runs it in the container with /flotilla/in|out bind-mounted', () => {
    const task = buildTask(
      aLaunch({ retries: 2, dependsOn: [{ step: 'fetch', attempt: 1 }] }),
      resolvedFixture,
      'job-1',
      staging,
    );
    expect(task.id).toBe(batchTaskId(aLaunch()));
    expect(task.commandLine).toMatch(/^\/bin\/sh -c '.*\$FLOTILLA_COMMAND.*'$/);
    expect(task.containerSettings).toMatchObject({
      imageName: 'myacr.azurecr.io/tiler:1.0',
      workingDirectory: 'taskWorkingDirectory',
    });
    expect(task.containerSettings?.containerRunOptions).toBe(
      `-v /mnt/batch/tasks/workitems/job-1/job-1/${task.id}/wd/in:/flotilla/in -v /mnt/batch/tasks/workitems/job-1/job-1/${task.id}/wd/out:/flotilla/out`,
    );
    expect(task.environmentSettings).toContainEqual({ name: 'FLOTILLA_COMMAND', value: aLaunch().command });
    expect(task.constraints).toEqual({
      maxWallClockTime: 'PT600S',
      maxTaskRetryCount: 2,
      retentionTime: 'P1D',
    });
    expect(task.dependsOn).toEqual({
      taskIds: [batchTaskId({ imageKey: 'img-001', step: 'fetch', attempt: 1 })],
    });
    expect(parseDisplayName(task.displayName)).toEqual({ imageKey: 'img-001', step: 'tile', attempt: 1 });
  });

  it("stages inputs as resource files, and outputs plus stdout/stderr as output files to the attempt's staging container", () => {
    const task = buildTask(aLaunch(), resolvedFixture, 'job-1', staging);
    expect(task.resourceFiles).toEqual([
      { httpUrl: resolvedFixture.inputs[0]?.url, filePath: 'in/scene.tif' },
    ]);
    expect(task.outputFiles).toEqual([
      {
        filePattern: 'out/**/*',
        destination: { container: { containerUrl: staging.stagingUrl, path: 'out' } },
        uploadOptions: { uploadCondition: 'taskcompletion' },
      },
      {
        filePattern: '../std*.txt',
        destination: { container: { containerUrl: staging.stagingUrl, path: 'logs' } },
        uploadOptions: { uploadCondition: 'taskcompletion' },
      },
    ]);
    // No SAS of the results container (where every run's records live) reaches the task.
    expect(JSON.stringify(task)).not.toContain(resolvedFixture.outputUrl);
  });

  it('names pools by a hash of their spec and scales them to zero when idle', () => {
    const spec = { vmSize: 'standard_nc6s_v3', maxNodes: 4, prefetchImages: ['myacr.azurecr.io/predict:1'] };
    expect(poolIdFor(spec)).toBe(poolIdFor({ ...spec }));
    expect(poolIdFor(spec)).not.toBe(poolIdFor({ ...spec, maxNodes: 5 }));
    const pool = buildPool(spec, { 'managed-by': 'flotilla' });
    expect(pool).toMatchObject({
      id: poolIdFor(spec),
      vmSize: 'standard_nc6s_v3',
      enableAutoScale: true,
      autoScaleEvaluationInterval: 'PT5M',
    });
    expect(pool.targetDedicatedNodes).toBeUndefined();
    expect(pool.virtualMachineConfiguration?.containerConfiguration?.containerImageNames).toEqual([
      'myacr.azurecr.io/predict:1',
    ]);
    expect(autoscaleFormula(4, 2)).toContain('$TargetDedicatedNodes = min(4, ceil($tasks / 2));');
    expect(autoscaleFormula(4, 1)).toContain('$NodeDeallocationOption = taskcompletion;');
  });
});

describe('chunkTasks', () => {
  const task = (i: number, bytes = 10): BatchServiceModels.TaskAddParameter => ({
    id: `t${i}`,
    commandLine: 'x'.repeat(bytes),
  });

  it('puts at most 100 tasks in a collection, in order', () => {
    const chunks = chunkTasks(Array.from({ length: 250 }, (_, i) => task(i)));
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunks.flat().map((t) => t.id)).toEqual(Array.from({ length: 250 }, (_, i) => `t${i}`));
  });

  it('splits before a collection passes the body size limit', () => {
    const chunks = chunkTasks(Array.from({ length: 10 }, (_, i) => task(i, 300_000)));
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(Buffer.byteLength(JSON.stringify(c))).toBeLessThan(1024 * 1024);
  });
});
