import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from '../../../../packages/emulators/stack/azurite';

/**
 * The embedded stack's Azurite survives a SIGKILL (docs/emulators.md, "What survives a kill"): every
 * container and blob acknowledged before the kill is there after a restart on the same location.
 */
let location: string;
beforeAll(() => {
  location = mkdtempSync(join(tmpdir(), 'flotilla-azurite-kill-'));
});
afterAll(() => rmSync(location, { recursive: true, force: true }));

test('blobs written under steady load are readable after a SIGKILL and restart', async () => {
  const first = await startAzurite({ location });
  const service = BlobServiceClient.fromConnectionString(first.connectionString);
  const names: string[] = [];
  const deadline = Date.now() + 7_000;
  for (let i = 0; Date.now() < deadline; i++) {
    const container = service.getContainerClient(`kill-${i % 3}`);
    if (i < 3) await container.create();
    const name = `blob-${i}`;
    await container.getBlockBlobClient(name).upload(`content-${i}`, `content-${i}`.length);
    names.push(`kill-${i % 3}/${name}`);
  }
  expect(names.length).toBeGreaterThan(20);
  expect(first.pid).toBeDefined();
  process.kill(first.pid!, 'SIGKILL');
  await first.stop();

  const second = await startAzurite({ location });
  try {
    const again = BlobServiceClient.fromConnectionString(second.connectionString);
    const found: string[] = [];
    for (const c of ['kill-0', 'kill-1', 'kill-2']) {
      for await (const item of again.getContainerClient(c).listBlobsFlat()) found.push(`${c}/${item.name}`);
    }
    expect(found.sort()).toEqual([...names].sort());
    const last = names[names.length - 1]!.split('/');
    const text = await again.getContainerClient(last[0]!).getBlockBlobClient(last[1]!).downloadToBuffer();
    expect(text.toString()).toBe(`content-${names.length - 1}`);
  } finally {
    await second.stop();
  }
}, 60_000);
