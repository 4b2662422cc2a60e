/**
 * A step's attempts on the fast tier (tests/support/fast/fast-app.ts): retries after a non-zero exit, and the
 * deadline of a hung container, on the real orchestrators with in-memory ports and a skipping clock.
 */
import { aPipeline, aRunRequest, aStep, exits, hangs, scriptByStep } from '../support/fakes/builders';
import { FastApp } from '../support/fast/fast-app';

let app: FastApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('step attempts', () => {
  it('retries a step that exits 1 and succeeds with the second attempt', async () => {
    app = await FastApp.start({ script: scriptByStep({ work: [exits(1), exits(0)] }) });
    const runId = await app.startRun(aRunRequest(aPipeline({ steps: [aStep('work', { retries: 2 })] })));
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('succeeded');
    const [image] = view.images;
    const result = await app.stepResult(runId, image?.imageKey ?? '', 'work');
    expect(result).toMatchObject({ status: 'succeeded', attempts: 2, exitCode: 0 });
    expect(app.aci.all().map((r) => [r.launch.attempt, r.script.exitCode, r.releases])).toEqual([
      [1, 1, 1],
      [2, 0, 1],
    ]);
  });

  it('fails the step when every attempt exits non-zero, after retries + 1 attempts', async () => {
    app = await FastApp.start({ script: () => exits(3) });
    const runId = await app.startRun(aRunRequest(aPipeline({ steps: [aStep('work', { retries: 1 })] })));
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('failed');
    const result = await app.stepResult(runId, view.images[0]?.imageKey ?? '', 'work');
    expect(result).toMatchObject({ status: 'failed', attempts: 2, exitCode: 3 });
    expect(result.error).toMatchObject({ code: 'exit-code' });
    expect(app.aci.live()).toEqual([]);
  });

  it('tears down a hung container once its 30-minute timeout has passed and fails the attempt', async () => {
    app = await FastApp.start({ script: () => hangs() });
    const started = Date.now();
    const runId = await app.startRun(
      aRunRequest(aPipeline({ steps: [aStep('work', { timeout: '30m', retries: 0 })] })),
    );
    const startedAt = app.clock.now();
    const view = await app.runToEnd(runId);

    expect(view.status).toBe('failed');
    const result = await app.stepResult(runId, view.images[0]?.imageKey ?? '', 'work');
    expect(result).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'timeout' } });
    const [resource] = app.aci.all();
    expect(resource?.releases).toBe(1);
    const release = app.aci.calls.find((c) => c.op === 'release' && c.failed === undefined);
    expect((release?.at ?? 0) - startedAt).toBeGreaterThanOrEqual(30 * 60_000);
    expect((release?.at ?? 0) - startedAt).toBeLessThan(31 * 60_000);
    // Half an hour of virtual time passed at least 100 times faster than the wall clock.
    expect(Date.now() - started).toBeLessThan((30 * 60_000) / 100);
  });
});
