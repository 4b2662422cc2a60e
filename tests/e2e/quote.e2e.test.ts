/**
 * The quote (POST /api/plans) of the sample pipeline against what the emulators bill in simulate mode
 * (docs/orchestration.md, "Quote"): containers per backend, and the vCPU-, GB- and node-seconds it prices.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Quote } from '../../src/admission/quote';
import type { Manifest } from '../../src/runs/records';
import { type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

const STEP_MS = 30_000;
const TASK_MS = 20_000;
let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({
    aci: { simulate: (spec) => ({ durationMs: spec.container === 'step' ? STEP_MS : 1000, exitCode: 0 }) },
    batch: { simulate: { durationMs: TASK_MS, exitCode: 0 } },
  });
}, 60_000);
afterAll(() => e2e?.stop());

const within10 = (quoted: number, billed: number) => {
  expect(billed).toBeGreaterThan(0);
  expect(Math.abs(quoted - billed) / billed).toBeLessThanOrEqual(0.1);
};

test('the quote of samples/damage-assessment equals the emulators billed seconds within 10%', async () => {
  const yaml = readFileSync(
    join(__dirname, '..', '..', 'samples', 'damage-assessment', 'pipeline.yaml'),
    'utf8',
  );
  expect((await e2e.api('putPipeline', { params: { name: 'damage-assessment' }, body: yaml })).status).toBe(
    200,
  );
  const images = ['a', 'b', 'c', 'd'].map((n) => `damage-assessment/${n}.pgm`);
  await uploadImages(e2e, images);
  const planned = await e2e.api<Quote & { pipeline: string }>('planRun', {
    body: {
      pipeline: 'damage-assessment',
      images: images.length,
      stepDurations: { tile: '30s', predict: '20s', vectorize: '30s', merge: '30s' },
    },
  });
  expect(planned.status).toBe(200);
  const quote = planned.body;
  expect(quote.containers).toEqual({ aci: 2 * images.length + 1, batch: images.length });
  expect(quote.cost.currency).toBe('USD');
  expect(quote.cost.min).toBeLessThan(quote.cost.max);

  const { runId, view } = await runToEnd(
    e2e,
    { pipeline: 'damage-assessment' },
    { stepMs: 5000, timeoutMs: 120_000 },
  );
  expect(view.status).toBe('succeeded');
  const aci = e2e.stack.aci.billing().byName.step;
  const batch = e2e.stack.batch.billing().byName.task;
  if (!aci || !batch) throw new Error('the emulators billed nothing');
  expect(aci.count).toBe(quote.containers.aci);
  expect(batch.count).toBe(quote.containers.batch);
  within10(quote.usage.aciVcpuSeconds, aci.vcpuSeconds);
  within10(quote.usage.aciGbSeconds, aci.gbSeconds);
  within10(quote.usage.batchNodeSeconds, batch.seconds);
  // The manifest's cost is priced the same way as the quote's low end.
  const manifest = (await e2e.api<Manifest>('runManifest', { params: { id: runId } })).body;
  within10(quote.cost.min, manifest.cost.total);
  expect(manifest.cost.batchIdleNodeSeconds).toBeGreaterThan(0);
}, 240_000);
