import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_STAGER_IMAGE } from '../../../scripts/images/images';
import { azuriteBlobService, uniqueContainerName } from '../../support/azurite';
import { testBlobStore } from '../adapters/support';
import { TestContainers, buildWithPodman, waitFor } from './podman';

// The stager image built by scripts/images/build.js, its entry point run by podman for a stage-in and a
// stage-out against the test run's Azurite on the host loopback (--network host), as ACI runs it beside a step.
const store = testBlobStore();
const hour = () => new Date(Date.now() + 3600_000);
let containers: TestContainers;
let volume: string;

/** A loopback receiver for the stager's callback. */
function callbackServer() {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      bodies.push({ method: req.method, path: req.url, body: JSON.parse(text) as unknown });
      res.writeHead(202).end();
    });
  });
  const listening = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/callbacks/TOKEN-SECRET`),
    ),
  );
  return { listening, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

beforeAll(() => {
  const { global, run } = buildWithPodman();
  containers = new TestContainers(`stager-image-${process.pid}`, global, run);
  volume = mkdtempSync(join(tmpdir(), 'flotilla-volume-'));
  // The stager runs as uid 1000; an ACI emptyDir is writable by it, so is this bind mount.
  chmodSync(volume, 0o777);
}, 600_000);

afterAll(() => {
  containers?.removeAll();
  if (volume) rmSync(volume, { recursive: true, force: true });
  expect(containers?.listed()).toEqual([]);
}, 120_000);

describe('the stager image under podman', () => {
  const source = uniqueContainerName('image-in');
  const target = uniqueContainerName('image-out');
  const scene = randomBytes(300_000);
  const meta = Buffer.from(JSON.stringify({ scene: 'a', bands: [1, 2, 3] }));

  it('in: downloads the inputs by read SAS into the mounted /flotilla/in, as uid 1000, printing no SAS', async () => {
    const blobs = azuriteBlobService().getContainerClient(source);
    await blobs.createIfNotExists();
    await blobs.getBlockBlobClient('scenes/a.tif').uploadData(scene);
    await blobs.getBlockBlobClient('scenes/a.json').uploadData(meta);
    const inputs = [
      { url: await store.readUrl(source, 'scenes/a.tif', hour()), path: 'a.tif' },
      { url: await store.readUrl(source, 'scenes/a.json', hour()), path: 'meta/a.json' },
    ];

    const { exited } = containers.start(LOCAL_STAGER_IMAGE, ['in'], {
      env: { FLOTILLA_INPUTS: JSON.stringify(inputs) },
      volume,
    });
    const { code, output } = await exited;

    expect({ code, output }).toEqual({
      code: 0,
      output: expect.stringContaining('stage-in: 2 file(s) ready'),
    });
    expect(readFileSync(join(volume, 'in', 'a.tif')).equals(scene)).toBe(true);
    expect(readFileSync(join(volume, 'in', 'meta', 'a.json')).equals(meta)).toBe(true);
    expect(statSync(join(volume, 'in', 'a.tif')).uid).toBe(1000);
    expect(output).not.toMatch(/sig=|\?sv=/);
  });

  it('out: waits for /flotilla/.exit, uploads /flotilla/out/** byte-identical, then calls back with the exit code', async () => {
    const callback = callbackServer();
    try {
      const { name, exited } = containers.start(LOCAL_STAGER_IMAGE, ['out'], {
        env: {
          FLOTILLA_OUTPUT_URL: await store.writeUrl(target, hour()),
          FLOTILLA_OUTPUT_PREFIX: 'runs/r1/outputs/a/tile/',
          FLOTILLA_CALLBACK_URL: await callback.listening,
          FLOTILLA_WAIT_TIMEOUT_MS: '60000',
        },
        volume,
      });
      await waitFor(`${name} to be running`, () => containers.state(name) === 'running');

      // The step: its outputs, then its exit code, as the ACI step wrapper writes them (docs/adapters.md).
      const tile = randomBytes(70_000);
      mkdirSync(join(volume, 'out', 'tiles'), { recursive: true });
      writeFileSync(join(volume, 'out', 'tiles', '0-0.pgm'), tile);
      writeFileSync(join(volume, 'out', 'scene.tif'), readFileSync(join(volume, 'in', 'a.tif')));
      writeFileSync(join(volume, 'out', 'summary.json'), '{"tiles":1}');
      expect(containers.state(name)).toBe('running');
      expect(callback.bodies).toEqual([]);
      writeFileSync(join(volume, '.exit.tmp'), '3\n');
      chmodSync(join(volume, '.exit.tmp'), 0o644);
      renameSync(join(volume, '.exit.tmp'), join(volume, '.exit'));

      const { code, output } = await exited;
      expect({ code, output }).toEqual({
        code: 0,
        output: expect.stringContaining('stage-out: 3 file(s) uploaded'),
      });
      const blobs = azuriteBlobService().getContainerClient(target);
      const names: string[] = [];
      for await (const blob of blobs.listBlobsFlat({ prefix: 'runs/r1/' })) names.push(blob.name);
      expect(names).toEqual([
        'runs/r1/outputs/a/tile/scene.tif',
        'runs/r1/outputs/a/tile/summary.json',
        'runs/r1/outputs/a/tile/tiles/0-0.pgm',
      ]);
      const download = (blob: string) => blobs.getBlockBlobClient(blob).downloadToBuffer();
      expect((await download('runs/r1/outputs/a/tile/scene.tif')).equals(scene)).toBe(true);
      expect((await download('runs/r1/outputs/a/tile/tiles/0-0.pgm')).equals(tile)).toBe(true);
      expect((await download('runs/r1/outputs/a/tile/summary.json')).toString()).toBe('{"tiles":1}');
      expect(callback.bodies).toEqual([
        { method: 'POST', path: '/api/callbacks/TOKEN-SECRET', body: { exitCode: 3 } },
      ]);
      expect(output).not.toMatch(/sig=|TOKEN-SECRET/);
    } finally {
      await callback.close();
    }
  });
});
