/**
 * Teardown never changes an outcome (docs/orchestration.md, "Teardown under delete limits"): a release that
 * is throttled a while is retried on durable timers; one that stays throttled past FLOTILLA_TEARDOWN_WAIT_MS
 * is handed to the sweeper. Either way the step keeps the result its container gave.
 */
import { aPipeline, aRunRequest, aStep, exits } from '../support/fakes/builders';
import { throttled } from '../support/fakes/fake-compute';
import { FastApp } from '../support/fast/fast-app';

let app: FastApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

it('retries a throttled release on durable timers until it goes through; the step stays succeeded', async () => {
  app = await FastApp.start({ script: () => exits(0) });
  app.aci.failNext('release', ...Array.from({ length: 20 }, () => throttled('release')));
  const runId = await app.startRun(aRunRequest(aPipeline({ steps: [aStep('work')] })));
  const view = await app.runToEnd(runId);

  expect(view.status).toBe('succeeded');
  const result = await app.stepResult(runId, view.images[0]?.imageKey ?? '', 'work');
  expect(result).toMatchObject({ status: 'succeeded', attempts: 1, exitCode: 0 });
  expect(result?.teardown).toBeUndefined();
  expect(app.aci.live()).toEqual([]);
  expect(app.aci.calls.filter((c) => c.op === 'release' && c.failed).length).toBe(20);
});

it('defers a release that stays throttled to the sweeper, keeps the step succeeded, and the sweep deletes it', async () => {
  app = await FastApp.start({ script: () => exits(0) });
  app.aci.failNext('release', ...Array.from({ length: 100_000 }, () => throttled('release')));
  const runId = await app.startRun(aRunRequest(aPipeline({ steps: [aStep('work')] })));
  const view = await app.runToEnd(runId);

  expect(view.status).toBe('succeeded');
  const result = await app.stepResult(runId, view.images[0]?.imageKey ?? '', 'work');
  expect(result).toMatchObject({ status: 'succeeded', attempts: 1, exitCode: 0, teardown: 'deferred' });
  const [resource] = app.aci.all();
  expect(app.aci.live()).toEqual([resource]);

  // The step's throttled attempts used the delete ledger's window: the sweeper's delete waits for the next.
  await app.sweep();
  expect(app.aci.live()).toEqual([resource]);
  await app.skip(60 * 60_000);
  await app.sweep();
  expect(app.aci.live()).toEqual([]);
  expect(resource?.swept).toBe(true);
});
