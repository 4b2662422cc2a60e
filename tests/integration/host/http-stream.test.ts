import * as path from 'node:path';
import { startHost, type Host } from '../../../packages/emulators/functions';

const appDir = path.join(__dirname, '../../fixtures/apps/streaming');

/** A body sent in many writes, so the handler sees it arrive in pieces. */
async function* pieces(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    yield new Uint8Array(size).fill(97 + (i % 26));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('embedded host: HTTP streams (app.setup({ enableHttpStream: true }))', () => {
  let host: Host;

  beforeAll(async () => {
    host = await startHost({ appDir, keys: { default: 'stream-default-key', master: 'stream-master-key' } });
  });
  afterAll(() => host.stop());

  it('hands the handler the request body as a stream, with route params, query and headers', async () => {
    const init: RequestInit & { duplex: 'half' } = {
      method: 'POST',
      headers: { 'x-probe': 'p-1', 'content-type': 'application/octet-stream' },
      body: ReadableStream.from(pieces(64, 64 * 1024)),
      duplex: 'half',
    };
    const response = await fetch(`${host.url}/api/count/tiles?mode=fast`, init);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ bytes: 64 * 64 * 1024, label: 'tiles', mode: 'fast', header: 'p-1' });
    expect(body.chunks).toBeGreaterThan(1);
  });

  it('streams the response: the first part arrives while the handler is still writing', async () => {
    const response = await fetch(`${host.url}/api/ticks`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const text = (part: { done: boolean; value?: Uint8Array }) =>
      part.done || !part.value ? '' : decoder.decode(part.value);
    expect(text(await reader.read())).toBe('first\n');
    // Only now may the handler go on: a buffered response would never have shown its first part.
    expect((await fetch(`${host.url}/api/release`, { method: 'POST' })).status).toBe(202);
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) rest += text(part);
    expect(rest).toBe('second\n');
  });

  it('answers 500 JSON when the handler throws, 204 when it returns nothing', async () => {
    const broken = await fetch(`${host.url}/api/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toMatchObject({
      error: 'FunctionInvocationFailed',
      message: 'the handler broke',
    });
    expect((await fetch(`${host.url}/api/silent`)).status).toBe(204);
  });

  it('checks function keys before anything reaches the handler', async () => {
    expect((await fetch(`${host.url}/api/guarded`)).status).toBe(401);
    const inside = await fetch(`${host.url}/api/guarded`, {
      headers: { 'x-functions-key': 'stream-default-key' },
    });
    expect(inside.status).toBe(200);
    expect(await inside.text()).toBe('inside');
  });

  it('keeps 404 and 405 answers of the host for routes the app does not have', async () => {
    expect((await fetch(`${host.url}/api/nowhere`)).status).toBe(404);
    const wrong = await fetch(`${host.url}/api/ticks`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
  });
});
