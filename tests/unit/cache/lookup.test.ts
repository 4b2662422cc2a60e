import { AdapterError } from '../../../src/adapters/errors';
import { cacheEntryPath, storeEntry } from '../../../src/cache/entry';
import { lookupCache, type LookupInput } from '../../../src/cache/lookup';
import { STATE_CONTAINER } from '../../../src/runs/paths';
import type { StepPlan } from '../../../src/runs/plan';
import { InMemoryBlobStore } from '../../support/fakes/in-memory-blob-store';

const tile: StepPlan = {
  id: 'tile',
  backend: 'aci',
  containerImage: 'reg.azurecr.io/neo:1.4',
  command: 'neo tile',
  cpu: 1,
  memoryGb: 2,
  timeoutMs: 60_000,
  retries: 0,
  dependsOn: [],
  cache: true,
};
const lookup = (runId: string): LookupInput => ({
  runId,
  imageKey: 'a-tif-1a2b3c4d',
  step: tile,
  source: { kind: 'image', image: 'in/a.tif', inputs: { container: 'images', prefix: 'in/' } },
  outputs: { container: 'outputs' },
  sinkSteps: ['tile'],
});
const produced = (runId: string) => `${runId}/a-tif-1a2b3c4d/tile/attempt-1/out/`;

async function ranAndStored(store: InMemoryBlobStore, runId: string, replaceEtag?: string) {
  await store.putText('outputs', `${produced(runId)}tiles/0.png`, `tile of ${runId}`);
  const miss = await lookupCache(store, lookup(runId), () => undefined);
  if (miss.hit || !miss.key) throw new Error(`expected a keyed miss, got ${JSON.stringify(miss)}`);
  const base = { key: miss.key, runId, imageKey: 'a-tif-1a2b3c4d', step: 'tile', container: 'outputs' };
  const etag = replaceEtag ?? (miss.miss === 'outputs-missing' ? miss.staleEtag : undefined);
  const stored = await storeEntry(
    store,
    { ...base, prefix: produced(runId), ...(etag ? { replaceEtag: etag } : {}) },
    0,
  );
  return { miss, stored };
}

describe('the step cache lookup', () => {
  let store: InMemoryBlobStore;
  beforeEach(async () => {
    store = new InMemoryBlobStore();
    await store.putText('images', 'in/a.tif', 'pixels');
  });

  it('misses, then hits with the outputs copied into the new run', async () => {
    const first = await ranAndStored(store, 'r-first');
    expect(first.miss).toMatchObject({ hit: false, miss: 'not-cached' });
    expect(first.stored).toEqual({ stored: true });
    const hit = await lookupCache(store, lookup('r-second'), () => undefined);
    expect(hit).toEqual({
      hit: true,
      key: first.miss.key,
      from: 'r-first',
      outputsPrefix: 'r-second/a-tif-1a2b3c4d/tile/cached/out/',
      files: 1,
    });
    expect(await store.getText('outputs', 'r-second/a-tif-1a2b3c4d/tile/cached/out/tiles/0.png')).toBe(
      'tile of r-first',
    );
  });

  it('keys the source by content: the same pixels uploaded again still hit; other pixels miss', async () => {
    await ranAndStored(store, 'r-first');
    await store.putText('images', 'in/a.tif', 'pixels');
    expect((await lookupCache(store, lookup('r-2'), () => undefined)).hit).toBe(true);
    await store.putText('images', 'in/a.tif', 'other pixels');
    expect(await lookupCache(store, lookup('r-3'), () => undefined)).toMatchObject({
      hit: false,
      miss: 'not-cached',
    });
  });

  it('takes changed outputs for a miss (deleted ones: tests/e2e/step-cache) and replaces that entry after the step ran again', async () => {
    const first = await ranAndStored(store, 'r-first');
    await store.putText('outputs', `${produced('r-first')}tiles/0.png`, 'x'.repeat(99));
    const again = await ranAndStored(store, 'r-again');
    expect(again.miss).toMatchObject({ hit: false, key: first.miss.key, miss: 'outputs-missing' });
    expect(again.stored).toEqual({ stored: true });
    const entry = await store.readManifest<{ runId: string }>(
      STATE_CONTAINER,
      cacheEntryPath(first.miss.key!),
    );
    expect(entry?.value.runId).toBe('r-again');
  });

  it('degrades to running the step when the index cannot be read, and never overwrites what it could not read', async () => {
    const first = await ranAndStored(store, 'r-first');
    const lines: string[] = [];
    const failing = Object.assign(Object.create(store) as InMemoryBlobStore, {
      readManifest: () =>
        Promise.reject(
          new AdapterError('SERVER_ERROR', 'transient', 'the storage account did not answer (503)', {
            service: 'blob',
            operation: 'download',
          }),
        ),
    });
    const degraded = await lookupCache(failing, lookup('r-outage'), (line) => lines.push(line));
    expect(degraded).toMatchObject({ hit: false, key: first.miss.key, miss: 'unavailable' });
    expect(!degraded.hit && degraded.problem).toContain('503');
    expect(lines.join('\n')).toMatch(/step cache unavailable.*step=tile/);
    // The run that could not read the index writes create-only: the entry it could not see stays.
    await store.putText('outputs', `${produced('r-outage')}tiles/0.png`, 'tile of r-outage');
    const written = await storeEntry(
      store,
      {
        key: first.miss.key!,
        runId: 'r-outage',
        imageKey: 'a-tif-1a2b3c4d',
        step: 'tile',
        container: 'outputs',
        prefix: produced('r-outage'),
      },
      0,
    );
    expect(written).toEqual({ stored: false });
    const entry = await store.readManifest<{ runId: string }>(
      STATE_CONTAINER,
      cacheEntryPath(first.miss.key!),
    );
    expect(entry?.value.runId).toBe('r-first');
  });

  it('keys a dependent by its upstream key, or by the content of its outputs when it has none', async () => {
    const predict: StepPlan = { ...tile, id: 'predict', dependsOn: ['tile'] };
    const dependent = (upstreamKeys?: Record<string, string>): LookupInput => ({
      ...lookup('r-d'),
      step: predict,
      upstream: { tile: produced('r-first') },
      ...(upstreamKeys ? { upstreamKeys } : {}),
    });
    await store.putText('outputs', `${produced('r-first')}tiles/0.png`, 'tile');
    const byKey = async (k: string) => {
      const r = await lookupCache(store, dependent({ tile: k }), () => undefined);
      return r.key;
    };
    expect(await byKey('k1')).toBe(await byKey('k1'));
    expect(await byKey('k1')).not.toBe(await byKey('k2'));
    const byContent = (await lookupCache(store, dependent(), () => undefined)).key;
    await store.putText('outputs', `${produced('r-first')}tiles/0.png`, 'another tile');
    expect((await lookupCache(store, dependent(), () => undefined)).key).not.toBe(byContent);
  });
});
