import { batchJobId } from '../../src/compute/naming';
import type { Manifest } from '../../src/runs/records';
import { batchClient } from '../support/batch-client';
import {
  aPipeline,
  type E2E,
  runToEnd,
  stagingContainersLeft,
  startE2E,
  uploadImages,
} from './support/harness';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(() => e2e?.stop());
// After every test: each Batch attempt's staging container was collected and deleted (docs/security.md, "SAS").
afterEach(async () => {
  expect(await stagingContainersLeft(e2e)).toEqual([]);
});
afterEach(() => {
  // After every test: no live container group, no active flotilla job or task.
  expect(e2e.stack.aci.resources()).toEqual([]);
  const batch = e2e.stack.batch.resources();
  expect(batch.activeJobs).toEqual([]);
  expect(batch.tasks).toEqual({ active: 0, running: 0 });
});

const batchStep = (id: string, dependsOn: string[] = [], extra: Record<string, unknown> = {}) => ({
  id,
  image: 'busybox:1.36',
  command: id,
  backend: 'batch',
  timeout: '10m',
  retries: 1,
  ...(dependsOn.length ? { dependsOn } : {}),
  ...extra,
});

test('3 images x 3 steps on Batch: one job for the run, a task per step, completion by the monitor', async () => {
  await uploadImages(e2e, ['bat/a.tif', 'bat/b.tif', 'bat/c.tif']);
  const pipeline = aPipeline({
    name: 'bat',
    inputs: { container: 'images', prefix: 'bat/' },
    concurrency: 3,
    steps: [batchStep('tile'), batchStep('predict', ['tile']), batchStep('vectorize', ['predict'])],
  });
  const { runId, view } = await runToEnd(e2e, { pipeline });
  expect(view.status).toBe('succeeded');
  expect(view.counts).toMatchObject({ total: 3, succeeded: 3 });
  const adds = e2e.stack.batch.recorder
    .all()
    .filter((r) => r.operation === 'Task_AddCollection' || r.operation === 'Task_Add');
  // In bulk (docs/orchestration.md, "Batch steps in bulk"): never more add calls than tasks, and a task per step.
  expect(adds.length).toBeGreaterThanOrEqual(1);
  expect(adds.length).toBeLessThanOrEqual(9);
  const tasks = await batchClient(e2e.stack.batch).task.list(batchJobId(runId));
  expect(tasks.map((t) => t.displayName).sort()).toHaveLength(9);
  expect(new Set(tasks.map((t) => t.displayName)).size).toBe(9);
  const jobAdds = e2e.stack.batch.recorder.all().filter((r) => r.operation === 'Job_Add');
  expect(jobAdds.length).toBeGreaterThanOrEqual(1);
  const manifest = await e2e.api<Manifest>('runManifest', { params: { id: runId } });
  expect(manifest.body.cost.batchNodeSeconds).toBeGreaterThan(0);
  expect(manifest.body.totals.steps).toBe(9);
  // The tasks' logs went through their staging containers (the node's create+write SAS) to the run's folder.
  const logs: string[] = [];
  for await (const b of e2e.blobs.getContainerClient('results').listBlobsFlat({ prefix: `${runId}/` }))
    if (/\/logs\/std(out|err)\.txt$/.test(b.name)) logs.push(b.name);
  expect(logs).toHaveLength(18);
}, 180_000);

test('mixed backends with a GPU step on Batch: ACI tile, Batch GPU predict, ACI vectorize', async () => {
  await uploadImages(e2e, ['gpu/a.tif', 'gpu/b.tif', 'gpu/c.tif']);
  const pipeline = aPipeline({
    name: 'gpu',
    inputs: { container: 'images', prefix: 'gpu/' },
    concurrency: 3,
    steps: [
      { id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '10m' },
      batchStep('predict', ['tile'], { gpu: { count: 1 } }),
      {
        id: 'vectorize',
        image: 'busybox:1.36',
        command: 'vectorize',
        dependsOn: ['predict'],
        timeout: '10m',
      },
    ],
  });
  const { view } = await runToEnd(e2e, { pipeline });
  expect(view.status).toBe('succeeded');
  for (const image of view.images) {
    expect(image.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  }
  const creates = e2e.stack.aci.recorder
    .all()
    .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate');
  expect(creates.length).toBeGreaterThanOrEqual(6);
}, 180_000);
