import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Azurite, startAzurite } from '../../../../packages/emulators/stack/azurite';

/**
 * The embedded Azurite's write-ahead journal (docs/emulators.md, "What survives a kill"): creates, metadata
 * sets, overwrites and deletes of blobs and containers acknowledged right before a SIGKILL (well inside
 * the 5 s autosave window) are all there after a restart on the same location, deleted things stay deleted,
 * and a second round on top of the replayed state survives a second kill.
 */
let location: string;
beforeAll(() => {
  location = mkdtempSync(join(tmpdir(), 'flotilla-azurite-journal-'));
});
afterAll(() => rmSync(location, { recursive: true, force: true }));

interface Expected {
  readonly containers: Record<string, Record<string, string>>; // container -> metadata
  readonly blobs: Record<string, { content: string; contentType: string; metadata: Record<string, string> }>;
  readonly gone: readonly string[]; // container/blob paths that must not exist
}

function service(azurite: Azurite) {
  return BlobServiceClient.fromConnectionString(azurite.connectionString);
}

async function upload(container: ContainerClient, name: string, content: string, contentType: string) {
  await container.getBlockBlobClient(name).upload(content, content.length, {
    blobHTTPHeaders: { blobContentType: contentType },
  });
}

async function kill(azurite: Azurite) {
  process.kill(azurite.pid!, 'SIGKILL');
  await azurite.stop();
  const journals = readdirSync(location).filter((name) => name.includes('.journal.'));
  expect(journals.length).toBeGreaterThan(0);
}

async function readBack(azurite: Azurite, expected: Expected) {
  const client = service(azurite);
  const containers: Record<string, Record<string, string>> = {};
  for await (const item of client.listContainers({ includeMetadata: true }))
    containers[item.name] = item.metadata ?? {};
  expect(containers).toEqual(expected.containers);
  const blobs: Expected['blobs'][string][] = [];
  const names: string[] = [];
  for (const container of Object.keys(expected.containers)) {
    for await (const item of client.getContainerClient(container).listBlobsFlat({ includeMetadata: true })) {
      const blob = client.getContainerClient(container).getBlockBlobClient(item.name);
      names.push(`${container}/${item.name}`);
      blobs.push({
        content: (await blob.downloadToBuffer()).toString(),
        contentType: item.properties.contentType ?? '',
        metadata: item.metadata ?? {},
      });
    }
  }
  expect(Object.fromEntries(names.map((name, i) => [name, blobs[i]]))).toEqual(expected.blobs);
  for (const path of expected.gone) {
    const [container, name] = path.split('/') as [string, string];
    expect(await client.getContainerClient(container).getBlockBlobClient(name).exists()).toBe(false);
  }
}

test('a burst of acknowledged creates, updates and deletes survives a SIGKILL, twice', async () => {
  const first = await startAzurite({ location });
  const one = service(first);
  const keep = one.getContainerClient('keep');
  const gone = one.getContainerClient('gone');
  await keep.create();
  await gone.create();
  await Promise.all(
    Array.from({ length: 30 }, (_, i) => upload(i % 2 ? keep : gone, `b-${i}`, `v1-${i}`, 'text/plain')),
  );
  await keep.setMetadata({ round: 'one' });
  await keep.getBlockBlobClient('b-1').setMetadata({ tag: 'set' });
  await upload(keep, 'b-3', 'v2-3 overwritten', 'application/json');
  await keep.getBlockBlobClient('b-5').delete();
  await gone.delete();
  await upload(keep, 'late', 'last before the kill', 'text/csv');
  await kill(first);

  const blobs: Record<string, Expected['blobs'][string]> = {};
  for (let i = 1; i < 30; i += 2)
    blobs[`keep/b-${i}`] = { content: `v1-${i}`, contentType: 'text/plain', metadata: {} };
  blobs['keep/b-1'] = { content: 'v1-1', contentType: 'text/plain', metadata: { tag: 'set' } };
  blobs['keep/b-3'] = { content: 'v2-3 overwritten', contentType: 'application/json', metadata: {} };
  delete blobs['keep/b-5'];
  blobs['keep/late'] = { content: 'last before the kill', contentType: 'text/csv', metadata: {} };
  const afterOne: Expected = {
    containers: { keep: { round: 'one' } },
    blobs,
    gone: ['keep/b-5', 'gone/b-0'],
  };

  const second = await startAzurite({ location });
  await readBack(second, afterOne);
  const two = service(second);
  const again = two.getContainerClient('gone');
  await again.create();
  await upload(again, 'fresh', 'round two', 'text/plain');
  await two.getContainerClient('keep').getBlockBlobClient('b-7').delete();
  await upload(two.getContainerClient('keep'), 'b-1', 'v3-1', 'text/markdown');
  await two.getContainerClient('keep').setMetadata({ round: 'two' });
  await kill(second);

  const afterTwo: Expected = {
    containers: { gone: {}, keep: { round: 'two' } },
    blobs: {
      ...Object.fromEntries(Object.entries(blobs).filter(([name]) => name !== 'keep/b-7')),
      'keep/b-1': { content: 'v3-1', contentType: 'text/markdown', metadata: {} },
      'gone/fresh': { content: 'round two', contentType: 'text/plain', metadata: {} },
    },
    gone: ['keep/b-5', 'keep/b-7', 'gone/b-0'],
  };
  const third = await startAzurite({ location });
  try {
    await readBack(third, afterTwo);
  } finally {
    await third.stop();
  }
}, 90_000);
