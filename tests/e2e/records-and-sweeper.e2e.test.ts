/**
 * No write dropped silently, and a sweeper that deletes only what it knows is orphaned and only its own:
 * an image record that cannot be written fails the image (the manifest lists it with the reason); a run
 * whose state cannot be read (storage or the task hub unreachable) is skipped, never taken for ended; two
 * deployments in one resource group leave each other's groups alone.
 */
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { clientBindingData } from '../../packages/emulators/functions/durable/client-binding';
import { freePort } from '../../packages/emulators/stack';
import type { RunView } from '../../src/api/run-view';
import { sweep } from '../../src/api/sweep';
import { appDeps, composition, createComposition } from '../../src/composition';
import { defaultDeploymentId, DEPLOYMENT_TAG } from '../../src/compute/naming';
import type { StepLaunch } from '../../src/compute/port';
import { loadConfig } from '../../src/config';
import type { Manifest } from '../../src/runs/records';
import { aPipeline, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

let e2e: E2E;
let failKeptReads = false;
beforeAll(async () => {
  e2e = await startE2E({
    aci: {
      simulate: (spec) => ({ durationMs: spec.group.includes('-live-') ? 60 * 60_000 : 3_000, exitCode: 0 }),
    },
    wrapDeps: (deps) => {
      const store = deps.activities.store;
      const wrapped: typeof store = {
        list: (c, p) => store.list(c, p),
        readManifest: (c, n) => store.readManifest(c, n),
        writeManifest: (c, n, v, e) => store.writeManifest(c, n, v, e),
        copyBlob: (c, b, tc, tb) => store.copyBlob(c, b, tc, tb),
        // An outage of one blob: the record of image `bad.tif` can never be written.
        putText: (c, n, t, ct) =>
          /\/bad-tif-[^/]*\/result\.json$/.test(n)
            ? Promise.reject(new Error('injected: the storage account did not answer (503)'))
            : store.putText(c, n, t, ct),
        getText: (c, n) =>
          failKeptReads && n.startsWith('kept/')
            ? Promise.reject(new Error('injected: the storage account did not answer (503)'))
            : store.getText(c, n),
      };
      return { ...deps, activities: { ...deps.activities, store: wrapped } };
    },
  });
}, 60_000);
afterAll(() => e2e?.stop());

/** A real durable client (durable-functions' own) from the JSON of a `durableClient` binding. */
function durableClient(binding: string) {
  const input = df.input.durableClient();
  const context = new InvocationContext({ options: { extraInputs: [input] } });
  context.extraInputs.set(input, JSON.parse(binding) as unknown);
  return df.getClient(context);
}

/** A client whose task hub endpoints (public and RPC) are `origin`. */
const clientAt = (origin: string) =>
  durableClient(clientBindingData(origin, 'e2e', { rpcUrl: origin, systemKey: 'unused' }));

const launch = (runId: string, imageKey: string): StepLaunch => ({
  runId,
  imageKey,
  step: 'tile',
  attempt: 1,
  containerImage: 'busybox:1.36',
  command: 'true',
  cpu: 1,
  memoryGb: 1,
  inputs: [],
  outputs: { container: 'outputs', prefix: `${imageKey}/` },
  logs: { container: 'results', prefix: `${imageKey}/` },
  timeoutMs: 600_000,
});

test('an image record that cannot be written fails the image, and the manifest lists it with the reason', async () => {
  await uploadImages(e2e, ['rec/good.tif', 'rec/bad.tif']);
  const pipeline = aPipeline({
    name: 'rec',
    inputs: { container: 'images', prefix: 'rec/' },
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '10m', retries: 0 }],
  });
  const { runId, view } = await runToEnd(e2e, { pipeline }, { stepMs: 5000, timeoutMs: 120_000 });
  expect(view.status).toBe('failed');
  expect(view.counts).toMatchObject({ succeeded: 1, failed: 1 });
  const text = await e2e.blobs
    .getContainerClient('results')
    .getBlockBlobClient(`${runId}/manifest.json`)
    .downloadToBuffer();
  const manifest = JSON.parse(text.toString('utf8')) as Manifest;
  expect(manifest.images.map((i) => [i.image, i.status])).toEqual([
    ['rec/bad.tif', 'failed'],
    ['rec/good.tif', 'succeeded'],
  ]);
  expect(manifest.images[0]?.error).toEqual({
    code: 'record-unwritten',
    message: expect.stringMatching(/could not be written: .*injected: the storage account did not answer/),
  });
  expect(manifest.totals).toMatchObject({ images: 2, succeeded: 1, failed: 1 });
}, 180_000);

test('the sweeper deletes nothing live when run state or keep records cannot be read', async () => {
  await uploadImages(e2e, ['sweep/live.tif']);
  const pipeline = aPipeline({
    name: 'sweep',
    inputs: { container: 'images', prefix: 'sweep/' },
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '2h', retries: 0 }],
  });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  await e2e.until(() => e2e.stack.aci.resources().some((r) => r.name.includes('-live-')));
  await e2e.clock.advance(10_000);
  const live = e2e.stack.aci.resources().map((r) => r.name);
  // The task hub unreachable (a real durable client, a port nobody listens on): skipped, not "ended".
  const closed = clientAt(`http://127.0.0.1:${await freePort()}`);
  const report = await sweep({ ...appDeps().activities, log: () => undefined }, closed, ['aci']);
  expect(report.deleted).toEqual([]);
  expect(report.skipped).toBeGreaterThanOrEqual(1);
  // Keep records unreadable (a storage outage) while the timer sweeps through the host: nothing goes.
  failKeptReads = true;
  expect((await e2e.host.invokeTimer('sweeper')).ok).toBe(true);
  failKeptReads = false;
  expect(e2e.stack.aci.resources().map((r) => r.name)).toEqual(live);
  const view = await e2e.api<RunView>('getRun', { params: { id: started.body.runId } });
  expect(view.body.runtimeStatus).toBe('Running');
  expect((await e2e.api('cancelRun', { params: { id: started.body.runId } })).status).toBe(202);
  await e2e.until(async () => {
    const v = await e2e.api<RunView>('getRun', { params: { id: started.body.runId } });
    return v.body.runtimeStatus === 'Completed';
  });
}, 180_000);

test('two deployments in one resource group: each sweeper deletes only its own orphans', async () => {
  const ours = composition();
  const other = createComposition(loadConfig({ ...process.env, FLOTILLA_DEPLOYMENT_ID: 'd-other' }));
  await ours.aci.start([launch('r-oursorphan1', 'mine')]);
  await other.aci.start([launch('r-otherrun001', 'theirs')]);
  await e2e.clock.advance(5000);
  const tags = () => e2e.stack.aci.resources().map((r) => r.tags[DEPLOYMENT_TAG]);
  expect(tags().sort()).toEqual(['d-other', defaultDeploymentId('e2e', 'devstoreaccount1')].sort());
  // Our sweeper: r-otherrun001 is unknown to our task hub, but the group is not ours to delete.
  expect((await e2e.host.invokeTimer('sweeper')).ok).toBe(true);
  expect(tags()).toEqual(['d-other']);
  // The other deployment's sweeper (its own backend, a real durable client on the same host) removes its own.
  const report = await sweep(
    { ...appDeps().activities, compute: () => other.aci, log: () => undefined },
    durableClient(e2e.host.engine.clientBindingData()),
    ['aci'],
  );
  expect(report.deleted.map((d) => d.runId)).toEqual(['r-otherrun001']);
  expect(e2e.stack.aci.resources()).toEqual([]);
}, 120_000);
