import type { RunView } from '../../src/api/run-view';
import { aPipeline, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(() => e2e?.stop());
afterEach(() => {
  e2e.stack.faults.clear();
  // After every test: no container group is left alive.
  expect(e2e.stack.aci.resources()).toEqual([]);
});

const stepOf = (view: RunView, image: string, step: string) =>
  view.images.find((i) => i.image === image)?.steps.find((s) => s.step === step);
const requests = (operation: string) => e2e.stack.aci.recorder.all().filter((r) => r.operation === operation);

test("one image's step exits 1: the run is partially_succeeded, the failure is recorded and retried", async () => {
  await uploadImages(e2e, ['exit/a.tif', 'exit/b.tif', 'exit/c.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'b-tif.*predict.*/step$',
    kind: 'exit-code',
    exitCode: 1,
  });
  const pipeline = aPipeline({
    name: 'exit',
    inputs: { container: 'images', prefix: 'exit/' },
    toleratedFailurePercent: 50,
  });
  const { view } = await runToEnd(e2e, { pipeline });
  expect(view.status).toBe('partially_succeeded');
  expect(view.counts).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
  const failed = stepOf(view, 'exit/b.tif', 'predict');
  expect(failed).toMatchObject({ status: 'failed', exitCode: 1, attempts: 2 });
  expect(stepOf(view, 'exit/b.tif', 'vectorize')?.status).toBe('skipped');
  expect(stepOf(view, 'exit/a.tif', 'vectorize')?.status).toBe('succeeded');
}, 120_000);

test('429 and 503 on create are retried and the run succeeds', async () => {
  await uploadImages(e2e, ['throttle/a.tif']);
  const before = requests('ContainerGroups_CreateOrUpdate').length;
  e2e.stack.faults.add(
    {
      service: 'aci',
      operation: 'ContainerGroups_CreateOrUpdate',
      kind: 'throttle',
      retryAfterSeconds: 1,
      times: 2,
    },
    {
      service: 'aci',
      operation: 'ContainerGroups_CreateOrUpdate',
      kind: 'server-error',
      status: 503,
      times: 1,
    },
  );
  const pipeline = aPipeline({ name: 'throttle', inputs: { container: 'images', prefix: 'throttle/' } });
  const { view } = await runToEnd(e2e, { pipeline });
  expect(view.status).toBe('succeeded');
  const statuses = requests('ContainerGroups_CreateOrUpdate')
    .slice(before)
    .map((r) => r.status);
  expect(statuses).toEqual(expect.arrayContaining([429, 503]));
  expect(statuses.filter((s) => s === 429)).toHaveLength(2);
}, 120_000);

test('an inaccessible image fails at once, without retries', async () => {
  await uploadImages(e2e, ['private/a.tif']);
  const before = requests('ContainerGroups_CreateOrUpdate').length;
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'ContainerGroups_CreateOrUpdate',
    resource: 'tile',
    kind: 'inaccessible-image',
  });
  const pipeline = aPipeline({ name: 'private', inputs: { container: 'images', prefix: 'private/' } });
  const { view } = await runToEnd(e2e, { pipeline });
  expect(view.status).toBe('failed');
  const tile = stepOf(view, 'private/a.tif', 'tile');
  expect(tile).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'image-inaccessible' } });
  const creates = requests('ContainerGroups_CreateOrUpdate').slice(before);
  expect(creates).toHaveLength(1);
  expect(stepOf(view, 'private/a.tif', 'predict')?.status).toBe('skipped');
}, 120_000);

test('a hung container times out, is torn down, and the attempt fails with reason timeout', async () => {
  await uploadImages(e2e, ['hung/a.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'tile.*/step$',
    kind: 'never-finishes',
  });
  const pipeline = aPipeline({
    name: 'hung',
    inputs: { container: 'images', prefix: 'hung/' },
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '3m', retries: 0 }],
  });
  const { view } = await runToEnd(e2e, { pipeline }, { stepMs: 10_000 });
  expect(view.status).toBe('failed');
  expect(stepOf(view, 'hung/a.tif', 'tile')).toMatchObject({
    status: 'failed',
    attempts: 1,
    error: { code: 'timeout' },
  });
  expect(requests('ContainerGroups_Delete').length).toBeGreaterThan(0);
}, 120_000);
