/**
 * A run's budget on the embedded stack (docs/orchestration.md, "Admission with a budget"): admission reserves
 * each attempt's worst case, settles it at what it ran, and starts nothing that could pass the cap.
 */
import type { RunView } from '../../src/api/run-view';
import type { Manifest } from '../../src/runs/records';
import { type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

// Each step container runs 400 s of its 600 s timeout (steps are seen by polling in simulate mode): an image
// costs 400 s and reserves 600 s of one vCPU + 1 GB.
const STEP_MS = 400_000;
const PRICE_PER_SECOND = 0.0000113 + 0.0000012; // FLOTILLA_PRICE_ACI_VCPU_SECOND + _GB_SECOND (defaults)
const WORST = 600 * PRICE_PER_SECOND;
const FAST = { stepMs: 10_000, timeoutMs: 120_000 };

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({
    aci: { simulate: (spec) => ({ durationMs: spec.container === 'step' ? STEP_MS : 1000, exitCode: 0 }) },
  });
}, 60_000);
afterAll(() => e2e?.stop());

type Failure = { error: { code: string; message: string; details?: { path: string; message: string }[] } };
const oneStep = (name: string) => ({
  name,
  inputs: { container: 'images', prefix: `${name}/` },
  outputs: { container: 'outputs' },
  concurrency: 5,
  steps: [
    { id: 'tile', image: 'busybox:1.36', command: 'tile', cpu: 1, memoryGB: 1, timeout: '10m', retries: 0 },
  ],
});
const creates = () =>
  e2e.stack.aci.recorder
    .all()
    .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate' && r.status < 300);

test('a budget that covers 2 of 5 images ends budget_exceeded: 2 succeeded, no container created past the cap', async () => {
  const images = ['a', 'b', 'c', 'd', 'e'].map((n) => `capped/${n}.tif`);
  await uploadImages(e2e, images);
  const before = creates().length;
  // Two worst cases fit at once; once both settled at 400 s, a third 600 s worst case no longer fits.
  const maxCost = 2 * WORST + 0.00001;
  const { runId, view } = await runToEnd(e2e, { pipeline: oneStep('capped'), budget: { maxCost } }, FAST);
  expect(view.status).toBe('budget_exceeded');
  expect(view.counts).toMatchObject({ total: 5, succeeded: 2, failed: 0 });
  expect(view.budget).toMatchObject({ maxCost, currency: 'USD', exceeded: true, reserved: 0 });
  expect(view.budget?.spent).toBeLessThanOrEqual(maxCost);
  expect((view.cost as { currency?: string }).currency).toBe('USD');
  // The emulator saw exactly two container groups of this run created: nothing started past the cap.
  expect(
    new Set(
      creates()
        .slice(before)
        .map((r) => r.path.split('?')[0]),
    ).size,
  ).toBe(2);

  const manifest = (await e2e.api<Manifest>('runManifest', { params: { id: runId } })).body;
  expect(manifest.status).toBe('budget_exceeded');
  expect(manifest.cost.currency).toBe('USD');
  expect(manifest.cost.total).toBeLessThanOrEqual(maxCost);
  expect(manifest.budget?.spent).toBeCloseTo(manifest.cost.total, 6);
  const budget = manifest.budget;
  if (!budget) throw new Error('the manifest has no budget');
  // What did not run is named: the refused steps and the images that did not start.
  expect(budget.refused.length).toBeGreaterThanOrEqual(1);
  expect(budget.refused.every((r) => r.step === 'tile' && r.worstCost > 0)).toBe(true);
  expect(budget.notStarted.map((i) => i.image).sort()).toEqual(
    images.filter((i) => !manifest.images.some((r) => r.image === i && r.status === 'succeeded')).sort(),
  );
  expect(budget.notStarted).toHaveLength(3);
  expect(manifest.images.filter((i) => i.status === 'succeeded')).toHaveLength(2);
}, 180_000);

