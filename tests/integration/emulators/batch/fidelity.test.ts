import type { BatchServiceModels } from '@azure/batch';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Harness, POOL, restError, startHarness, VM_CONFIG, waitForTask } from './harness';

const FIXTURES = join(__dirname, '../../../fixtures/rest-examples/batch');
const example = <T>(name: string): { parameters: Record<string, unknown>; responses: Record<string, T> } =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as {
    parameters: Record<string, unknown>;
    responses: Record<string, T>;
  };

describe('Batch emulator: Batch fidelity for requests nobody here wrote (process mode)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.batch.job.add({ id: 'fid', poolInfo: { poolId: POOL } });
  });
  afterAll(() => h.stop());

  it('refuses the retired Cloud Services pool of the published PoolAdd example', async () => {
    const pool = example('PoolAdd_CloudServiceConfiguration.json').parameters
      .pool as BatchServiceModels.PoolAddParameter;
    const e = await restError(h.batch.pool.add(pool));
    expect([e.statusCode, e.code]).toEqual([400, 'InvalidPropertyValue']);
    expect(e.body.values).toEqual([
      { key: 'PropertyName', value: 'cloudServiceConfiguration' },
      { key: 'Reason', value: expect.stringContaining('retired on 29 February 2024') },
    ]);
    const none = await restError(h.batch.pool.add({ id: 'novm', vmSize: 'standard_d2s_v3' }));
    expect([none.code, none.body.values]).toEqual([
      'MissingRequiredProperty',
      [{ key: 'PropertyName', value: 'virtualMachineConfiguration' }],
    ]);
  });

  it('accepts the published virtual-machine PoolAdd example and fills in what Batch fills in', async () => {
    const pool = example('PoolAdd_VirtualMachineConfiguration.json').parameters
      .pool as BatchServiceModels.PoolAddParameter;
    await h.batch.pool.add(pool);
    const got = await h.batch.pool.get('pool2');
    expect(got).toMatchObject({
      currentDedicatedNodes: 5,
      taskSlotsPerNode: 3,
      taskSchedulingPolicy: { nodeFillType: 'spread' },
      enableInterNodeCommunication: true,
      interNodeCommunication: 'enabled',
      currentNodeCommunicationMode: 'simplified',
      targetNodeCommunicationMode: 'default',
      virtualMachineConfiguration: { imageReference: { sku: '20_04-lts', exactVersion: '1.0.0' } },
    });
    await h.batch.pool.add({
      id: 'pinned',
      vmSize: 'Standard_D2s_v3',
      virtualMachineConfiguration: {
        ...VM_CONFIG,
        imageReference: { ...VM_CONFIG.imageReference, version: '24.04.202611010' },
      },
    });
    const pinned = await h.batch.pool.get('pinned');
    expect(pinned.vmSize).toBe('standard_d2s_v3');
    expect(pinned.virtualMachineConfiguration?.imageReference.exactVersion).toBe('24.04.202611010');
    expect(pinned.taskSchedulingPolicy).toEqual({ nodeFillType: 'spread' });
  });

  it.each([
    [
      'multiInstanceSettings',
      { multiInstanceSettings: { numberOfInstances: 3, coordinationCommandLine: 'echo' } },
    ],
    ['authenticationTokenSettings', { authenticationTokenSettings: { access: ['job' as const] } }],
    ['applicationPackageReferences', { applicationPackageReferences: [{ applicationId: 'app' }] }],
    ['userIdentity.username', { userIdentity: { userName: 'batchuser' } }],
  ])('refuses a task with %s (not emulated) with 400 FeatureNotSupported', async (property, extra) => {
    const e = await restError(
      h.batch.task.add('fid', { id: `t-${property.replace('.', '-')}`, commandLine: 'true', ...extra }),
    );
    expect([e.statusCode, e.code]).toEqual([400, 'FeatureNotSupported']);
    expect(e.body.values?.[0]).toEqual({ key: 'PropertyName', value: property });
    expect(e.body.message?.value).toContain(`does not support '${property}'`);
  });

  it('refuses unmodelled pool and job features, and names the item in a task collection', async () => {
    const start = await restError(
      h.batch.pool.add({
        id: 'st',
        vmSize: 'standard_d2s_v3',
        virtualMachineConfiguration: VM_CONFIG,
        startTask: { commandLine: 'true' },
      }),
    );
    expect([start.code, start.body.values?.[0]?.value]).toEqual(['FeatureNotSupported', 'startTask']);
    const prep = await restError(
      h.batch.job.add({
        id: 'prep',
        poolInfo: { poolId: POOL },
        jobPreparationTask: { commandLine: 'true' },
      }),
    );
    expect([prep.code, prep.body.values?.[0]?.value]).toEqual(['FeatureNotSupported', 'jobPreparationTask']);
    const taskGet = example<{ body: { multiInstanceSettings: BatchServiceModels.MultiInstanceSettings } }>(
      'TaskGet.json',
    );
    const result = await h.batch.task.addCollection('fid', [
      { id: 'ok-1', commandLine: 'true' },
      {
        id: 'mi',
        commandLine: 'true',
        multiInstanceSettings: taskGet.responses['200']!.body.multiInstanceSettings,
      },
    ]);
    const mi = result.value?.find((r) => r.taskId === 'mi');
    expect(mi?.status?.toLowerCase()).toBe('clienterror');
    expect(mi?.error?.code).toBe('FeatureNotSupported');
  });

  it('drives the published TaskAddCollection example and returns the defaults of the published TaskGet example', async () => {
    await h.batch.job.add({ id: 'jobId', poolInfo: { poolId: POOL } });
    const params = example('TaskAddCollection_Basic.json').parameters as {
      taskCollection: { value: BatchServiceModels.TaskAddParameter[] };
    };
    const added = await h.batch.task.addCollection('jobId', params.taskCollection.value);
    expect(added.value?.map((r) => [r.taskId, r.status]).sort()).toEqual([
      ['simple1', 'success'],
      ['simple2', 'success'],
    ]);
    const expected = example<{ body: Record<string, unknown> }>('TaskGet.json').responses['200']!.body;
    const task = await h.batch.task.get('jobId', 'simple1');
    expect(task.userIdentity).toEqual(expected.userIdentity);
    expect(task.constraints).toMatchObject({
      maxWallClockTime: 'P10675199DT2H48M5.4775807S',
      maxTaskRetryCount: 0,
    });
    expect(task.requiredSlots).toBe(1);
    expect(task.executionInfo).toMatchObject({ retryCount: 0, requeueCount: 0 });
  });

  it('serves file properties and lists as Batch does (task and compute node routes)', async () => {
    await h.batch.task.add('fid', {
      id: 'writer',
      commandLine: `/bin/sh -c "mkdir -p out && printf 'seventeen bytes!!' > out/a.txt"`,
    });
    const done = await waitForTask(h.batch, 'fid', 'writer');
    expect(done.executionInfo?.exitCode).toBe(0);
    const props = await h.batch.file.getPropertiesFromTask('fid', 'writer', 'wd/out/a.txt');
    expect(props).toMatchObject({
      ocpBatchFileIsdirectory: false,
      contentLength: 17,
      contentType: 'application/octet-stream',
      ocpBatchFileUrl: `${h.emulator.url}/jobs/fid/tasks/writer/files/wd/out/a.txt`,
      ocpBatchFileMode: '0o100644',
    });
    expect(props.ocpCreationTime).toBeInstanceOf(Date);
    expect(props.lastModified.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const top = await h.batch.file.listFromTask('fid', 'writer');
    expect(top.map((f) => [f.name, f.isDirectory]).sort()).toEqual([
      ['stderr.txt', false],
      ['stdout.txt', false],
      ['wd', true],
    ]);
    const all = await h.batch.file.listFromTask('fid', 'writer', { recursive: true });
    const file = all.find((f) => f.name === 'wd/out/a.txt');
    expect(file).toMatchObject({
      isDirectory: false,
      properties: { contentLength: 17, fileMode: '0o100644' },
    });
    expect(file?.properties?.creationTime).toBeInstanceOf(Date);
    expect(file?.properties?.lastModified).toBeInstanceOf(Date);
    const node = done.nodeInfo!;
    const onNode = await h.batch.file.getPropertiesFromComputeNode(
      POOL,
      node.nodeId!,
      `${node.taskRootDirectory!}/wd/out/a.txt`,
    );
    expect([onNode.contentLength, onNode.ocpBatchFileIsdirectory]).toEqual([17, false]);
    const dir = await h.batch.file.getPropertiesFromTask('fid', 'writer', 'wd/out');
    expect(dir.ocpBatchFileIsdirectory).toBe(true);
    const missing = await restError(h.batch.file.getPropertiesFromTask('fid', 'writer', 'wd/none.txt'));
    expect(missing.statusCode).toBe(404);
  });
});
