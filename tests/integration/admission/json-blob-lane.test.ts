import { updateJsonBlob } from '../../../src/activities/json-blob-lane';
import type { RunStore } from '../../../src/activities/deps';
import { defaultCallPolicy } from '../../../src/adapters/call-policy';
import { AdapterError } from '../../../src/adapters/errors';
import { BlobStore } from '../../../src/storage/blob-store';
import { noSas } from '../../support/no-sas';
import { azuriteBlobService, uniqueContainerName } from '../../support/azurite';

/**
 * The group commit of shared JSON blobs (docs/orchestration.md, "One blob, many workers") against a real
 * Azurite: one BlobStore is one worker process; two stores on the same blob are two workers racing by ETag.
 */
const service = azuriteBlobService();
const container = uniqueContainerName('lane');

/** A worker: a real BlobStore, counting the reads and writes it sends. */
function worker() {
  const store = new BlobStore(service, noSas, {
    policy: defaultCallPolicy(10_000),
    pipelinesContainer: 'pipelines',
  });
  const calls = { reads: 0, writes: 0 };
  const counted: RunStore = {
    list: (c, p) => store.list(c, p),
    putText: (...args) => store.putText(...args),
    getText: (...args) => store.getText(...args),
    copyBlob: (...args) => store.copyBlob(...args),
    readManifest: (c, b) => {
      calls.reads += 1;
      return store.readManifest(c, b);
    },
    writeManifest: (c, b, v, e) => {
      calls.writes += 1;
      return store.writeManifest(c, b, v, e);
    },
  };
  return { store: counted, calls, direct: store };
}

interface Slots {
  readonly held: string[];
}
const EMPTY: Slots = { held: [] };
const CAPACITY = 10;

/** Takes a slot if one is free (like an admission): true when granted. */
function take(id: string) {
  return (value: Slots) =>
    value.held.length < CAPACITY && !value.held.includes(id)
      ? { ledger: { held: [...value.held, id] }, result: true }
      : { result: value.held.includes(id) };
}
/** Gives a slot back; writes nothing for an unknown id (like a release). */
function give(id: string) {
  return (value: Slots) => ({
    ...(value.held.includes(id) ? { ledger: { held: value.held.filter((h) => h !== id) } } : {}),
    result: value.held.includes(id),
  });
}

beforeAll(async () => {
  await service.getContainerClient(container).createIfNotExists();
});
afterAll(async () => {
  await service.getContainerClient(container).deleteIfExists();
});

test('concurrent changes of one worker share writes and still apply exactly as if run one after another', async () => {
  const { store, calls, direct } = worker();
  const blob = 'batched.json';
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) => updateJsonBlob(store, container, blob, EMPTY, take(`s${i}`))),
  );
  // Exactly the capacity was granted, to the first ten in arrival order.
  expect(answers.filter(Boolean)).toHaveLength(CAPACITY);
  expect(answers.slice(0, CAPACITY).every(Boolean)).toBe(true);
  const stored = await direct.readManifest<Slots>(container, blob);
  expect(stored?.value.held).toEqual(Array.from({ length: CAPACITY }, (_, i) => `s${i}`));
  // 40 changes, far fewer storage calls than the 80 that one read and one write each would cost.
  expect(calls.writes).toBeLessThanOrEqual(3);
  expect(calls.reads).toBeLessThanOrEqual(3);
});

test('two workers racing on one blob never over-grant, and every change is stored', async () => {
  const a = worker();
  const b = worker();
  const blob = 'raced.json';
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      updateJsonBlob((i % 2 ? a : b).store, container, blob, EMPTY, take(`r${i}`)),
    ),
  );
  expect(answers.filter(Boolean)).toHaveLength(CAPACITY);
  const stored = await a.direct.readManifest<Slots>(container, blob);
  expect(stored?.value.held).toHaveLength(CAPACITY);
  // Give every slot back through both workers: the blob ends empty whoever wrote last.
  await Promise.all(
    (stored?.value.held ?? []).map((id, i) =>
      updateJsonBlob((i % 2 ? a : b).store, container, blob, EMPTY, give(id)),
    ),
  );
  expect((await a.direct.readManifest<Slots>(container, blob))?.value.held).toEqual([]);
});

test("an answer that writes nothing is never given from the kept value: another worker's write is seen", async () => {
  const a = worker();
  const b = worker();
  const blob = 'kept.json';
  // Worker a writes (and keeps what it wrote); worker b then adds a slot a has not seen.
  expect(await updateJsonBlob(a.store, container, blob, EMPTY, take('first'))).toBe(true);
  expect(await updateJsonBlob(b.store, container, blob, EMPTY, take('second'))).toBe(true);
  // Releasing b's slot through a must find it (a stale "unknown id, nothing to do" would leak it).
  expect(await updateJsonBlob(a.store, container, blob, EMPTY, give('second'))).toBe(true);
  expect((await a.direct.readManifest<Slots>(container, blob))?.value.held).toEqual(['first']);
});

test('a change that throws fails only its own caller; the batch around it is stored', async () => {
  const { store, direct } = worker();
  const blob = 'throwing.json';
  const results = await Promise.allSettled([
    updateJsonBlob(store, container, blob, EMPTY, take('before')),
    updateJsonBlob(store, container, blob, EMPTY, () => {
      throw new Error('bad change');
    }),
    updateJsonBlob(store, container, blob, EMPTY, take('after')),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(results[1]).toMatchObject({ reason: new Error('bad change') });
  expect((await direct.readManifest<Slots>(container, blob))?.value.held).toEqual(['before', 'after']);
});

test('a write storage refuses rejects every caller of its batch, and the next change starts afresh', async () => {
  const { store, direct } = worker();
  const blob = 'refused.json';
  let refuse = true;
  // Our own port, failing its next write as storage would with a non-race error (an outage, a 403).
  const failing: RunStore = {
    ...store,
    writeManifest: (c, b, v, e) =>
      refuse
        ? ((refuse = false),
          Promise.reject(
            new AdapterError(
              'SERVER_ERROR',
              'transient',
              'storage is down (503)',
              { service: 'blob', operation: 'writeManifest' },
              { status: 503 },
            ),
          ))
        : store.writeManifest(c, b, v, e),
  };
  const results = await Promise.allSettled([
    updateJsonBlob(failing, container, blob, EMPTY, take('a')),
    updateJsonBlob(failing, container, blob, EMPTY, take('b')),
  ]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect(await direct.readManifest<Slots>(container, blob)).toBeUndefined();
  expect(await updateJsonBlob(failing, container, blob, EMPTY, take('c'))).toBe(true);
  expect((await direct.readManifest<Slots>(container, blob))?.value.held).toEqual(['c']);
});
