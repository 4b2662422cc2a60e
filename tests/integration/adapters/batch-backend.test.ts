import { VirtualClock } from '../../../packages/emulators/common/clock';
import { batchJobId, batchTaskId, stagingContainerName, stagingPrefix } from '../../../src/compute/naming';
import type { StepLaunch } from '../../../src/compute/port';
import { uniqueContainerName } from '../../support/azurite';
import { aLaunch } from '../../unit/compute/launch-builder';
import { type BatchHarness, advanceInSteps, batchHarness } from './batch-harness';
import { testBlobStore } from './support';

const pool = { vmSize: 'standard_d2s_v3', maxNodes: 2 };

describe('Batch adapter against the Batch emulator', () => {
  let h: BatchHarness;
  let clock: VirtualClock;
  const results = uniqueContainerName('batch-results');
  let run = 0;
  let runId = '';

  const launch = (image: string, step: string, over: Partial<StepLaunch> = {}): StepLaunch =>
    aLaunch({
      runId,
      imageKey: image,
      step,
      pool,
      outputs: { container: results, prefix: `runs/${runId}/${image}/${step}` },
      logs: { container: results, prefix: `runs/${runId}/${image}/${step}/logs` },
      ...over,
    });
  const twoSteps = (image: string) => [
    launch(image, 'tile'),
    launch(image, 'predict', { dependsOn: [{ step: 'tile', attempt: 1 }] }),
  ];

  beforeAll(async () => {
    clock = new VirtualClock(Date.now());
    h = await batchHarness({ clock, simulate: { durationMs: 10_000, exitCode: 0 } });
  });
  afterAll(() => h.emulator.stop());
  beforeEach(() => {
    h.emulator.reset();
    h.renew();
    h.slept.length = 0;
    run += 1;
    runId = `run-${run}`;
  });

  it('adds a run as one job with one task per image and step, in one add call per 100 tasks', async () => {
    const launches = ['a', 'b', 'c'].flatMap(twoSteps);
    const results = await h.backend.start(launches);
    expect(results.every((r) => r.created)).toBe(true);
    expect(results[1]?.resource).toBe(`${batchJobId(runId)}/${batchTaskId(launches[1] ?? launch('', ''))}`);
    expect(h.counts()).toMatchObject({ Pool_Add: 1, Job_Add: 1, Task_AddCollection: 1 });
    expect(h.emulator.resources().activeJobs).toEqual([{ id: batchJobId(runId), state: 'active' }]);
    expect(h.emulator.resources().pools).toHaveLength(1);
  });

  it('splits 250 tasks into three collections', async () => {
    const launches = Array.from({ length: 125 }, (_, i) => twoSteps(`img-${i}`)).flat();
    await h.backend.start(launches);
    expect(h.counts().Task_AddCollection).toBe(3);
    expect(h.emulator.resources().tasks.active + h.emulator.resources().tasks.running).toBe(250);
  });

  it('the same start twice adds nothing new (TaskExists is "already added")', async () => {
    await h.backend.start(twoSteps('a'));
    const again = await h.backend.start(twoSteps('a'));
    expect(again.map((r) => r.created)).toEqual([false, false]);
    expect(h.emulator.resources().tasks.active + h.emulator.resources().tasks.running).toBe(2);
  });

  it('reports completions since a watermark in one list call per poll, honouring dependencies', async () => {
    await h.backend.start(['a', 'b'].flatMap(twoSteps));
    const before = h.counts().Task_List ?? 0;
    await advanceInSteps(clock, 11_000);
    const first = await h.backend.pollRun(runId);
    expect(first.completed.map((c) => `${c.imageKey}/${c.step}`).sort()).toEqual(['a/tile', 'b/tile']);
    expect(first.completed[0]).toMatchObject({ runId, attempt: 1, state: 'succeeded', exitCode: 0 });
    const none = await h.backend.pollRun(runId, first.watermark);
    expect(none.completed).toEqual([]);
    await advanceInSteps(clock, 11_000);
    const second = await h.backend.pollRun(runId, none.watermark);
    expect(second.completed.map((c) => `${c.imageKey}/${c.step}`).sort()).toEqual(['a/predict', 'b/predict']);
    expect((h.counts().Task_List ?? 0) - before).toBe(3);
    expect(await h.backend.status(launch('a', 'predict'))).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });

  it('finishRun lets the job terminate itself once every task completed; delete is idempotent', async () => {
    await h.backend.start(twoSteps('a'));
    await h.backend.finishRun(runId);
    expect(h.emulator.resources().activeJobs).toHaveLength(1);
    await advanceInSteps(clock, 30_000);
    expect(h.emulator.resources().activeJobs).toEqual([]);
    await h.backend.deleteRun(runId);
    await h.backend.deleteRun(runId);
    expect(await h.backend.status(launch('a', 'tile'))).toMatchObject({ state: 'failed' });
  });

  it("deleting a run's job collects the logs its attempts left staged and deletes their staging containers", async () => {
    const store = testBlobStore();
    const tile = launch('a', 'tile');
    await h.backend.start([tile]);
    await advanceInSteps(clock, 11_000);
    // The task uploaded its stdout/stderr with its staging SAS; nothing reached the results yet.
    expect((await store.staging.list(stagingPrefix(runId))).sort()).toEqual([stagingContainerName(tile)]);
    expect(await store.list(results, `runs/${runId}/`)).toEqual([]);
    await h.backend.deleteRun(runId);
    expect(await store.staging.list(stagingPrefix(runId))).toEqual([]);
    expect((await store.list(results, `runs/${runId}/`)).map((b) => b.name).sort()).toEqual([
      `runs/${runId}/a/tile/logs/stderr.txt`,
      `runs/${runId}/a/tile/logs/stdout.txt`,
    ]);
  });

  it('lists managed jobs by metadata for the sweeper and deletes them', async () => {
    await h.backend.start(twoSteps('a'));
    const managed = await h.backend.listManaged();
    const job = {
      backend: 'batch',
      name: batchJobId(runId),
      runId,
      expiresAt: expect.any(String) as unknown,
    };
    // The pool made from the launch's spec is this deployment's too: in use while the run's job exists.
    const pool = (unused: boolean) => ({
      backend: 'batch',
      name: expect.stringMatching(/^fl-pool-/) as unknown,
      runId: '',
      pool: { unused },
    });
    expect(managed).toEqual([job, pool(false)]);
    await h.backend.deleteManaged(managed[0] ?? ({} as never));
    const after = await h.backend.listManaged();
    expect(after).toEqual([pool(true)]);
    await h.backend.deleteManaged(after[0] ?? ({} as never));
    expect(await h.backend.listManaged()).toEqual([]);
  });

  it('uses a named pool as given, and reuses one pool for identical specs', async () => {
    const named = await batchHarness({
      clock,
      pools: [
        {
          id: 'gpu-pool',
          vmSize: 'standard_nc6',
          virtualMachineConfiguration: {
            imageReference: {
              publisher: 'microsoft-azure-batch',
              offer: 'ubuntu-server-container',
              sku: '20-04-lts',
            },
            nodeAgentSKUId: 'batch.node.ubuntu 20.04',
            containerConfiguration: { type: 'dockerCompatible' },
          },
        },
      ],
    });
    try {
      await named.backend.start([launch('a', 'tile', { pool: 'gpu-pool' })]);
      expect(named.counts().Pool_Add).toBeUndefined();
      await h.backend.start([launch('a', 'tile')]);
      runId = `${runId}-b`;
      await h.backend.start([launch('a', 'tile')]);
      expect(h.counts().Pool_Add).toBe(1);
    } finally {
      await named.emulator.stop();
    }
  });
});
