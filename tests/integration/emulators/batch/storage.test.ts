import { type ContainerClient, ContainerSASPermissions } from '@azure/storage-blob';
import { azuriteBlobService, uniqueContainerName } from '../../../support/azurite';
import { type Harness, POOL, startHarness, waitForTask } from './harness';

const sas = (container: ContainerClient, permissions: string) =>
  container.generateSasUrl({
    permissions: ContainerSASPermissions.parse(permissions),
    expiresOn: new Date(Date.now() + 3_600_000),
  });

async function blobNames(container: ContainerClient): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

describe('Batch emulator resource and output files (Azurite)', () => {
  let h: Harness;
  let input: ContainerClient;
  let output: ContainerClient;
  beforeAll(async () => {
    h = await startHarness();
    const service = azuriteBlobService();
    input = service.getContainerClient(uniqueContainerName('batch-in'));
    output = service.getContainerClient(uniqueContainerName('batch-out'));
    await Promise.all([input.create(), output.create()]);
    await input.getBlockBlobClient('single.txt').upload('one', 3);
    await input.getBlockBlobClient('shard1/a.txt').upload('A', 1);
    await input.getBlockBlobClient('shard1/sub/b.txt').upload('B', 1);
    await input.getBlockBlobClient('shard2/c.txt').upload('C', 1);
    await h.batch.job.add({ id: 'io', poolInfo: { poolId: POOL } });
  });
  afterAll(async () => {
    await Promise.all([input.deleteIfExists(), output.deleteIfExists()]);
    await h.stop();
  });

  it('downloads resource files by SAS and uploads outputs honouring patterns, ** and ../std*.txt', async () => {
    const readUrl = await sas(input, 'rl');
    const writeUrl = await sas(output, 'cw');
    const blobUrl = readUrl.replace('?', '/single.txt?');
    await h.batch.task.add('io', {
      id: 'copy',
      commandLine: `/bin/sh -c "mkdir -p out/deep && cat in/one.txt data/shard1/a.txt data/shard1/sub/b.txt > out/all.txt && cp out/all.txt out/deep/x.log && echo done"`,
      resourceFiles: [
        { httpUrl: blobUrl, filePath: 'in/one.txt' },
        { storageContainerUrl: readUrl, blobPrefix: 'shard1/', filePath: 'data' },
      ],
      outputFiles: [
        {
          filePattern: 'out/**',
          destination: { container: { containerUrl: writeUrl, path: 'results' } },
          uploadOptions: { uploadCondition: 'tasksuccess' },
        },
        {
          filePattern: '../std*.txt',
          destination: { container: { containerUrl: writeUrl, path: 'logs' } },
          uploadOptions: { uploadCondition: 'taskcompletion' },
        },
        {
          filePattern: 'out/all.txt',
          destination: { container: { containerUrl: writeUrl, path: 'single/all.txt' } },
          uploadOptions: { uploadCondition: 'taskfailure' },
        },
      ],
    });
    const task = await waitForTask(h.batch, 'io', 'copy');
    expect(task.executionInfo).toMatchObject({ exitCode: 0, result: 'success' });
    expect(await blobNames(output)).toEqual([
      'logs/stderr.txt',
      'logs/stdout.txt',
      'results/all.txt',
      'results/deep/x.log',
    ]);
    expect((await output.getBlobClient('results/all.txt').downloadToBuffer()).toString()).toBe('oneAB');
    expect((await output.getBlobClient('logs/stdout.txt').downloadToBuffer()).toString()).toBe('done\n');
  });

  it('uploads taskfailure outputs of a failed task and not its tasksuccess ones', async () => {
    const writeUrl = await sas(output, 'cw');
    await h.batch.task.add('io', {
      id: 'fails',
      commandLine: `/bin/sh -c "echo partial > p.txt; exit 2"`,
      outputFiles: [
        {
          filePattern: 'p.txt',
          destination: { container: { containerUrl: writeUrl, path: 'failed/p.txt' } },
          uploadOptions: { uploadCondition: 'taskfailure' },
        },
        {
          filePattern: '*.txt',
          destination: { container: { containerUrl: writeUrl, path: 'never' } },
          uploadOptions: { uploadCondition: 'tasksuccess' },
        },
      ],
    });
    const task = await waitForTask(h.batch, 'io', 'fails');
    expect(task.executionInfo).toMatchObject({ exitCode: 2, result: 'failure' });
    const names = await blobNames(output);
    expect(names).toContain('failed/p.txt');
    expect(names.some((n) => n.startsWith('never/'))).toBe(false);
  });

  it('fails a task whose resource file is missing with BlobNotFound and no exit code, without leaking the SAS', async () => {
    const readUrl = await sas(input, 'r');
    await h.batch.task.add('io', {
      id: 'nofile',
      commandLine: 'echo hi',
      resourceFiles: [{ httpUrl: readUrl.replace('?', '/missing.txt?'), filePath: 'm.txt' }],
    });
    const task = await waitForTask(h.batch, 'io', 'nofile');
    expect(task.executionInfo).toMatchObject({
      result: 'failure',
      failureInfo: { category: 'usererror', code: 'BlobNotFound' },
    });
    expect(task.executionInfo?.exitCode).toBeUndefined();
    expect(JSON.stringify(task.executionInfo)).not.toContain('sig=');
  });

  it('fails the upload with FileUploadAccessDenied when the SAS lacks write permission, keeping the exit code', async () => {
    const readOnly = await sas(output, 'r');
    await h.batch.task.add('io', {
      id: 'denied',
      commandLine: '/bin/sh -c "echo x > o.txt"',
      outputFiles: [
        {
          filePattern: 'o.txt',
          destination: { container: { containerUrl: readOnly } },
          uploadOptions: { uploadCondition: 'taskcompletion' },
        },
      ],
    });
    const task = await waitForTask(h.batch, 'io', 'denied');
    expect(task.executionInfo).toMatchObject({
      exitCode: 0,
      result: 'failure',
      failureInfo: { code: 'FileUploadAccessDenied' },
    });
    expect(JSON.stringify(task.executionInfo)).not.toContain('sig=');
  });
});

