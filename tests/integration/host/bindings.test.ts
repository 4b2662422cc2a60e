import * as path from 'node:path';
import { VirtualClock } from '../../../packages/emulators/common/clock';
import { startHost, type Host } from '../../../packages/emulators/functions';
import { azuriteBlobService, uniqueContainerName } from '../../support/azurite';

const appDir = path.join(__dirname, '../../fixtures/apps/bindings');

interface Attempt {
  retryCount?: number;
  maxRetryCount?: number;
}

describe('embedded host: blob bindings against Azurite, working directory, retry policies (bindings fixture)', () => {
  const clock = new VirtualClock();
  const containerName = uniqueContainerName('notes');
  const container = azuriteBlobService().getContainerClient(containerName);
  let host: Host;
  const cwdBefore = process.cwd();

  beforeAll(async () => {
    await container.create();
    host = await startHost({
      appDir,
      clock,
      env: {
        NotesStorage: process.env.FLOTILLA_TEST_AZURITE_CONNECTION_STRING!,
        NOTES_CONTAINER: containerName,
      },
    });
  });
  afterAll(async () => {
    await host.stop();
    expect(process.cwd()).toBe(cwdBefore);
    await container.delete();
  });

  it('a blob output binding writes the blob named by the route, a blob input binding reads it', async () => {
    const put = await host.invokeHttp('saveNote', {
      method: 'PUT',
      params: { id: 'n1' },
      body: 'hello blob',
    });
    expect(put.status).toBe(201);
    const stored = await container.getBlockBlobClient('n1.txt').downloadToBuffer();
    expect(stored.toString('utf8')).toBe('hello blob');
    await container.getBlockBlobClient('n2.txt').upload('written by the test', 19);
    const got = await host.invokeHttp('readNote', { params: { id: 'n2' } });
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('written by the test');
  });

  it('a missing blob reaches the handler as null', async () => {
    const got = await host.invokeHttp('readNote', { params: { id: 'missing' } });
    expect(got.status).toBe(404);
    expect(await got.json()).toEqual({ error: 'no such note' });
  });

  it('app code runs with the app folder as its working directory', async () => {
    const res = await host.invokeHttp('readLocalFile');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ cwd: appDir, text: 'read from the app folder' });
  });

  it('a timer with an exponentialBackoff retry policy: retryContext from 0, delays on the host clock', async () => {
    const attempts = (globalThis as { __fixtureRetryAttempts?: Attempt[] }).__fixtureRetryAttempts!;
    const run = host.invokeTimer('flaky');
    await until(() => attempts.length === 1);
    // First retry after minimumInterval (10 s): not before.
    await clock.advance(9_999);
    expect(attempts).toHaveLength(1);
    await clock.advance(1);
    await until(() => attempts.length === 2);
    // Second retry after min(10 s * 2, 15 s) = 15 s.
    await clock.advance(14_999);
    expect(attempts).toHaveLength(2);
    await clock.advance(1);
    const result = await run;
    expect(result.ok).toBe(true);
    expect(attempts).toEqual([
      { retryCount: 0, maxRetryCount: 4 },
      { retryCount: 1, maxRetryCount: 4 },
      { retryCount: 2, maxRetryCount: 4 },
    ]);
  });

  it('restores the working directory at stop', async () => {
    const other = await startHost({
      appDir,
      clock,
      env: { NotesStorage: 'UseDevelopmentStorage=true', NOTES_CONTAINER: 'x' },
    });
    expect(process.cwd()).toBe(appDir);
    await other.stop();
    expect(process.cwd()).toBe(appDir); // the first host still runs
    expect(cwdBefore).not.toBe(appDir);
  });
});

describe('embedded host: bindings it cannot honour are refused at load', () => {
  it('names the function, the binding type and direction, and what is supported', async () => {
    const refused = startHost({ appDir: path.join(__dirname, '../../fixtures/apps/refused-queue') });
    await expect(refused).rejects.toThrow(
      /Function "enqueueOrder": binding "\$?\w+" \(type "queue", direction "out"\) is not supported by the embedded host; supported: .*outputs http and blob/,
    );
  });
});

async function until(done: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
