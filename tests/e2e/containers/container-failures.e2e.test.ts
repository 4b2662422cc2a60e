import { waitFor } from '../../support/wait-for';
import {
  aContainerPipeline,
  type ContainerE2E,
  memoryHog,
  startContainerE2E,
  uploadInput,
} from './container-stack';

/**
 * How steps fail with real containers (podman), through the app and the emulators as on Azure: a missing image
 * fails at once as inaccessible, a memory hog ends OOMKilled (137), a hung step is killed at its timeout, and a
 * cancel leaves no container (docs/containers.md, "Failures and cleanup").
 */
let e2e: ContainerE2E;
beforeAll(async () => {
  e2e = await startContainerE2E();
}, 300_000);
afterAll(async () => {
  await e2e?.stop();
  expect(e2e ? e2e.containers() : []).toEqual([]);
}, 120_000);

async function run(name: string, step: Record<string, unknown>): Promise<string> {
  await uploadInput(e2e, name);
  return e2e.start({ pipeline: aContainerPipeline(name, step) });
}

async function stepOf(runId: string) {
  const { manifest } = await e2e.ended(runId);
  return manifest.images[0]?.steps[0];
}

it('a step image the engine does not have fails at once as inaccessible, on ACI and on Batch', async () => {
  const [aci, batch] = await Promise.all(
    (['aci', 'batch'] as const).map((backend) =>
      run(`missing-${backend}`, {
        image: 'flotilla-samples/not-built:0.0',
        command: 'true',
        backend,
        retries: 2,
      }),
    ),
  );
  const [onAci, onBatch] = [await stepOf(aci as string), await stepOf(batch as string)];
  // Not retried: an image that cannot be pulled stays so.
  expect(onAci).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'image-inaccessible' } });
  expect(onAci?.error?.message).toMatch(/InaccessibleImage|inaccessible/i);
  expect(onBatch).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'image-inaccessible' } });
  expect(onBatch?.error?.message).toMatch(/ContainerInvalidImage/);
  expect(onBatch?.exitCode).toBeUndefined();
}, 240_000);

it('a memory hog under a small memory request ends OOMKilled, exit 137, on ACI and on Batch', async () => {
  const hog = { command: memoryHog(96), memoryGB: 0.1, retries: 0 };
  const [aci, batch] = await Promise.all([
    run('hog-aci', hog),
    // Batch steps get --memory under retry.onOutOfMemory (the cap at the request: no retry).
    run('hog-batch', { ...hog, backend: 'batch', retry: { onOutOfMemory: { maxMemoryGB: 0.1 } } }),
  ]);
  const [onAci, onBatch] = [await stepOf(aci), await stepOf(batch)];
  // ACI: the instance view says Terminated, exit 137, detailStatus OOMKilled.
  expect(onAci).toMatchObject({ status: 'failed', exitCode: 137, error: { code: 'exit-code' } });
  expect(onAci?.error?.message).toMatch(/exit 137: OOMKilled/);
  // Batch: the task completed with exit code 137 and failureInfo FailureExitCode.
  expect(onBatch).toMatchObject({ status: 'failed', exitCode: 137, error: { code: 'exit-code' } });
  expect(onBatch?.error?.message).toMatch(/FailureExitCode/);
  expect(onBatch?.attemptHistory?.[0]).toMatchObject({ memoryGb: 0.1, outOfMemory: true });
}, 240_000);

it('a hung step is killed at its timeout and leaves no container, on ACI and on Batch', async () => {
  const hung = { command: 'sleep 600', timeout: '20s', retries: 0 };
  const started = Date.now();
  const [aci, batch] = await Promise.all([
    run('hung-aci', hung),
    run('hung-batch', { ...hung, backend: 'batch' }),
  ]);
  // Both step containers really run before the deadline.
  await waitFor(() => e2e.containers('flotilla.aci.container=step').length > 0, {
    what: 'the ACI step container to run',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  await waitFor(() => e2e.containers('flotilla.batch.task').length > 0, {
    what: 'the Batch task container to run',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  const [onAci, onBatch] = [await stepOf(aci), await stepOf(batch)];
  expect(onAci).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
  // Batch ends the task at maxWallClockTime (the step's timeout), or the app's deadline comes first.
  expect(onBatch?.status).toBe('failed');
  expect(['timeout', 'exit-code', 'infrastructure']).toContain(onBatch?.error?.code);
  expect(Date.now() - started).toBeLessThan(150_000);
  expect(e2e.containers()).toEqual([]);
}, 240_000);

it('cancelled runs leave no container, on ACI and on Batch', async () => {
  const hung = { command: 'sleep 600', timeout: '5m' };
  const runs = await Promise.all([
    run('cancel-aci', hung),
    run('cancel-batch', { ...hung, backend: 'batch' }),
  ]);
  for (const [label, what] of [
    ['flotilla.aci.container=step', 'the ACI step container'],
    ['flotilla.batch.task', 'the Batch task container'],
  ] as const)
    await waitFor(() => e2e.containers(label).length > 0, {
      what: `${what} to run`,
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  for (const runId of runs) expect((await e2e.api('cancelRun', { params: { id: runId } })).status).toBe(202);
  for (const runId of runs) expect((await e2e.ended(runId)).view.status).toBe('cancelled');
  await waitFor(() => e2e.containers().length === 0, {
    what: 'every container of the cancelled runs to be removed',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
}, 240_000);
