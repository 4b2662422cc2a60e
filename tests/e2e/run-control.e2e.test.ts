import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { ManagedIdentityCredential } from '@azure/identity';
import type { RunView } from '../../src/api/run-view';
import { composition } from '../../src/composition';
import { signCallbackToken } from '../../src/security/callback-token';
import { aPipeline, CALLBACK_SECRET, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

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

test('cancel mid-run: nothing more is admitted, in-flight steps are torn down, the run ends cancelled', async () => {
  await uploadImages(e2e, ['cancel/cx1.tif', 'cancel/cx2.tif', 'cancel/cx3.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'cx\\d.*/step$',
    kind: 'never-finishes',
  });
  const pipeline = aPipeline({ name: 'cancel', inputs: { container: 'images', prefix: 'cancel/' } });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  const { runId } = started.body;
  await e2e.until(
    async () => (await view(runId)).counts.running >= 2 && e2e.stack.aci.resources().length >= 2,
  );
  const cancel = await e2e.api('cancelRun', { params: { id: runId } });
  expect(cancel.status).toBe(202);
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Completed');
  const ended = await view(runId);
  expect(ended.status).toBe('cancelled');
  expect(ended.counts.succeeded).toBe(0);
  expect(ended.counts.cancelled).toBe(3);
  expect(e2e.stack.aci.resources()).toEqual([]);
  const again = await e2e.api('cancelRun', { params: { id: runId } });
  expect(again.status).toBe(409);
}, 120_000);

test('forged, foreign and expired callbacks are refused and change nothing', async () => {
  await uploadImages(e2e, ['cb/one.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'one-tif.*tile.*/step$',
    kind: 'never-finishes',
    times: 1,
  });
  const pipeline = aPipeline({
    name: 'cb',
    inputs: { container: 'images', prefix: 'cb/' },
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '5m', retries: 0 }],
  });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  const { runId } = started.body;
  await e2e.until(async () =>
    (await view(runId)).images.some((i) => i.steps.some((s) => s.status === 'running')),
  );
  const imageKey = (await view(runId)).images[0]?.imageKey ?? '';
  const claims = { runId, imageKey, step: 'tile', attempt: 1, expiresAt: e2e.clock.now() + 3_600_000 };
  const forged = signCallbackToken('not-the-secret-but-long-enough-to-sign-with', claims);
  expect((await e2e.api('callback', { params: { token: forged }, body: { exitCode: 0 } })).status).toBe(401);
  expect((await e2e.api('callback', { params: { token: 'garbage' }, body: {} })).status).toBe(401);
  const otherAttempt = signCallbackToken(CALLBACK_SECRET, { ...claims, attempt: 2 });
  expect((await e2e.api('callback', { params: { token: otherAttempt }, body: {} })).status).toBe(409);
  const expired = signCallbackToken(CALLBACK_SECRET, { ...claims, expiresAt: e2e.clock.now() - 1 });
  expect((await e2e.api('callback', { params: { token: expired }, body: {} })).status).toBe(410);
  expect((await view(runId)).runtimeStatus).toBe('Running');
  // The step ends (timeout) on its own; the refused callbacks did not end it early.
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Completed', { stepMs: 10_000 });
  const ended = await view(runId);
  expect(ended.images[0]?.steps[0]).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
}, 120_000);

test('a duplicate blob event starts one run', async () => {
  const spec = JSON.stringify(
    aPipeline({ name: 'blobpipe', inputs: { container: 'images', prefix: 'blobpipe/' } }),
  );
  const put = await e2e.api('putPipeline', {
    params: { name: 'blobpipe' },
    body: spec,
    headers: { 'content-type': 'application/json' },
  });
  expect(put.status).toBe(200);
  await uploadImages(e2e, ['blobpipe/new.tif']);
  const url = `${e2e.stack.settings.FLOTILLA_STORAGE_BLOB_URL}/images/blobpipe/new.tif`;
  const event = {
    id: 'evt-1',
    eventType: 'Microsoft.Storage.BlobCreated',
    subject: '/blobServices/default/containers/images/blobs/blobpipe/new.tif',
    eventTime: new Date().toISOString(),
    dataVersion: '1',
    data: { url, api: 'PutBlob' },
  };
  for (let i = 0; i < 2; i++) {
    const res = await e2e.host.fetch('/runtime/webhooks/blobs?functionName=Host.Functions.blobCreated', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify([event]),
    });
    expect(res.status).toBeLessThan(300);
  }
  const list = await e2e.api<{ runs: { runId: string; pipeline: string }[] }>('listRuns', {
    query: { pipeline: 'blobpipe' },
  });
  expect(list.body.runs).toHaveLength(1);
  const runId = list.body.runs[0]?.runId ?? '';
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Completed');
  expect((await view(runId)).status).toBe('succeeded');
}, 120_000);

test('the sweeper deletes tagged orphans, keeps failed steps for keepOnFailure, never touches untagged groups', async () => {
  await uploadImages(e2e, ['keep/k1.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'k1-tif.*/step$',
    kind: 'exit-code',
    exitCode: 3,
  });
  const pipeline = aPipeline({
    name: 'keep',
    inputs: { container: 'images', prefix: 'keep/' },
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '5m', retries: 0 }],
    teardown: { keepOnFailure: '10m' },
  });
  const { view: ended } = await runToEnd(e2e, { pipeline });
  expect(ended.status).toBe('failed');
  expect(e2e.stack.aci.resources()).toHaveLength(1);
  // An orphan: a tagged group of a run nobody knows; and a group flotilla did not make.
  const aci = composition().aci;
  await aci.start([
    {
      runId: 'r-orphan0000',
      imageKey: 'ghost',
      step: 'tile',
      attempt: 1,
      containerImage: 'busybox:1.36',
      command: 'true',
      cpu: 1,
      memoryGb: 1,
      inputs: [],
      outputs: { container: 'outputs', prefix: 'x/' },
      logs: { container: 'results', prefix: 'x/' },
      timeoutMs: 600_000,
    },
  ]);
  const arm = new ContainerInstanceManagementClient(
    new ManagedIdentityCredential(),
    e2e.stack.settings.FLOTILLA_SUBSCRIPTION_ID,
    {
      endpoint: e2e.stack.settings.FLOTILLA_ARM_ENDPOINT,
      credentialScopes: ['https://management.azure.com/.default'],
    },
  );
  await arm.containerGroups.beginCreateOrUpdate(e2e.stack.settings.FLOTILLA_RESOURCE_GROUP, 'not-ours', {
    location: e2e.stack.settings.FLOTILLA_LOCATION,
    osType: 'Linux',
    restartPolicy: 'Never',
    containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
  });
  expect(e2e.stack.aci.resources()).toHaveLength(3);
  // Let the new groups finish provisioning (a group that is still transitioning cannot be deleted yet).
  await e2e.clock.advance(5000);
  expect((await e2e.host.invokeTimer('sweeper')).ok).toBe(true);
  const names = () => e2e.stack.aci.resources().map((r) => r.name);
  expect(names()).toContain('not-ours');
  expect(names()).toHaveLength(2);
  await e2e.clock.advance(11 * 60_000);
  expect((await e2e.host.invokeTimer('sweeper')).ok).toBe(true);
  expect(names()).toEqual(['not-ours']);
  await arm.containerGroups.beginDelete(e2e.stack.settings.FLOTILLA_RESOURCE_GROUP, 'not-ours');
}, 120_000);
