/**
 * Teardown under ACI's delete limits: a step that exited 0 stays `succeeded` when its group cannot be
 * deleted in time; the delete waits on durable timers, then goes to the sweeper (the group tagged
 * `teardown=deferred`, the manifest saying so), and the sweeper deletes within the same limits.
 */
import type { RunView } from '../../src/api/run-view';
import type { Manifest } from '../../src/runs/records';
import { aPipeline, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

let e2e: E2E;
// ACI allows 2 deletes per 5 minutes and 3 per hour; the app is told 100 per 5 minutes (a second app, or
// a stale setting, could use them up), so ACI itself answers 429 and the step must wait, then defer.
beforeAll(async () => {
  e2e = await startE2E({
    aci: { quotas: { deletesPer5Min: 2, deletesPerHour: 3 } },
    settings: {
      FLOTILLA_ACI_DELETES_PER_5_MIN: '100',
      FLOTILLA_ACI_DELETES_PER_HOUR: '100',
      FLOTILLA_TEARDOWN_WAIT_MS: '120000',
    },
  });
}, 60_000);
afterAll(() => e2e?.stop());

const manifestOf = async (runId: string) => {
  const buffer = await e2e.blobs
    .getContainerClient('results')
    .getBlockBlobClient(`${runId}/manifest.json`)
    .downloadToBuffer();
  return JSON.parse(buffer.toString('utf8')) as Manifest;
};

test('throttled deletes keep every step succeeded, are deferred to the sweeper, and the sweeper removes them', async () => {
  const keys = ['a', 'b', 'c', 'd', 'e'];
  await uploadImages(
    e2e,
    keys.map((k) => `defer/${k}.tif`),
  );
  const pipeline = aPipeline({
    name: 'defer',
    inputs: { container: 'images', prefix: 'defer/' },
    concurrency: 5,
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '10m', retries: 0 }],
  });
  const { runId, view } = await runToEnd(e2e, { pipeline }, { stepMs: 5000, timeoutMs: 120_000 });
  expect(view.status).toBe('succeeded');
  expect(view.counts.succeeded).toBe(5);
  const deletes = e2e.stack.aci.recorder.all().filter((r) => r.operation === 'ContainerGroups_Delete');
  expect(deletes.filter((r) => r.status === 429).length).toBeGreaterThan(0);
  const manifest = await manifestOf(runId);
  const steps = manifest.images.flatMap((i) => i.steps);
  expect(steps.map((s) => s.status)).toEqual([
    'succeeded',
    'succeeded',
    'succeeded',
    'succeeded',
    'succeeded',
  ]);
  const deferred = steps.filter((s) => s.teardown === 'deferred');
  // ACI took 2 deletes in the window; the other 3 were handed over.
  expect(deferred.length).toBe(3);
  expect(e2e.stack.aci.resources()).toHaveLength(3);
  // Past the hour window ACI accepts deletes again. The sweeper admits its deletes under the app's limits
  // (here generous), so ACI's own 2 per 5 minutes decides: 2 go now, the last one at the next sweep.
  await e2e.clock.advance(61 * 60_000);
  const before = e2e.stack.aci.recorder.all().length;
  expect((await e2e.host.invokeTimer('sweeper')).ok).toBe(true);
  expect(e2e.stack.aci.resources().length).toBeLessThan(3);
  await e2e.clock.advance(6 * 60_000);
  expect((await e2e.host.invokeTimer('sweeper')).ok).toBe(true);
  expect(e2e.stack.aci.resources()).toEqual([]);
  const sweeps = e2e.stack.aci.recorder.all().slice(before);
  expect(sweeps.filter((r) => r.operation === 'ContainerGroups_Delete' && r.status === 200)).toHaveLength(3);
  const after = await e2e.api<RunView>('getRun', { params: { id: runId } });
  expect(after.body.status).toBe('succeeded');
}, 180_000);
