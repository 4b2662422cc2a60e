import {
  BlobServiceClient,
  ContainerClient,
  StorageSharedKeyCredential,
  newPipeline,
} from '@azure/storage-blob';
import { defaultCallPolicy } from '../../../src/adapters/call-policy';
import { SharedKeySasSigner } from '../../../src/storage/sas';
import { StagingContainers, type StagingTarget } from '../../../src/storage/staging-containers';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../../packages/emulators/stack/azurite';
import { azuriteBlobService, uniqueContainerName } from '../../support/azurite';
import { testBlobStore } from './support';

/**
 * Staging containers on Azurite, through the real SDK: the task's SAS uploads into `out/` and `logs/`, the app
 * copies server-side to the result names (sync, or async above the threshold) and deletes the container.
 */
describe('staging containers on Azurite', () => {
  const store = testBlobStore();
  const signer = new SharedKeySasSigner(new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
    httpsOnly: false,
  });
  const staging = (options = {}) =>
    new StagingContainers(azuriteBlobService(), signer, defaultCallPolicy(10_000), options);
  const hour = () => new Date(Date.now() + 3600_000);
  const results = uniqueContainerName('staging-results');
  const target = (run: string): StagingTarget => ({
    outputs: { container: results, prefix: `${run}/img/step/attempt-1/out/` },
    logs: { container: results, prefix: `${run}/img/step/attempt-1/logs/` },
  });
  const name = () =>
    `fl-stage-${uniqueContainerName('t')
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 40)}`;

  /** What a Batch node does with the task's SAS: Put Blob by name. */
  async function upload(url: string, files: Record<string, string>): Promise<void> {
    const client = new ContainerClient(url);
    for (const [blob, text] of Object.entries(files))
      await client.getBlockBlobClient(blob).upload(text, Buffer.byteLength(text));
  }

  it('copies outputs and logs of a succeeded attempt to their result names, then deletes the container', async () => {
    const s = staging();
    const container = name();
    const url = await s.create(container, target('run-a'), hour());
    expect(new URL(url).searchParams.get('sp')).toBe('cw');
    await upload(url, {
      'out/a.txt': 'alpha',
      'out/sub/b.txt': 'beta',
      'logs/stdout.txt': 'said hello',
      'stray.txt': 'neither outputs nor logs',
    });
    const collected = await s.collect(container, { outputs: true });
    expect(collected).toEqual({
      found: true,
      outputs: ['run-a/img/step/attempt-1/out/a.txt', 'run-a/img/step/attempt-1/out/sub/b.txt'],
      logs: ['run-a/img/step/attempt-1/logs/stdout.txt'],
    });
    expect(await store.getText(results, 'run-a/img/step/attempt-1/out/a.txt')).toBe('alpha');
    expect(await store.getText(results, 'run-a/img/step/attempt-1/out/sub/b.txt')).toBe('beta');
    expect(await store.getText(results, 'run-a/img/step/attempt-1/logs/stdout.txt')).toBe('said hello');
    expect((await store.list(results, 'run-a/')).map((b) => b.name)).not.toContainEqual(
      expect.stringContaining('stray'),
    );
    expect(await azuriteBlobService().getContainerClient(container).exists()).toBe(false);
    // Collected already: nothing to do, and no error.
    expect(await s.collect(container, { outputs: true })).toEqual({ found: false, outputs: [], logs: [] });
  });

  it("keeps only the logs of an attempt that did not succeed: its outputs never become the step's", async () => {
    const s = staging();
    const container = name();
    await upload(await s.create(container, target('run-b'), hour()), {
      'out/partial.txt': 'half done',
      'logs/stderr.txt': 'boom',
    });
    expect(await s.collect(container, { outputs: false })).toMatchObject({ found: true, outputs: [] });
    expect(await store.getText(results, 'run-b/img/step/attempt-1/logs/stderr.txt')).toBe('boom');
    expect(await store.list(results, 'run-b/img/step/attempt-1/out/')).toEqual([]);
    expect(await azuriteBlobService().getContainerClient(container).exists()).toBe(false);
  });

  it('copies blobs above the threshold with an asynchronous copy, the rest with a synchronous one', async () => {
    // Which copies ask for a synchronous answer (Copy Blob From URL sends x-ms-requires-sync: true).
    const copies: { blob: string; sync: boolean }[] = [];
    const pipeline = newPipeline(new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    pipeline.factories.unshift({
      create: (next) => ({
        sendRequest: (request) => {
          if (request.headers.get('x-ms-copy-source'))
            copies.push({
              blob: new URL(request.url).pathname.split('/').at(-1) ?? '',
              sync: request.headers.get('x-ms-requires-sync') === 'true',
            });
          return next.sendRequest(request);
        },
      }),
    });
    const s = new StagingContainers(
      new BlobServiceClient(azuriteBlobService().url, pipeline),
      signer,
      defaultCallPolicy(10_000),
      { syncCopyMaxBytes: 4, pollIntervalMs: 7, sleep: () => Promise.resolve() },
    );
    const container = name();
    const big = 'x'.repeat(64 * 1024);
    await upload(await s.create(container, target('run-c'), hour()), {
      'out/big.bin': big,
      'out/s.txt': 'abc',
    });
    await s.collect(container, { outputs: true });
    expect(await store.getText(results, 'run-c/img/step/attempt-1/out/big.bin')).toBe(big);
    expect(await store.getText(results, 'run-c/img/step/attempt-1/out/s.txt')).toBe('abc');
    const props = await azuriteBlobService()
      .getContainerClient(results)
      .getBlockBlobClient('run-c/img/step/attempt-1/out/big.bin')
      .getProperties();
    expect(props.copyStatus).toBe('success');
    expect(copies.sort((a, b) => a.blob.localeCompare(b.blob))).toEqual([
      { blob: 'big.bin', sync: false },
      { blob: 's.txt', sync: true },
    ]);
  });

  it('makes the target container again when it was deleted mid-run', async () => {
    const s = staging();
    const own = uniqueContainerName('staging-gone');
    const container = name();
    const t: StagingTarget = {
      outputs: { container: own, prefix: 'o' },
      logs: { container: own, prefix: 'l' },
    };
    await store.ensureContainer(own);
    await upload(await s.create(container, t, hour()), { 'out/a.txt': 'a' });
    // First collection makes the target known; then it is deleted behind the adapter's back.
    await s.collect(container, { outputs: true });
    await azuriteBlobService().getContainerClient(own).delete();
    const again = name();
    await upload(await s.create(again, t, hour()), { 'out/b.txt': 'b' });
    await s.collect(again, { outputs: true });
    expect(await store.getText(own, 'o/b.txt')).toBe('b');
  });

  it("lists a run's staging containers by prefix, and nothing of other runs", async () => {
    const s = staging();
    const prefix = name();
    await s.create(`${prefix}-1`, target('run-d'), hour());
    await s.create(`${prefix}-2`, target('run-d'), hour());
    await s.create(`${prefix}x-3`, target('run-e'), hour());
    expect((await s.list(`${prefix}-`)).sort()).toEqual([`${prefix}-1`, `${prefix}-2`]);
    for (const c of [`${prefix}-1`, `${prefix}-2`, `${prefix}x-3`]) await s.collect(c, { outputs: false });
    expect(await s.list(prefix)).toEqual([]);
  });

  it("refuses to collect a container that carries no target (not flotilla's), and leaves it", async () => {
    const container = name();
    await azuriteBlobService().getContainerClient(container).create();
    await expect(staging().collect(container, { outputs: true })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await azuriteBlobService().getContainerClient(container).exists()).toBe(true);
    await azuriteBlobService().getContainerClient(container).delete();
  });
});
