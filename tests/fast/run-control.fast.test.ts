/**
 * Cancel and admission on the fast tier: a cancelled run tears down its in-flight steps and ends
 * `cancelled`; a step that does not fit the quota waits (never fails) and starts once capacity frees.
 */
import { aPipeline, aRunRequest, aStep, exits, hangs, scriptByStep } from '../support/fakes/builders';
import { FastApp } from '../support/fast/fast-app';

let app: FastApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('cancel', () => {
  it('tears down the steps in flight, starts nothing more and ends the run cancelled', async () => {
    app = await FastApp.start({ script: scriptByStep({ first: hangs() }) });
    const pipeline = aPipeline({
      concurrency: 2,
      steps: [aStep('first', { timeout: '2h' }), aStep('second', { dependsOn: ['first'] })],
    });
    const runId = await app.startRun(aRunRequest(pipeline, 3));
    const keys = await app.imageKeys(runId);
    await app.until(
      () => keys.filter((key) => app?.stepPhase(runId, key, 'first') === 'waiting').length === 2,
      { what: 'both lanes to have a running first step' },
    );
    const inFlight = app.aci.live();
    expect(inFlight).toHaveLength(2);

    const cancel = await app.api<{ signalled: number }>('cancelRun', { params: { id: runId } });
    expect(cancel).toMatchObject({ status: 202, body: { signalled: 2 } });
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('cancelled');
    expect(view.counts).toMatchObject({ total: 3, cancelled: 3, succeeded: 0 });
    expect(inFlight.map((r) => r.releases)).toEqual([1, 1]);
    expect(app.aci.live()).toEqual([]);
    // Nothing was started after the cancel: no second step, no third image.
    expect(app.aci.all().map((r) => r.launch.step)).toEqual(['first', 'first']);
    expect((await app.ledger())?.leases).toEqual([]);
  });
});

describe('admission', () => {
  it('holds a step that does not fit the core quota until a running one releases its cores', async () => {
    app = await FastApp.start({ script: () => exits(0, 10 * 60_000), limits: { aciCoreQuota: 2 } });
    const pipeline = aPipeline({ concurrency: 2, steps: [aStep('work', { cpu: 2 })] });
    const runId = await app.startRun(aRunRequest(pipeline, 2));
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('succeeded');
    const [first, second] = app.aci.all();
    const firstReleased = app.aci.calls.find((c) => c.op === 'release' && c.name === first?.name);
    expect(firstReleased).toBeDefined();
    // The second image's step started only after the first gave its cores back, and did not fail meanwhile.
    expect(second?.startedAt).toBeGreaterThanOrEqual(firstReleased?.at ?? Infinity);
    expect(second?.launch.attempt).toBe(1);
    expect(app.aci.count('start')).toBe(2);
    const running = app;
    const results = await Promise.all(view.images.map((i) => running.stepResult(runId, i.imageKey, 'work')));
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});
