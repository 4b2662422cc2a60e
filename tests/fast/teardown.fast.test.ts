/**
 * Teardown on the fast tier: every started resource is released exactly once, keepOnFailure leaves a failed
 * attempt's resource until the sweeper removes it, and a throttled release is retried without touching the
 * step's result.
 */
import { aPipeline, aRunRequest, aStep, exits, scriptByStep } from '../support/fakes/builders';
import { throttled } from '../support/fakes/fake-compute';
import { FastApp } from '../support/fast/fast-app';
import { AdapterError } from '../../src/adapters/errors';
import { RESULTS_CONTAINER } from '../../src/runs/paths';

let app: FastApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const chain = () => [
  aStep('tile', { retries: 1 }),
  aStep('predict', { dependsOn: ['tile'], retries: 1 }),
  aStep('vectorize', { dependsOn: ['predict'], retries: 1 }),
];

describe('teardown', () => {
  it('releases every started resource exactly once and returns every admission lease', async () => {
    // predict fails once everywhere (and is retried); vectorize fails for good on every image.
    app = await FastApp.start({
      script: scriptByStep({ predict: [exits(1), exits(0)], vectorize: exits(2) }),
    });
    const runId = await app.startRun(aRunRequest(aPipeline({ concurrency: 2, steps: chain() }), 3));
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('failed');
    // 3 images x (tile 1 + predict 2 + vectorize 2) attempts.
    expect(app.aci.all()).toHaveLength(15);
    expect(app.aci.all().filter((r) => r.releases !== 1)).toEqual([]);
    expect(app.aci.live()).toEqual([]);
    expect((await app.ledger())?.leases).toEqual([]);
  });

  it('keeps a failed attempt for keepOnFailure, then the sweeper releases it once that time has passed', async () => {
    app = await FastApp.start({ script: () => exits(1) });
    const pipeline = aPipeline({ steps: [aStep('work')], teardown: { keepOnFailure: '2h' } });
    const runId = await app.startRun(aRunRequest(pipeline));
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('failed');
    const result = await app.stepResult(runId, view.images[0]?.imageKey ?? '', 'work');
    const [kept] = app.aci.all();
    expect(kept?.keptUntil).toBeDefined();
    expect(result.keptUntil).toBe(kept?.keptUntil);
    expect(app.aci.live()).toEqual([kept]);
    expect(app.aci.count('release')).toBe(0);

    // Within the keep time the sweeper spares it, although its run has ended ...
    await app.sweep();
    expect(app.aci.live()).toEqual([kept]);

    // ... and once the keep time has passed, removes it.
    await app.skip(Date.parse(kept?.keptUntil ?? '') - app.clock.now() + 1);
    await app.sweep();
    expect(app.aci.live()).toEqual([]);
    expect(kept?.swept).toBe(true);
    expect(app.aci.count('deleteManaged', { failed: false })).toBe(1);
  });

  it('retries a throttled release and the step keeps its result', async () => {
    app = await FastApp.start({ script: () => exits(0) });
    app.aci.failNext('release', throttled('release'), throttled('release'));
    const runId = await app.startRun(aRunRequest(aPipeline({ steps: [aStep('work')] })));
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('succeeded');
    const result = await app.stepResult(runId, view.images[0]?.imageKey ?? '', 'work');
    expect(result).toMatchObject({ status: 'succeeded', attempts: 1, exitCode: 0 });
    expect(app.aci.count('release', { failed: true })).toBe(2);
    expect(app.aci.count('release', { failed: false })).toBe(1);
    expect(app.aci.all().map((r) => r.releases)).toEqual([1]);
  });

  it('logs that cannot be fetched leave a note saying why in their place; the step result stands', async () => {
    app = await FastApp.start({ script: () => exits(0) });
    // ACI answers a group's logs with 409 ContainerGroupTransitioning while it provisions (e.g. on a cancel).
    const transitioning = new AdapterError(
      'TRANSITIONING',
      'transient',
      'logs: the container group is transitioning (409 ContainerGroupTransitioning)',
      { service: 'aci', operation: 'logs' },
      { status: 409, serviceCode: 'ContainerGroupTransitioning' },
    );
    app.aci.failNext('saveLogs', transitioning);
    const runId = await app.startRun(aRunRequest(aPipeline({ concurrency: 1, steps: [aStep('tile')] }), 1));
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('succeeded');
    const [imageKey] = await app.imageKeys(runId);
    const result = await app.stepResult(runId, imageKey ?? '', 'tile');
    expect(result.status).toBe('succeeded');
    const note = result.logs.find((name) => name.endsWith('/logs-not-saved.txt'));
    expect(note).toBeDefined();
    expect(await app.store.getText(RESULTS_CONTAINER, note ?? '')).toMatch(
      /could not be saved: .*ContainerGroupTransitioning/,
    );
    expect(app.aci.live()).toEqual([]);
  });
});
