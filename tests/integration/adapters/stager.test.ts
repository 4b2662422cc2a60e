import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStager } from '../../../src/stager/main';
import { stageIn } from '../../../src/stager/stage-in';
import { stageOut } from '../../../src/stager/stage-out';
import { uniqueContainerName } from '../../support/azurite';
import { waitFor } from '../../support/wait-for';
import { testBlobStore } from './support';

const store = testBlobStore();
const hour = () => new Date(Date.now() + 3600_000);
const fast = { attempts: 2, baseDelayMs: 10, timeoutMs: 5000 };

/** A loopback callback receiver that records what the stager POSTs. */
async function callbackServer(): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      bodies.push({ method: req.method, path: req.url, body: JSON.parse(text) as unknown });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/callbacks/TOKEN-SECRET`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('stager against Azurite', () => {
  it('in: downloads the listed blobs by read SAS into the input folder, never printing a SAS', async () => {
    const container = uniqueContainerName('stage-in');
    await store.putText(container, 'scenes/a.tif', 'AAAA');
    await store.putText(container, 'scenes/b.json', '{"b":1}');
    const dir = join(mkdtempSync(join(tmpdir(), 'flotilla-in-')), 'in');
    const lines: string[] = [];
    const inputs = [
      { url: await store.readUrl(container, 'scenes/a.tif', hour()), path: 'a.tif' },
      { url: await store.readUrl(container, 'scenes/b.json', hour()), path: 'meta/b.json' },
    ];
    expect(await stageIn(inputs, dir, (l) => lines.push(l), fast)).toEqual({ 'a.tif': 4, 'meta/b.json': 7 });
    expect(readFileSync(join(dir, 'a.tif'), 'utf8')).toBe('AAAA');
    expect(readFileSync(join(dir, 'meta/b.json'), 'utf8')).toBe('{"b":1}');
    expect(lines.join('\n')).not.toMatch(/sig=|\?sv=/);
  });

  it('in: refuses a path that escapes the input folder, and a missing blob fails with its path named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-in-'));
    const container = uniqueContainerName('stage-in-bad');
    await store.ensureContainer(container);
    const url = await store.readUrl(container, 'missing.txt', hour());
    await expect(stageIn([{ url, path: '../etc/passwd' }], dir, () => undefined, fast)).rejects.toThrow(
      /not a relative path inside/,
    );
    const error = (await stageIn([{ url, path: 'x.txt' }], dir, () => undefined, fast).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toMatch(/download x.txt: HTTP 404/);
    expect(error.message).not.toContain('sig=');
  });

  it('out: waits for the exit file, uploads /flotilla/out/** under the prefix, then calls back with the exit code', async () => {
    const container = uniqueContainerName('stage-out');
    const root = mkdtempSync(join(tmpdir(), 'flotilla-out-'));
    mkdirSync(join(root, 'out', 'tiles'), { recursive: true });
    writeFileSync(join(root, 'out', 'summary.json'), '{"n":2}');
    writeFileSync(join(root, 'out', 'tiles', '0.txt'), 'zero');
    const callback = await callbackServer();
    const lines: string[] = [];
    // The exit file is a FIFO: the stager's read of it blocks until we write, and a non-blocking open for
    // writing succeeds only once that read is waiting, which proves the stager is waiting for the exit.
    const exitFile = join(root, '.exit');
    execFileSync('mkfifo', [exitFile]);
    try {
      const done = stageOut(
        {
          outDir: join(root, 'out'),
          exitFile: join(root, '.exit'),
          containerUrl: await store.writeUrl(container, hour()),
          prefix: 'runs/r1/img/tile/',
          callbackUrl: callback.url,
          waitTimeoutMs: 10_000,
          pollMs: 20,
          retry: fast,
        },
        (l) => lines.push(l),
      );
      const writer = await waitFor(
        () => {
          try {
            return openSync(exitFile, constants.O_WRONLY | constants.O_NONBLOCK);
          } catch {
            return undefined;
          }
        },
        { what: 'the stager to wait for the exit file' },
      );
      expect(callback.bodies).toEqual([]);
      writeFileSync(writer, '3\n');
      closeSync(writer);
      const result = await done;
      expect(result).toEqual({
        exitCode: 3,
        uploaded: ['runs/r1/img/tile/summary.json', 'runs/r1/img/tile/tiles/0.txt'],
      });
      expect(await store.getText(container, 'runs/r1/img/tile/tiles/0.txt')).toBe('zero');
      expect((await store.list(container, 'runs/r1/')).map((b) => b.name)).toEqual(result.uploaded);
      expect(callback.bodies).toEqual([
        { method: 'POST', path: '/api/callbacks/TOKEN-SECRET', body: { exitCode: 3 } },
      ]);
      expect(lines.join('\n')).not.toMatch(/sig=|TOKEN-SECRET/);
    } finally {
      await callback.close();
    }
  });

  it('out: a refused callback is logged, not a failed stage-out (the outputs are up; the app polls)', async () => {
    const container = uniqueContainerName('stage-out-409');
    const root = mkdtempSync(join(tmpdir(), 'flotilla-out-'));
    mkdirSync(join(root, 'out'), { recursive: true });
    writeFileSync(join(root, 'out', 'result.txt'), 'done');
    writeFileSync(join(root, '.exit'), '0\n');
    const refused: string[] = [];
    const server = createServer((req, res) => {
      refused.push(req.url ?? '');
      res
        .writeHead(409, { 'content-type': 'application/json' })
        .end('{"error":{"code":"callback_not_expected"}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await runStager(['out'], {
        FLOTILLA_OUTPUT_URL: await store.writeUrl(container, hour()),
        FLOTILLA_OUTPUT_PREFIX: 'runs/r1/img/merge',
        FLOTILLA_OUT_DIR: join(root, 'out'),
        FLOTILLA_EXIT_FILE: join(root, '.exit'),
        FLOTILLA_CALLBACK_URL: `http://127.0.0.1:${port}/api/callbacks/TOKEN-SECRET`,
      });
      const printed = stdout.mock.calls.join('');
      expect(code).toBe(0);
      expect(refused).toEqual(['/api/callbacks/TOKEN-SECRET']);
      expect(printed).toMatch(
        /callback not delivered \(callback: HTTP 409 .*\); the orchestration polls instead/,
      );
      expect(printed).not.toContain('TOKEN-SECRET');
      expect(await store.getText(container, 'runs/r1/img/merge/result.txt')).toBe('done');
    } finally {
      stdout.mockRestore();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('out: gives up with exit code 3 when the step never writes an exit code', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flotilla-out-'));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await runStager(['out'], {
        FLOTILLA_OUTPUT_URL: 'http://127.0.0.1:1/c?sig=SHOULD-NOT-PRINT',
        FLOTILLA_OUT_DIR: join(root, 'out'),
        FLOTILLA_EXIT_FILE: join(root, '.exit'),
        FLOTILLA_WAIT_TIMEOUT_MS: '50',
      });
      expect(code).toBe(3);
      expect(stderr.mock.calls.join('')).toContain('no exit code within 50 ms');
      expect(stderr.mock.calls.join('')).not.toContain('SHOULD-NOT-PRINT');
    } finally {
      stderr.mockRestore();
    }
  });

  it('reports usage errors with exit code 2, naming what is missing', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runStager(['sideways'], {})).toBe(2);
      expect(await runStager(['out'], {})).toBe(2);
      expect(stderr.mock.calls.join('')).toMatch(
        /usage: stager in\|out[\s\S]*FLOTILLA_OUTPUT_URL is not set/,
      );
      expect(await runStager(['in'], { FLOTILLA_INPUTS: '{"not":"a list"}' })).toBe(4);
    } finally {
      stderr.mockRestore();
    }
  });
});
