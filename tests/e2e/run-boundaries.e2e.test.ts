import type { RunView } from '../../src/api/run-view';
import type { Manifest } from '../../src/runs/records';
import { aPipeline, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

/**
 * Runs that end outside the app's own flow: terminated through the Durable management API (the sweeper
 * records them and tears their work down) and a results container deleted mid-run (re-created on write).
 */
let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(() => e2e?.stop());

const view = async (runId: string) => (await e2e.api<RunView>('getRun', { params: { id: runId } })).body;
const manifest = async (runId: string) =>
  e2e.api<Manifest & { error?: unknown }>('runManifest', { params: { id: runId } });

test('a run terminated through the management API gets teardown and a manifest saying terminated', async () => {
  await uploadImages(e2e, ['term/t1.tif', 'term/t2.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 't\\d.*/step$',
    kind: 'never-finishes',
  });
  const pipeline = aPipeline({ name: 'term', inputs: { container: 'images', prefix: 'term/' } });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  const { runId } = started.body;
  await e2e.until(() => e2e.stack.aci.resources().length >= 2);

  // Without the key the management API refuses, and the run goes on.
  const path = `/runtime/webhooks/durabletask/instances/${runId}/terminate?reason=operator`;
  const refused = await fetch(new URL(path, e2e.host.url), { method: 'POST' });
  expect(refused.status).toBe(401);
  expect((await view(runId)).runtimeStatus).toBe('Running');
  const code = encodeURIComponent(e2e.host.keys.durableTask);
  const terminated = await fetch(new URL(`${path}&code=${code}`, e2e.host.url), { method: 'POST' });
  expect(terminated.status).toBe(202);
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Terminated');
  expect((await view(runId)).status).toBe('terminated');
  expect((await manifest(runId)).status).toBe(404);

  const sweep = await e2e.host.invokeTimer('sweeper');
  expect(sweep.ok).toBe(true);
  const written = await manifest(runId);
  expect(written.status).toBe(200);
  expect(written.body).toMatchObject({ runId, status: 'terminated', pipeline: 'term' });
  // The steps were told to stop; their container groups go, nothing is left alive.
  await e2e.until(async () => {
    await e2e.host.invokeTimer('sweeper');
    return e2e.stack.aci.resources().length === 0;
  });
  const list = await e2e.api<{ runs: { runId: string; status: string }[] }>('listRuns', {
    query: { status: 'terminated' },
  });
  expect(list.body.runs).toEqual([expect.objectContaining({ runId, status: 'terminated' })]);
  e2e.stack.faults.clear();
}, 120_000);

test('the results container deleted mid-run is created again and the run ends with its manifest', async () => {
  await uploadImages(e2e, ['gone/g1.tif', 'warm/w1.tif']);
  const steps = [{ id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '10m', retries: 0 }];
  // A first run makes this process's blob adapters remember that the results container exists.
  const warm = await runToEnd(e2e, {
    pipeline: aPipeline({ name: 'warm', inputs: { container: 'images', prefix: 'warm/' }, steps }),
  });
  expect(warm.view.status).toBe('succeeded');
  const pipeline = aPipeline({ name: 'gone', inputs: { container: 'images', prefix: 'gone/' }, steps });
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'g1.*/step$',
    kind: 'never-finishes',
    times: 1,
  });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  const { runId } = started.body;
  await e2e.until(async () => (await view(runId)).counts.running === 1);
  const deleted = await e2e.blobs.getContainerClient('results').deleteIfExists();
  expect(deleted.succeeded).toBe(true);
  // The step times out on its own (never-finishes), then writes its record and the manifest.
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Completed', { stepMs: 60_000 });
  const written = await manifest(runId);
  expect(written.status).toBe(200);
  expect(written.body.runId).toBe(runId);
  expect(written.body.images).toHaveLength(1);
  expect(written.body.images[0]).toMatchObject({ status: 'failed' });
  expect(await e2e.blobs.getContainerClient('results').exists()).toBe(true);
}, 120_000);
