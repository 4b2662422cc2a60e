import type { RunView } from '../../src/api/run-view';
import type { Manifest, StepResult } from '../../src/runs/records';
import { aPipeline, type E2E, startE2E, uploadImages } from './support/harness';

/**
 * The step cache on the embedded stack (docs/orchestration.md, 'Step cache'). Simulated containers write
 * nothing, so the stage-out container of every group uploads one output file when it starts (it ends 10 s
 * later on the virtual clock; every clock step first waits for the uploads started so far).
 */
let e2e: E2E;
const uploads: Promise<unknown>[] = [];
beforeAll(async () => {
  e2e = await startE2E({
    aci: {
      simulate: (spec) => {
        // The pipeline's outputs container is `outputs` (aPipeline); the prefix is the attempt's.
        const prefix = spec.env.FLOTILLA_OUTPUT_PREFIX;
        if (spec.container === 'stage-out' && prefix) {
          const text = `outputs of ${prefix}`;
          const blob = e2e.blobs.getContainerClient('outputs').getBlockBlobClient(`${prefix}result.txt`);
          uploads.push(blob.upload(text, text.length));
        }
        return { durationMs: 10_000, exitCode: 0 };
      },
    },
  });
  await e2e.blobs.getContainerClient('outputs').createIfNotExists();
}, 60_000);
afterAll(() => e2e?.stop());

const creates = () =>
  e2e.stack.aci.recorder
    .all()
    .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate' && r.method === 'PUT')
    .map((r) => r.path);
const manifestOf = async (runId: string) =>
  (await e2e.api<Manifest>('runManifest', { params: { id: runId } })).body;
const stepsOf = (m: Manifest) => [
  ...m.images.flatMap((i) => i.steps.map((s) => ({ ...s, image: i.image }))),
  ...(m.finalize ? [{ ...m.finalize, image: 'finalize' }] : []),
];
const statuses = (m: Manifest) =>
  Object.fromEntries(stepsOf(m).map((s) => [`${s.image}:${s.step}`, s.status]));

async function run(pipeline: Record<string, unknown>) {
  const before = creates().length;
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  const { runId } = started.body;
  await e2e.until(async () => {
    await Promise.all(uploads);
    const view = (await e2e.api<RunView>('getRun', { params: { id: runId } })).body;
    return view.runtimeStatus === 'Completed';
  });
  const manifest = await manifestOf(runId);
  return { runId, manifest, created: creates().slice(before) };
}

const finalize = { id: 'merge', image: 'busybox:1.36', command: 'merge', timeout: '10m' };
const spec = (overrides: Record<string, unknown> = {}) =>
  aPipeline({
    name: 'cached',
    inputs: { container: 'images', prefix: 'cache/' },
    cache: true,
    finalize,
    ...overrides,
  });
const text = async (container: string, blob: string) =>
  (await e2e.blobs.getContainerClient(container).getBlobClient(blob).downloadToBuffer()).toString();

test('bad cache values are 400s naming the field', async () => {
  const body = { pipeline: spec(), cache: 'yes' };
  const request = await e2e.api<{ error: { details: { path: string; message: string }[] } }>('startRun', {
    body,
  });
  expect(request.status).toBe(400);
  expect(request.body.error.details[0]).toMatchObject({
    path: 'cache',
    message: expect.stringContaining('true or false'),
  });
  const inSpec = await e2e.api<{ error: { details: { path: string; message: string }[] } }>('startRun', {
    body: { pipeline: spec({ cache: 'yes' }) },
  });
  expect(inSpec.status).toBe(400);
  expect(inSpec.body.error.details[0]?.path).toBe('pipeline.cache');
});

test('the same images again: every step cached, no container, cost 0; a changed env reruns that step and its dependents; a deleted cached output is a miss', async () => {
  await uploadImages(e2e, ['cache/a.tif', 'cache/b.tif']);
  const first = await run(spec());
  expect(first.manifest.status).toBe('succeeded');
  expect(first.created).toHaveLength(7);
  expect(stepsOf(first.manifest).every((s) => s.status === 'succeeded' && s.cache?.stored === true)).toBe(
    true,
  );

  // Run 2: the same spec over the same images.
  const second = await run(spec());
  expect(second.manifest.status).toBe('succeeded');
  expect(new Set(Object.values(statuses(second.manifest)))).toEqual(new Set(['cached']));
  expect(second.created).toEqual([]);
  expect(second.manifest.cost.total).toBe(0);
  expect(second.manifest.totals).toMatchObject({ images: 2, succeeded: 2, stepAttempts: 0 });
  // The outputs were copied into this run's prefix, exactly as the first run wrote them.
  const tile = second.manifest.images[0]!.steps.find((s) => s.step === 'tile') as StepResult;
  expect(tile.outputsPrefix).toMatch(new RegExp(`^${second.runId}/.*/tile/cached/out/$`));
  expect(tile.cache?.from).toBe(first.runId);
  const original = first.manifest.images.find((i) => i.image === second.manifest.images[0]!.image)!;
  const produced = original.steps.find((s) => s.step === 'tile')!.outputsPrefix;
  expect(await text('outputs', `${tile.outputsPrefix}result.txt`)).toBe(`outputs of ${produced}`);
  const view = (await e2e.api<RunView>('getRun', { params: { id: second.runId } })).body;
  expect(view.images.flatMap((i) => i.steps.map((s) => s.status))).toEqual(Array(6).fill('cached'));

  // Run 3: predict's env changed: predict, vectorize and merge run again; tile stays cached.
  const changed = (aPipeline().steps as Record<string, unknown>[]).map((s) =>
    s.id === 'predict' ? { ...s, env: { MODEL: 'v2' } } : s,
  );
  const third = await run(spec({ steps: changed }));
  expect(third.manifest.status).toBe('succeeded');
  expect(statuses(third.manifest)).toEqual({
    'cache/a.tif:tile': 'cached',
    'cache/a.tif:predict': 'succeeded',
    'cache/a.tif:vectorize': 'succeeded',
    'cache/b.tif:tile': 'cached',
    'cache/b.tif:predict': 'succeeded',
    'cache/b.tif:vectorize': 'succeeded',
    'finalize:merge': 'succeeded',
  });
  expect(third.created).toHaveLength(5);
  expect(third.created.some((p) => p.includes('tile'))).toBe(false);

  // Run 4: the cached output of a's tile (in the first run) is deleted: a miss, so a's tile runs again;
  // its key is unchanged, so everything after it is still cached.
  const aTile = original.steps.find((s) => s.step === 'tile')!.outputsPrefix;
  await e2e.blobs.getContainerClient('outputs').deleteBlob(`${aTile}result.txt`);
  const fourth = await run(spec());
  const expected = Object.fromEntries(Object.keys(statuses(second.manifest)).map((k) => [k, 'cached']));
  expect(statuses(fourth.manifest)).toEqual({ ...expected, [`${original.image}:tile`]: 'succeeded' });
  expect(fourth.created).toHaveLength(1);
  expect(fourth.created[0]).toMatch(/tile/);
  const rerunTile = fourth.manifest.images.find((i) => i.image === original.image)!.steps[0]!;
  expect(rerunTile.cache).toMatchObject({ miss: 'outputs-missing', stored: true });

  // Run 5: the index names the new outputs: all cached again.
  const fifth = await run(spec());
  expect(new Set(Object.values(statuses(fifth.manifest)))).toEqual(new Set(['cached']));
  expect(fifth.created).toEqual([]);
}, 300_000);
