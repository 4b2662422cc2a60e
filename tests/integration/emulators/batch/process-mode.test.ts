import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Harness, POOL, restError, startHarness, waitForTask } from './harness';

async function fileText(h: Harness, jobId: string, taskId: string, path: string): Promise<string> {
  const response = await h.batch.file.getFromTask(jobId, taskId, path);
  const chunks: Buffer[] = [];
  for await (const chunk of response.readableStreamBody!) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('Batch emulator process mode', () => {
  let h: Harness;
  let shared: string;
  beforeAll(async () => {
    h = await startHarness({ imageMounts: { 'stager.example/stager': { '/opt/stager': join(__dirname) } } });
    shared = join(h.workRoot, 'shared-host');
    mkdirSync(shared, { recursive: true });
    writeFileSync(join(shared, 'tool.txt'), 'from the image\n');
    await h.batch.job.add({
      id: 'run',
      poolInfo: { poolId: POOL },
      commonEnvironmentSettings: [{ name: 'FROM_JOB', value: 'job-level' }],
    });
  });
  afterAll(() => h.stop());

  it('does not run the command line through a shell: `echo a && echo b` prints its arguments', async () => {
    await h.batch.task.add('run', { id: 'noshell', commandLine: 'echo a && echo "b c"' });
    const task = await waitForTask(h.batch, 'run', 'noshell');
    expect(task.executionInfo).toMatchObject({ exitCode: 0, result: 'success' });
    expect(await fileText(h, 'run', 'noshell', 'stdout.txt')).toBe('a && echo b c\n');
  });

  it('runs `date && hostname` as date with extra arguments, which fails', async () => {
    await h.batch.task.add('run', { id: 'date', commandLine: 'date && hostname' });
    const task = await waitForTask(h.batch, 'run', 'date');
    expect(task.executionInfo).toMatchObject({
      result: 'failure',
      failureInfo: { code: 'FailureExitCode', category: 'usererror' },
    });
    expect(task.executionInfo!.exitCode).not.toBe(0);
    expect(await fileText(h, 'run', 'date', 'stderr.txt')).toMatch(/date/);
  });

  it('runs `/bin/sh -c "..."` with the shell, environment settings and AZ_BATCH_* variables', async () => {
    await h.batch.task.add('run', {
      id: 'shell',
      commandLine: `/bin/sh -c 'echo "$FROM_JOB $FROM_TASK" && echo $AZ_BATCH_TASK_ID $AZ_BATCH_JOB_ID && pwd && echo err >&2 && exit 3'`,
      environmentSettings: [{ name: 'FROM_TASK', value: 'task-level' }],
    });
    const task = await waitForTask(h.batch, 'run', 'shell');
    expect(task.executionInfo).toMatchObject({ exitCode: 3, result: 'failure', retryCount: 0 });
    const [first, second, cwd] = (await fileText(h, 'run', 'shell', 'stdout.txt')).trim().split('\n');
    expect(first).toBe('job-level task-level');
    expect(second).toBe('shell run');
    expect(cwd).toBe(
      join(h.workRoot, 'nodes', task.nodeInfo!.nodeId!, 'workitems', 'run', 'job-1', 'shell', 'wd'),
    );
    expect(await fileText(h, 'run', 'shell', 'stderr.txt')).toBe('err\n');
    expect(task.nodeInfo).toMatchObject({ poolId: POOL, taskRootDirectory: 'workitems/run/job-1/shell' });
  });

  it('honours -v bind mounts of containerRunOptions, translating the node root to the work folder', async () => {
    const wd = '/mnt/batch/tasks/workitems/run/job-1/mounted/wd';
    await h.batch.task.add('run', {
      id: 'mounted',
      commandLine: `/bin/sh -c "mkdir -p /flotilla/out && cat /opt/tool/tool.txt > /flotilla/out/copy.txt && echo $AZ_BATCH_TASK_WORKING_DIR"`,
      containerSettings: {
        imageName: 'worker:1.0',
        containerRunOptions: `--rm -v ${wd}/out:/flotilla/out -v ${shared}:/opt/tool:ro`,
      },
    });
    const task = await waitForTask(h.batch, 'run', 'mounted');
    expect(task.executionInfo).toMatchObject({
      exitCode: 0,
      result: 'success',
      containerInfo: { state: 'exited' },
    });
    expect(await fileText(h, 'run', 'mounted', 'wd/out/copy.txt')).toBe('from the image\n');
    const hostWd = join(
      h.workRoot,
      'nodes',
      task.nodeInfo!.nodeId!,
      'workitems',
      'run',
      'job-1',
      'mounted',
      'wd',
    );
    expect(readFileSync(join(hostWd, 'out', 'copy.txt'), 'utf8')).toBe('from the image\n');
    expect((await fileText(h, 'run', 'mounted', 'stdout.txt')).trim()).toBe(hostWd);
  });

  it('reports a missing executable as exit 127 and a missing file as 404', async () => {
    await h.batch.task.add('run', { id: 'missing', commandLine: 'no-such-program --flag' });
    const task = await waitForTask(h.batch, 'run', 'missing');
    expect(task.executionInfo?.exitCode).toBe(127);
    const e = await restError(h.batch.file.getFromTask('run', 'missing', 'wd/nothing.txt'));
    expect(e.statusCode).toBe(404); // a streamed operation: the SDK does not parse the error body
  });

  it('node-lost under a running process: the process is killed, the task requeued and run again', async () => {
    h.emulator.faults.add({
      service: 'batch',
      operation: 'Run',
      resource: '^run/lost$',
      kind: 'node-lost',
      delayMs: 150,
      times: 1,
    });
    await h.batch.task.add('run', {
      id: 'lost',
      commandLine: '/bin/sh -c "echo attempt >> ../attempts.txt; sleep 0.4; echo finished"',
    });
    const task = await waitForTask(h.batch, 'run', 'lost');
    expect(task.executionInfo).toMatchObject({
      exitCode: 0,
      result: 'success',
      requeueCount: 1,
      retryCount: 0,
    });
    // The first attempt was killed at 150 ms, before its 400 ms sleep ended (it may not even have written).
    expect(await fileText(h, 'run', 'lost', 'attempts.txt')).toMatch(/^(attempt\n){1,2}$/);
    expect(await fileText(h, 'run', 'lost', 'stdout.txt')).toBe('finished\n');
  });

  it('kills running processes when the job is terminated', async () => {
    await h.batch.job.add({ id: 'stopme', poolInfo: { poolId: POOL } });
    await h.batch.task.add('stopme', { id: 'sleeper', commandLine: '/bin/sh -c "sleep 30; echo too-late"' });
    await waitForTask(h.batch, 'stopme', 'sleeper', (t) => t.state === 'running');
    await h.batch.job.terminate('stopme');
    const task = await waitForTask(h.batch, 'stopme', 'sleeper');
    expect(task.executionInfo?.failureInfo?.code).toBe('TaskEnded');
    expect(h.emulator.resources().tasks.running).toBe(0);
  });

  it('mounts the folders configured for an image (imageMounts), with or without its tag', async () => {
    await h.batch.task.add('run', {
      id: 'image',
      commandLine: '/bin/sh -c "test -f /opt/stager/harness.ts && echo mounted"',
      containerSettings: { imageName: 'stager.example/stager:2.1' },
    });
    const task = await waitForTask(h.batch, 'run', 'image');
    expect(task.executionInfo?.exitCode).toBe(0);
    expect(await fileText(h, 'run', 'image', 'stdout.txt')).toBe('mounted\n');
  });
});