test('a budget in another currency than the prices is refused with 400 naming budget.currency', async () => {
  await uploadImages(e2e, ['eur/a.tif']);
  const started = await e2e.api<Failure>('startRun', {
    body: { pipeline: oneStep('eur'), budget: { maxCost: 1, currency: 'EUR' } },
  });
  expect(started.status).toBe(400);
  expect(started.body.error.code).toBe('budget_currency_mismatch');
  expect(started.body.error.details?.[0]?.path).toBe('budget.currency');
  expect(started.body.error.message).toContain('prices are in USD');
  const negative = await e2e.api<Failure>('startRun', {
    body: { pipeline: oneStep('eur'), budget: { maxCost: -1 } },
  });
  expect(negative.status).toBe(400);
  expect(negative.body.error.details?.[0]?.path).toBe('budget.maxCost');
  // In the spec: the same refusal, naming the spec's field.
  const inSpec = await e2e.api<Failure>('startRun', {
    body: { pipeline: { ...oneStep('eur'), budget: { maxCost: 1, currency: 'GBP' } } },
  });
  expect(inSpec.status).toBe(400);
  expect(inSpec.body.error.details?.[0]?.path).toBe('pipeline.budget.currency');
});

test('POST /api/plans: bad input is a 400 JSON naming the field; good input quotes without starting anything', async () => {
  const before = e2e.stack.aci.recorder.all().length;
  const cases: [Record<string, unknown>, string][] = [
    [{ pipeline: oneStep('plan') }, 'images'],
    [{ pipeline: oneStep('plan'), images: 0 }, 'images'],
    [{ pipeline: oneStep('plan'), images: 3, stepDurations: { nope: '1m' } }, 'stepDurations.nope'],
    [{ pipeline: oneStep('plan'), images: 3, stepDurations: { tile: '90' } }, 'stepDurations.tile'],
    [{ pipeline: oneStep('plan'), images: 3, budget: { maxCost: 'lots' } }, 'budget.maxCost'],
    [{ pipeline: { ...oneStep('plan'), steps: [] }, images: 3 }, 'pipeline.steps'],
  ];
  for (const [body, path] of cases) {
    const answer = await e2e.api<Failure>('planRun', { body });
    expect({ path, status: answer.status }).toEqual({ path, status: 400 });
    expect(answer.body.error.details?.map((d) => d.path)).toContain(path);
  }
  const extra = await e2e.api<Failure>('planRun', {
    body: { pipeline: oneStep('plan'), images: 3, extra: 1 },
  });
  expect(extra.status).toBe(400);
  expect(extra.body.error.message).toContain('unknown field "extra"');
  const quote = await e2e.api<{
    containers: { aci: number; batch: number };
    cost: { min: number; max: number; currency: string };
    budget: { coversMin: boolean; coversMax: boolean };
    time: { minimumMs: number };
  }>('planRun', {
    body: {
      pipeline: oneStep('plan'),
      images: 4,
      stepDurations: { tile: '400s' },
      budget: { maxCost: 3 * WORST },
    },
  });
  expect(quote.status).toBe(200);
  expect(quote.body.containers).toEqual({ aci: 4, batch: 0 });
  expect(quote.body.cost.currency).toBe('USD');
  expect(quote.body.cost.min).toBeCloseTo(4 * 400 * PRICE_PER_SECOND, 6);
  expect(quote.body.cost.max).toBeCloseTo(4 * WORST, 6);
  expect(quote.body.budget).toEqual(expect.objectContaining({ coversMin: true, coversMax: false }));
  expect(quote.body.time.minimumMs).toBe(400_000);
  // A quote starts nothing.
  expect(
    e2e.stack.aci.recorder
      .all()
      .slice(before)
      .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate'),
  ).toEqual([]);
});

test('status shows the budget while the run is in flight', async () => {
  await uploadImages(e2e, ['live/a.tif']);
  const started = await e2e.api<{ runId: string }>('startRun', {
    body: { pipeline: oneStep('live'), budget: { maxCost: 1 } },
  });
  expect(started.status).toBe(202);
  const view = async () => (await e2e.api<RunView>('getRun', { params: { id: started.body.runId } })).body;
  await e2e.until(async () => ((await view()).budget?.reserved ?? 0) > 0, FAST);
  expect((await view()).budget).toMatchObject({ maxCost: 1, currency: 'USD', exceeded: false });
  await e2e.until(async () => (await view()).runtimeStatus === 'Completed', FAST);
  const ended = await view();
  expect(ended.status).toBe('succeeded');
  expect(ended.budget).toMatchObject({ reserved: 0, exceeded: false });
  expect(ended.budget?.spent).toBeCloseTo(400 * PRICE_PER_SECOND, 5);
}, 120_000);
