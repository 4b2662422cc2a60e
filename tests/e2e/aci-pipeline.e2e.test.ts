import type { Manifest } from '../../src/runs/records';
import { aPipeline, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
  await uploadImages(e2e, ['damage/a.tif', 'damage/b.tif', 'damage/c.tif']);
}, 60_000);
afterAll(() => e2e?.stop());

test('3 images x 3 steps on ACI: every step runs, the run succeeds, nothing is left running', async () => {
  const { runId, view } = await runToEnd(e2e, { pipeline: aPipeline() });
  expect(view.status).toBe('succeeded');
  expect(view.counts).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
  expect(view.images).toHaveLength(3);
  for (const image of view.images) {
    expect(image.steps.map((s) => [s.step, s.status])).toEqual([
      ['tile', 'succeeded'],
      ['predict', 'succeeded'],
      ['vectorize', 'succeeded'],
    ]);
  }
  expect((view.cost as Manifest['cost']).aciVcpuSeconds).toBeGreaterThan(0);
  const manifest = await e2e.api<Manifest>('runManifest', { params: { id: runId } });
  expect(manifest.status).toBe(200);
  expect(manifest.body.totals).toMatchObject({ images: 3, succeeded: 3, steps: 9 });
  expect(e2e.stack.aci.resources()).toEqual([]);
  const creates = e2e.stack.aci.recorder
    .all()
    .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate');
  expect(creates).toHaveLength(9);
}, 120_000);
