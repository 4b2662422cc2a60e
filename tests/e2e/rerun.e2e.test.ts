import type { RunView } from '../../src/api/run-view';
import type { Manifest } from '../../src/runs/records';
import { aPipeline, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(() => e2e?.stop());
afterEach(async () => {
  e2e.stack.faults.clear();
  // After every test: no container group is left alive.
  await e2e.clock.advance(5000);
  expect(e2e.stack.aci.resources()).toEqual([]);
});

const view = async (runId: string) => (await e2e.api<RunView>('getRun', { params: { id: runId } })).body;
const creates = () =>
  e2e.stack.aci.recorder.all().filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate');
type Accepted = { runId: string; images: number; rerunOf: string; links: { self: string } };
type Failure = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

test('rerun failed: only the failed image runs again, with the original plan, linked by rerunOf', async () => {
  await uploadImages(e2e, ['rerun/a.tif', 'rerun/b.tif', 'rerun/c.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'b-tif.*predict.*/step$',
    kind: 'exit-code',
    exitCode: 1,
  });
  const pipeline = aPipeline({
    name: 'rerun',
    inputs: { container: 'images', prefix: 'rerun/' },
    toleratedFailurePercent: 50,
  });
  const original = await runToEnd(e2e, { pipeline });
  expect(original.view.status).toBe('partially_succeeded');
  expect(original.view.counts).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
  e2e.stack.faults.clear();

  const bad = await e2e.api<Failure>('rerunRun', { params: { id: original.runId }, body: { only: 'some' } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details?.[0]?.path).toBe('only');
  expect(bad.body.error.message).toContain('"failed", "all"');

  const before = creates().length;
  const rerun = await e2e.api<Accepted>('rerunRun', { params: { id: original.runId }, body: {} });
  expect(rerun.status).toBe(202);
  expect(rerun.body).toMatchObject({ images: 1, rerunOf: original.runId, status: 'accepted' });
  expect(rerun.body.runId).not.toBe(original.runId);
  expect(rerun.body.links.self).toBe(`/api/runs/${rerun.body.runId}`);
  await e2e.until(async () => (await view(rerun.body.runId)).runtimeStatus === 'Completed');
  const ended = await view(rerun.body.runId);
  expect(ended.status).toBe('succeeded');
  expect(ended.rerunOf).toBe(original.runId);
  expect(ended.counts).toMatchObject({ total: 1, succeeded: 1 });
  expect(ended.images.map((i) => i.image)).toEqual(['rerun/b.tif']);
  // Only b's three steps were created again: one container group each, none for a or c.
  const again = creates().slice(before);
  expect(again.length).toBeGreaterThanOrEqual(3);
  expect(again.every((r) => r.path.includes('b-tif'))).toBe(true);

  const manifest = await e2e.api<Manifest>('runManifest', { params: { id: rerun.body.runId } });
  expect(manifest.status).toBe(200);
  expect(manifest.body.rerunOf).toBe(original.runId);
  expect(manifest.body.spec.steps.map((s) => s.id)).toEqual(['tile', 'predict', 'vectorize']);

  // The rerun left nothing failed: rerunning its failures finds nothing.
  const nothing = await e2e.api<Failure>('rerunRun', { params: { id: rerun.body.runId } });
  expect(nothing.status).toBe(409);
  expect(nothing.body.error.code).toBe('nothing_to_rerun');

  // `all` runs every image of the original again.
  const all = await e2e.api<Accepted>('rerunRun', { params: { id: original.runId }, body: { only: 'all' } });
  expect(all.status).toBe(202);
  expect(all.body).toMatchObject({ images: 3, rerunOf: original.runId });
  await e2e.until(async () => (await view(all.body.runId)).runtimeStatus === 'Completed');
  const allEnded = await view(all.body.runId);
  expect(allEnded).toMatchObject({ status: 'succeeded', rerunOf: original.runId });
  expect(allEnded.images.map((i) => i.image).sort()).toEqual(['rerun/a.tif', 'rerun/b.tif', 'rerun/c.tif']);
}, 180_000);

test('rerun: an unknown run is 404, a run still in flight is 409', async () => {
  const unknown = await e2e.api<Failure>('rerunRun', {
    params: { id: 'r-0123456789abcdef0123' },
    body: { only: 'all' },
  });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.code).toBe('run_not_found');
  const keyless = await e2e.api('rerunRun', { params: { id: 'r-0123456789abcdef0123' }, withoutKey: true });
  expect(keyless.status).toBe(401);

  await uploadImages(e2e, ['busy/one.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'one-tif.*/step$',
    kind: 'never-finishes',
  });
  const pipeline = aPipeline({ name: 'busy', inputs: { container: 'images', prefix: 'busy/' } });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  const { runId } = started.body;
  await e2e.until(async () => (await view(runId)).counts.running >= 1);
  const busy = await e2e.api<Failure>('rerunRun', { params: { id: runId }, body: { only: 'all' } });
  expect(busy.status).toBe(409);
  expect(busy.body.error.code).toBe('run_in_progress');
  expect((await e2e.api('cancelRun', { params: { id: runId } })).status).toBe(202);
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Completed');
}, 120_000);
