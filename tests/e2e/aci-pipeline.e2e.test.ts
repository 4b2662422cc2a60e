import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../src/runs/records';
import { aPipeline, CALLBACK_SECRET, type E2E, runToEnd, startE2E, uploadImages } from './support/harness';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

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
  // Simulated containers never call back: every step was finished by polling.
  expect(e2e.host.invocations('callback')).toEqual([]);
  const creates = e2e.stack.aci.recorder
    .all()
    .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate');
  expect(creates).toHaveLength(9);
  // No SAS token, callback token or secret in orchestration state (histories, inputs, outputs) or the manifest.
  const durableState = filesUnder(join(e2e.stateDir, 'host')).map((f) => readFileSync(f, 'utf8'));
  expect(durableState.join('\n')).toContain(runId);
  for (const text of [...durableState, JSON.stringify(manifest.body)]) {
    expect(text).not.toMatch(/[?&]sig=/);
    expect(text).not.toContain(CALLBACK_SECRET);
    expect(text).not.toMatch(/callbacks\/[A-Za-z0-9_-]{20,}\./);
    expect(text).not.toMatch(/uploads\/[A-Za-z0-9_-]{20,}\./);
  }
}, 120_000);

test('bad input gets a 4xx JSON body naming the field, never a 500', async () => {
  const notJson = await e2e.api('startRun', {
    body: '{"pipeline": ',
    headers: { 'content-type': 'application/json' },
  });
  expect(notJson.status).toBe(400);
  expect(notJson.body).toMatchObject({ error: { code: 'invalid_json' } });
  const badSpec = await e2e.api<{ error: { code: string; details: { path: string }[] } }>('startRun', {
    body: { pipeline: aPipeline({ concurrency: 0 }), images: ['damage/a.tif'] },
  });
  expect(badSpec.status).toBe(400);
  expect(badSpec.body.error.code).toBe('invalid_pipeline');
  expect(badSpec.body.error.details.map((d) => d.path)).toContain('pipeline.concurrency');
  const unknown = await e2e.api('startRun', { body: { pipeline: 'nope', images: ['x'] } });
  expect(unknown.status).toBe(404);
  const badId = await e2e.api<{ error: { details: { path: string }[] } }>('getRun', {
    params: { id: 'R-NOPE' },
  });
  expect(badId.status).toBe(400);
  expect(badId.body.error.details[0]?.path).toBe('id');
  expect((await e2e.api('getRun', { params: { id: 'r-00000000' } })).status).toBe(404);
  const badSpecPut = await e2e.api('putPipeline', {
    params: { name: 'broken' },
    body: 'name: broken\nsteps: 3\n',
  });
  expect(badSpecPut.status).toBe(400);
  const openapi = await e2e.api<{ openapi: string }>('openapi');
  expect(openapi.body.openapi).toMatch(/^3\./);
});

test('runs are listed newest first and filtered by pipeline and status', async () => {
  const list = await e2e.api<{ runs: { pipeline: string; status: string }[] }>('listRuns', {
    query: { pipeline: 'damage', status: 'succeeded' },
  });
  expect(list.status).toBe(200);
  expect(list.body.runs.length).toBeGreaterThanOrEqual(1);
  for (const run of list.body.runs) expect(run).toMatchObject({ pipeline: 'damage', status: 'succeeded' });
  const none = await e2e.api<{ runs: unknown[] }>('listRuns', { query: { pipeline: 'other' } });
  expect(none.body.runs).toEqual([]);
});

test('the finalize step runs once after the images, over the ones that succeeded', async () => {
  await uploadImages(e2e, ['fin/a.tif', 'fin/b.tif']);
  const pipeline = aPipeline({
    name: 'fin',
    inputs: { container: 'images', prefix: 'fin/' },
    finalize: { id: 'merge', image: 'busybox:1.36', command: 'merge', timeout: '10m' },
  });
  const { runId, view } = await runToEnd(e2e, { pipeline });
  expect(view.status).toBe('succeeded');
  const manifest = await e2e.api<Manifest>('runManifest', { params: { id: runId } });
  expect(manifest.body.finalize).toMatchObject({ step: 'merge', status: 'succeeded', attempts: 1 });
  expect(manifest.body.totals).toMatchObject({ images: 2, steps: 7 });
  const merges = e2e.stack.aci.recorder
    .all()
    .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate' && r.path.includes('-merge-'));
  expect(merges).toHaveLength(1);
});
