import type { RunView } from '../../src/api/run-view';
import { composition } from '../../src/composition';
import { aPipeline, type E2E, startE2E, uploadImages } from './support/harness';

let e2e: E2E;
beforeAll(async () => {
  // Steps run for a virtual minute, so the host can be stopped while groups are alive.
  e2e = await startE2E({ aci: { simulate: () => ({ durationMs: 60_000, exitCode: 0 }) } });
}, 60_000);
afterAll(() => e2e?.stop());

const view = async (runId: string) => (await e2e.api<RunView>('getRun', { params: { id: runId } })).body;

test('the host is killed mid-run and restarted: the run completes, and the sweeper removes orphans', async () => {
  await uploadImages(e2e, ['restart/a.tif', 'restart/b.tif', 'restart/c.tif']);
  const pipeline = aPipeline({ name: 'restart', inputs: { container: 'images', prefix: 'restart/' } });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  const { runId } = started.body;
  await e2e.until(() => e2e.stack.aci.resources().length >= 2);
  await e2e.restartHost();
  await e2e.until(async () => (await view(runId)).runtimeStatus === 'Completed', { stepMs: 5000 });
  const ended = await view(runId);
  expect(ended.status).toBe('succeeded');
  expect(ended.counts.succeeded).toBe(3);
  expect(e2e.stack.aci.resources()).toEqual([]);
  // An orphan of the ended run (as an attempt whose teardown was lost would leave): the sweeper deletes it.
  await composition().aci.start([
    {
      runId,
      imageKey: 'lost',
      step: 'tile',
      attempt: 9,
      containerImage: 'busybox:1.36',
      command: 'true',
      cpu: 1,
      memoryGb: 1,
      inputs: [],
      outputs: { container: 'outputs', prefix: 'lost/' },
      logs: { container: 'results', prefix: 'lost/' },
      timeoutMs: 600_000,
    },
  ]);
  expect(e2e.stack.aci.resources()).toHaveLength(1);
  // Let the new groups finish provisioning (a group that is still transitioning cannot be deleted yet).
  await e2e.clock.advance(5000);
  expect((await e2e.host.invokeTimer('sweeper')).ok).toBe(true);
  expect(e2e.stack.aci.resources()).toEqual([]);
}, 180_000);
