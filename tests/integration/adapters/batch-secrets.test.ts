import { BatchSharedKeyCredentials } from '@azure/batch';
import { createHash } from 'node:crypto';
import { uniqueContainerName } from '../../support/azurite';
import { aLaunch } from '../../unit/compute/launch-builder';
import { createBatchClient } from '../../../src/compute/batch/batch-client';
import { batchJobId, batchTaskId, stagingContainerName } from '../../../src/compute/naming';
import { STATE_CONTAINER, statePaths } from '../../../src/runs/paths';
import { BATCH_ACCOUNT, BATCH_KEY, type BatchHarness, batchHarness } from './batch-harness';
import { eventually } from './contract-support';
import { testBlobStore } from './support';

const SECRET = 'batch-secret-value-0123456789';

/** A Batch step's secret reaches its environment but no task definition (docs/security.md). */
describe('Batch step secrets, run as local processes', () => {
  const store = testBlobStore();
  const container = uniqueContainerName('batch-secrets');
  let h: BatchHarness;

  beforeAll(async () => {
    h = await batchHarness({ mode: 'process', secretSettings: { STEP_SECRET_TOKEN: SECRET } });
    await store.putText(container, 'inputs/img-1/scene.txt', 'x');
  });
  afterAll(() => h.emulator.stop());

  it('the stored task body holds no secret value; the step sees it, its file is gone, its blob deleted at release', async () => {
    const launch = aLaunch({
      runId: 'batch-secrets-1',
      imageKey: 'img-1',
      containerImage: 'busybox:1.36',
      command:
        'printf %s "$TOKEN" | sha256sum | cut -d" " -f1 > /flotilla/out/hash.txt; ls -a > /flotilla/out/wd.txt',
      secretEnv: { TOKEN: 'setting:STEP_SECRET_TOKEN' },
      pool: { vmSize: 'standard_d2s_v3', maxNodes: 1 },
      inputs: [{ container, blob: 'inputs/img-1/scene.txt' }],
      outputs: { container, prefix: 'runs/batch-secrets-1/out' },
      logs: { container, prefix: 'runs/batch-secrets-1/logs' },
    });
    await h.backend.start([launch]);
    await h.backend.finishRun(launch.runId);

    // What anyone who may read the task sees, through the real SDK client.
    const client = createBatchClient(new BatchSharedKeyCredentials(BATCH_ACCOUNT, BATCH_KEY), h.emulator.url);
    const task = await client.task.get(batchJobId(launch.runId), batchTaskId(launch));
    const body = JSON.stringify(task);
    expect(body).not.toContain(SECRET);
    expect(task.environmentSettings?.map((e) => e.name)).not.toContain('TOKEN');
    expect(task.resourceFiles?.map((f) => f.filePath)).toContain('.flotilla-secrets.env');
    // Its only write access: a create+write SAS of its own staging container (docs/security.md, "SAS").
    const uploads = (task.outputFiles ?? []).map((f) => new URL(f.destination.container?.containerUrl ?? ''));
    expect(uploads.map((u) => [u.pathname.split('/').at(-1), u.searchParams.get('sp')])).toEqual([
      [stagingContainerName(launch), 'cw'],
      [stagingContainerName(launch), 'cw'],
    ]);

    const poll = await eventually(
      () => h.backend.pollRun(launch.runId),
      (p) => p.completed.length > 0,
    );
    expect(poll.completed[0]).toMatchObject({ state: 'succeeded', exitCode: 0 });
    await h.backend.collectOutputs(launch, { succeeded: true });
    const hash = createHash('sha256').update(SECRET).digest('hex');
    expect((await store.getText(container, 'runs/batch-secrets-1/out/hash.txt'))?.trim()).toBe(hash);
    expect(await store.getText(container, 'runs/batch-secrets-1/out/wd.txt')).not.toContain(
      '.flotilla-secrets',
    );
    const [stdout] = await h.backend.saveLogs(launch);
    expect(await store.getText(container, stdout ?? '')).not.toContain(SECRET);

    const blob = statePaths.stepSecrets(launch);
    expect(await store.getText(STATE_CONTAINER, blob)).toContain('TOKEN=');
    await h.backend.release(launch);
    expect(await store.getText(STATE_CONTAINER, blob)).toBeUndefined();
  });
});
