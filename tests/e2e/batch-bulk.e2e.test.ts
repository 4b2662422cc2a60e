/**
 * Batch steps in bulk (docs/orchestration.md): retries, failures, timeouts and cancel of Batch steps that run
 * without step orchestrations, against the Batch emulator on the virtual clock.
 */
import type { RunView } from '../../src/api/run-view';
import { batchJobId } from '../../src/compute/naming';
import { instanceIds } from '../../src/runs/ids';
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
afterEach(async () => {
  e2e.stack.faults.clear();
  await e2e.clock.advance(5000);
  // After every test: no active flotilla job or task is left.
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
const chain = (extra: Record<string, unknown> = {}) => [
  batchStep('tile', [], extra),
  batchStep('predict', ['tile'], extra),
  batchStep('vectorize', ['predict'], extra),
];
const stepOf = (view: RunView, image: string, step: string) =>
  view.images.find((i) => i.image === image)?.steps.find((s) => s.step === step);
const view = async (runId: string) => (await e2e.api<RunView>('getRun', { params: { id: runId } })).body;

test('a Batch step that exits 1 once is retried as attempt 2; the steps after it run after that attempt', async () => {
  await uploadImages(e2e, ['bk-retry/a.tif', 'bk-retry/b.tif']);
  e2e.stack.faults.add({
    service: 'batch',
    operation: 'Run',
    resource: 'b-tif.*-predict-a1-',
    kind: 'exit-code',
    exitCode: 1,
  });
  const pipeline = aPipeline({
    name: 'bk-retry',
    inputs: { container: 'images', prefix: 'bk-retry/' },
    steps: chain(),
  });
  const { runId, view: ended } = await runToEnd(e2e, { pipeline });
  expect(ended.status).toBe('succeeded');
  expect(stepOf(ended, 'bk-retry/b.tif', 'predict')).toMatchObject({ status: 'succeeded', attempts: 2 });
  expect(stepOf(ended, 'bk-retry/b.tif', 'vectorize')).toMatchObject({ status: 'succeeded', attempts: 1 });
  expect(stepOf(ended, 'bk-retry/a.tif', 'predict')).toMatchObject({ status: 'succeeded', attempts: 1 });
  // No step orchestration ran: the image orchestration waited for its Batch steps itself.
  const image = ended.images.find((i) => i.image === 'bk-retry/b.tif');
  expect(
    e2e.host.engine.getStatus(instanceIds.step(runId, image?.imageKey ?? '', 'predict')),
  ).toBeUndefined();
}, 120_000);

test('a Batch step failing every attempt fails its image, the steps after it are skipped, never added', async () => {
  await uploadImages(e2e, ['bk-fail/a.tif', 'bk-fail/b.tif']);
  e2e.stack.faults.add({
    service: 'batch',
    operation: 'Run',
    resource: 'b-tif.*-tile-a',
    kind: 'exit-code',
    exitCode: 3,
  });
  const pipeline = aPipeline({
    name: 'bk-fail',
    inputs: { container: 'images', prefix: 'bk-fail/' },
    toleratedFailurePercent: 50,
    steps: chain(),
  });
  const { runId, view: ended } = await runToEnd(e2e, { pipeline });
  expect(ended.status).toBe('partially_succeeded');
  expect(stepOf(ended, 'bk-fail/b.tif', 'tile')).toMatchObject({
    status: 'failed',
    attempts: 2,
    exitCode: 3,
    error: { code: 'exit-code' },
  });
  expect(stepOf(ended, 'bk-fail/b.tif', 'predict')?.status).toBe('skipped');
  expect(stepOf(ended, 'bk-fail/b.tif', 'vectorize')?.status).toBe('skipped');
  expect(stepOf(ended, 'bk-fail/a.tif', 'vectorize')?.status).toBe('succeeded');
  const tasks = await batchClient(e2e.stack.batch).task.list(batchJobId(runId));
  const steps = tasks.map((t) => (JSON.parse(t.displayName ?? '[]') as unknown[]).slice(0, 3).join(':'));
  const b = ended.images.find((i) => i.image === 'bk-fail/b.tif')?.imageKey ?? '?';
  expect(steps.filter((s) => s.startsWith(`${b}:`)).sort()).toEqual([`${b}:tile:1`, `${b}:tile:2`]);
}, 120_000);

test('a Batch step that never finishes times out, its task is terminated, and the retry times out too', async () => {
  await uploadImages(e2e, ['bk-hang/a.tif']);
  e2e.stack.faults.add({
    service: 'batch',
    operation: 'Run',
    resource: 'a-tif.*-tile-a',
    kind: 'never-finishes',
  });
  const pipeline = aPipeline({
    name: 'bk-hang',
    inputs: { container: 'images', prefix: 'bk-hang/' },
    steps: chain({ timeout: '2m' }),
  });
  const { view: ended } = await runToEnd(e2e, { pipeline }, { stepMs: 10_000 });
  expect(ended.status).toBe('failed');
  expect(stepOf(ended, 'bk-hang/a.tif', 'tile')).toMatchObject({
    status: 'failed',
    attempts: 2,
    error: { code: 'timeout' },
  });
  expect(stepOf(ended, 'bk-hang/a.tif', 'predict')?.status).toBe('skipped');
  const terminates = e2e.stack.batch.recorder.all().filter((r) => r.operation === 'Task_Terminate');
  expect(terminates.length).toBeGreaterThanOrEqual(2);
}, 120_000);

test('cancel reaches Batch steps in bulk: their tasks are terminated and the run ends cancelled', async () => {
  await uploadImages(e2e, ['bk-cancel/a.tif', 'bk-cancel/b.tif']);
  e2e.stack.faults.add({
    service: 'batch',
    operation: 'Run',
    resource: '-tile-a',
    kind: 'never-finishes',
  });
  const pipeline = aPipeline({
    name: 'bk-cancel',
    inputs: { container: 'images', prefix: 'bk-cancel/' },
    steps: chain({ timeout: '1h' }),
  });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  const { runId } = started.body;
  await e2e.until(() => e2e.stack.batch.resources().tasks.running >= 2);
  const cancel = await e2e.api<{ signalled: number }>('cancelRun', { params: { id: runId } });
  expect(cancel.status).toBe(202);
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Completed');
  const ended = await view(runId);
  expect(ended.status).toBe('cancelled');
  expect(ended.counts.cancelled).toBe(2);
  expect(stepOf(ended, 'bk-cancel/a.tif', 'tile')?.status).toBe('cancelled');
  expect(e2e.stack.batch.resources().tasks).toEqual({ active: 0, running: 0 });
}, 120_000);