describe('Batch emulator output files in simulate mode (Azurite)', () => {
  let h: Harness;
  let output: ContainerClient;
  beforeAll(async () => {
    h = await startHarness({
      mode: 'simulate',
      simulate: () => ({ durationMs: 10, exitCode: 0, stdout: 'simulated out', stderr: 'simulated err' }),
    });
    output = azuriteBlobService().getContainerClient(uniqueContainerName('batch-sim-out'));
    await output.create();
    await h.batch.job.add({ id: 'sim', poolInfo: { poolId: POOL } });
  });
  afterAll(async () => {
    await output.deleteIfExists();
    await h.stop();
  });

  it('uploads stdout.txt/stderr.txt through the SAS the output files carry (wd has no files)', async () => {
    const writeUrl = await sas(output, 'cw');
    await h.batch.task.add('sim', {
      id: 'logs',
      commandLine: 'echo hi',
      outputFiles: [
        {
          filePattern: 'out/**/*',
          destination: { container: { containerUrl: writeUrl, path: 'out' } },
          uploadOptions: { uploadCondition: 'taskcompletion' },
        },
        {
          filePattern: '../std*.txt',
          destination: { container: { containerUrl: writeUrl, path: 'logs' } },
          uploadOptions: { uploadCondition: 'taskcompletion' },
        },
      ],
    });
    const task = await waitForTask(h.batch, 'sim', 'logs');
    expect(task.executionInfo).toMatchObject({ exitCode: 0, result: 'success' });
    expect(await blobNames(output)).toEqual(['logs/stderr.txt', 'logs/stdout.txt']);
    expect((await output.getBlobClient('logs/stdout.txt').downloadToBuffer()).toString()).toBe(
      'simulated out',
    );
  });

  it('fails the task with FileUploadAccessDenied when the SAS may not write, as Batch does', async () => {
    const readOnly = await sas(output, 'r');
    await h.batch.task.add('sim', {
      id: 'denied',
      commandLine: 'echo hi',
      outputFiles: [
        {
          filePattern: '../stdout.txt',
          destination: { container: { containerUrl: readOnly, path: 'denied/stdout.txt' } },
          uploadOptions: { uploadCondition: 'taskcompletion' },
        },
      ],
    });
    const task = await waitForTask(h.batch, 'sim', 'denied');
    expect(task.executionInfo).toMatchObject({
      result: 'failure',
      failureInfo: { code: 'FileUploadAccessDenied' },
    });
    expect(await blobNames(output)).not.toContain('denied/stdout.txt');
  });
});
