import { uniqueContainerName } from '../../support/azurite';
import { aLaunch } from '../../unit/compute/launch-builder';
import { type BatchHarness, batchHarness } from './batch-harness';
import { STEP_COMMAND, eventually } from './contract-support';
import { testBlobStore } from './support';

/**
 * The step contract on Batch, really run: resource files by read SAS into <wd>/in, the command under
 * /bin/sh -c with <wd>/in|out bind-mounted at /flotilla/in|out, output files and stdout/stderr by the create+write
 * SAS of the attempt's staging container, collected to their result names by the app.
 */
describe('Batch step contract, run as local processes', () => {
  const store = testBlobStore();
  const container = uniqueContainerName('batch-contract');
  let h: BatchHarness;

  beforeAll(async () => {
    h = await batchHarness({ mode: 'process' });
    await store.putText(container, 'inputs/img-9/scene.txt', 'hello batch');
  });
  afterAll(() => h.emulator.stop());

  it('downloads inputs, runs the command, uploads outputs and logs, and reports completion in one poll', async () => {
    const launch = aLaunch({
      runId: 'batch-contract-1',
      imageKey: 'img-9',
      containerImage: 'busybox:1.36',
      command: STEP_COMMAND,
      pool: { vmSize: 'standard_d2s_v3', maxNodes: 1 },
      inputs: [{ container, blob: 'inputs/img-9/scene.txt' }],
      outputs: { container, prefix: 'runs/batch-contract-1/img-9/upper' },
      logs: { container, prefix: 'runs/batch-contract-1/img-9/upper/logs' },
    });
    await h.backend.start([launch]);
    await h.backend.finishRun(launch.runId);
    const poll = await eventually(
      () => h.backend.pollRun(launch.runId),
      (p) => p.completed.length > 0,
    );
    expect(poll.completed).toEqual([
      expect.objectContaining({ imageKey: 'img-9', step: 'tile', state: 'succeeded', exitCode: 0 }),
    ]);
    // The task wrote only to its staging container: nothing is at the result names until the app collects.
    expect(await store.list(container, 'runs/batch-contract-1/')).toEqual([]);
    await h.backend.collectOutputs(launch, { succeeded: true });
    expect(await store.getText(container, 'runs/batch-contract-1/img-9/upper/upper.txt')).toBe('HELLO BATCH');
    expect(await store.getText(container, 'runs/batch-contract-1/img-9/upper/meta/size.txt')).toBe('11\n');
    const [stdout] = await h.backend.saveLogs(launch);
    expect(stdout).toBe('runs/batch-contract-1/img-9/upper/logs/stdout.txt');
    expect(await store.getText(container, stdout ?? '')).toContain('step done for img-9');
    await eventually(
      () => Promise.resolve(h.emulator.resources().activeJobs.length),
      (n) => n === 0,
    );
    expect(h.emulator.resources().activeJobs).toEqual([]);
  });
});
