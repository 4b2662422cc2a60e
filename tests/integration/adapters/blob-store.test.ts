import { AdapterError } from '../../../src/adapters/errors';
import { uniqueContainerName } from '../../support/azurite';
import { testBlobStore } from './support';

const store = testBlobStore();
const hour = () => new Date(Date.now() + 3600_000);

describe('BlobStore against Azurite', () => {
  it('lists every blob under a prefix across pages', async () => {
    const container = uniqueContainerName('list');
    for (let i = 0; i < 5; i += 1) await store.putText(container, `in/run/${i}.txt`, `blob ${i}`);
    await store.putText(container, 'other/x.txt', 'not listed');
    const items = await store.list(container, 'in/run/', 2);
    expect(items.map((i) => i.name)).toEqual([0, 1, 2, 3, 4].map((i) => `in/run/${i}.txt`));
    expect(items[0]?.size).toBe('blob 0'.length);
    expect(await store.list(uniqueContainerName('missing'), '')).toEqual([]);
  });

  it('grants read on one blob only with a read SAS', async () => {
    const container = uniqueContainerName('read');
    await store.putText(container, 'a.txt', 'alpha');
    await store.putText(container, 'b.txt', 'beta');
    const url = await store.readUrl(container, 'a.txt', hour());
    expect(await (await fetch(url)).text()).toBe('alpha');
    expect(new URL(url).searchParams.get('sp')).toBe('r');
    const other = url.replace('/a.txt?', '/b.txt?');
    expect((await fetch(other)).status).toBe(403);
    const write = await fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' });
    expect(write.status).toBe(403);
  });

  it('grants create and write, not read or list, with an output SAS', async () => {
    const container = uniqueContainerName('write');
    const url = await store.writeUrl(container, hour());
    const [base, query] = url.split('?');
    const put = await fetch(`${base}/out/c.txt?${query}`, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'gamma',
    });
    expect(put.status).toBe(201);
    expect(await store.getText(container, 'out/c.txt')).toBe('gamma');
    expect((await fetch(`${base}/out/c.txt?${query}`)).status).toBe(403);
    expect((await fetch(`${base}?restype=container&comp=list&${query}`)).status).toBe(403);
  });

  it('refuses an expired SAS', async () => {
    const container = uniqueContainerName('expired');
    await store.putText(container, 'a.txt', 'alpha');
    const url = await store.readUrl(container, 'a.txt', new Date(Date.now() - 60_000));
    expect((await fetch(url)).status).toBe(403);
  });

  it('makes SAS lifetimes the step timeout plus a 10-minute margin', () => {
    const now = Date.parse('2026-11-22T06:00:00Z');
    expect(store.sasExpiry(10 * 60_000, now).toISOString()).toBe('2026-11-22T06:20:00.000Z');
  });

  it('writes manifests atomically under optimistic concurrency', async () => {
    const container = uniqueContainerName('manifest');
    const first = await store.writeManifest(
      container,
      'runs/r1/manifest.json',
      { status: 'running' },
      undefined,
    );
    const again = await store
      .writeManifest(container, 'runs/r1/manifest.json', { status: 'x' }, undefined)
      .catch((e: unknown) => e);
    expect((again as AdapterError).code).toBe('CONFLICT');
    const read = await store.readManifest<{ status: string }>(container, 'runs/r1/manifest.json');
    expect(read).toEqual({ value: { status: 'running' }, etag: first });
    const second = await store.writeManifest(
      container,
      'runs/r1/manifest.json',
      { status: 'succeeded' },
      first,
    );
    expect(second).not.toBe(first);
    const stale = await store
      .writeManifest(container, 'runs/r1/manifest.json', { status: 'lost' }, first)
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(AdapterError);
    expect((stale as AdapterError).code).toBe('CONFLICT');
    expect(
      (await store.readManifest<{ status: string }>(container, 'runs/r1/manifest.json'))?.value.status,
    ).toBe('succeeded');
  });

  it('stores, reads and lists pipeline specs; a missing one is undefined', async () => {
    const pipelines = testBlobStore(uniqueContainerName('pipelines'));
    expect(await pipelines.listPipelines()).toEqual([]);
    await pipelines.putPipeline('damage', 'name: damage\n');
    expect(await pipelines.getPipeline('damage')).toBe('name: damage\n');
    expect(await pipelines.getPipeline('nope')).toBeUndefined();
    expect(await pipelines.listPipelines()).toEqual(['damage']);
  });
});
