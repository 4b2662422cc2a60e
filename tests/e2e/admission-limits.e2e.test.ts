/**
 * Admission at a tight core quota (4 vCPUs in the emulator and in the app): groups are admitted for what
 * they really request (the step plus the 0.25 vCPU stager sidecar), a step that can never fit fails at
 * once, a step that waits past FLOTILLA_ADMISSION_TIMEOUT_MS fails with `admission-timeout`, and status
 * shows what a waiting step waits for.
 */
import type { RunView } from '../../src/api/run-view';
import { aPipeline, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({
    aci: {
      quotas: { coresPerRegion: 4 },
      simulate: (spec) => ({
        durationMs: spec.group.includes('-slow-tif-') ? 30 * 60_000 : 5_000,
        exitCode: 0,
      }),
    },
    settings: { FLOTILLA_ACI_CORE_QUOTA: '4', FLOTILLA_ADMISSION_TIMEOUT_MS: '120000' },
  });
}, 60_000);
afterAll(() => e2e?.stop());

const creates = () =>
  e2e.stack.aci.recorder.all().filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate');
const view = async (runId: string) => (await e2e.api<RunView>('getRun', { params: { id: runId } })).body;
const oneStep = (name: string, cpu: number, timeout = '10m') =>
  aPipeline({
    name,
    inputs: { container: 'images', prefix: `${name}/` },
    concurrency: 8,
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', cpu, timeout, retries: 0 }],
  });

test('at a 4-vCPU quota, 1-vCPU steps run 3 at a time (1.25 each with the sidecar) and never hit ACI quota', async () => {
  await uploadImages(
    e2e,
    Array.from({ length: 8 }, (_, i) => `side/${i}.tif`),
  );
  const { view: ended } = await runToEnd(e2e, { pipeline: oneStep('side', 1) }, { timeoutMs: 120_000 });
  expect(ended.status).toBe('succeeded');
  expect(ended.counts.succeeded).toBe(8);
  const creates = e2e.stack.aci.recorder
    .all()
    .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate');
  expect(creates.filter((r) => r.status >= 400)).toEqual([]);
}, 180_000);

test('a step that needs more than the quota fails at once, saying why', async () => {
  await uploadImages(e2e, ['big/0.tif']);
  const t0 = e2e.clock.now();
  const createsBefore = creates().length;
  const { view: ended } = await runToEnd(e2e, { pipeline: oneStep('big', 4) });
  expect(ended.status).toBe('failed');
  const step = ended.images[0]?.steps[0];
  expect(step?.status).toBe('failed');
  expect(step?.error).toEqual({
    code: 'admission-impossible',
    message: expect.stringMatching(/needs 4\.25 vCPUs .*core quota of 4 \(FLOTILLA_ACI_CORE_QUOTA\)/),
  });
  // No waiting: it ended within a few polls of virtual time, and nothing was created.
  expect(e2e.clock.now() - t0).toBeLessThan(60_000);
  expect(creates().length).toBe(createsBefore);
}, 120_000);

test('a step that waits past the admission timeout fails with admission-timeout; status shows what it waits for', async () => {
  await uploadImages(e2e, ['long/slow.tif', 'wait/0.tif']);
  const long = await e2e.api<{ runId: string }>('startRun', { body: { pipeline: oneStep('long', 3, '1h') } });
  expect(long.status).toBe(202);
  await e2e.until(() => e2e.stack.aci.resources().some((r) => r.name.includes('-slow-tif-')));
  const waiting = await e2e.api<{ runId: string }>('startRun', { body: { pipeline: oneStep('wait', 1) } });
  expect(waiting.status).toBe(202);
  const runId = waiting.body.runId;
  let seen: RunView | undefined;
  await e2e.until(
    async () => {
      seen = await view(runId);
      return seen.images.some((i) => i.steps.some((s) => s.waitingFor !== undefined));
    },
    { stepMs: 1000 },
  );
  expect(seen?.images[0]?.steps[0]).toMatchObject({
    step: 'tile',
    phase: 'admission',
    waitingFor: 'ACI core quota',
    waitingSince: expect.any(String),
  });
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Completed', { stepMs: 5000 });
  const ended = await view(runId);
  expect(ended.status).toBe('failed');
  expect(ended.images[0]?.steps[0]?.error).toEqual({
    code: 'admission-timeout',
    message: expect.stringMatching(/FLOTILLA_ADMISSION_TIMEOUT_MS is 120000.*ACI core quota/),
  });
  const cancel = await e2e.api('cancelRun', { params: { id: long.body.runId } });
  expect(cancel.status).toBe(202);
}, 180_000);
