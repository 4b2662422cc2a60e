import { Harness } from './support';

/**
 * The Durable management API needs the durabletask_extension system key or the master key, as in Azure
 * (docs/functions-host.md, "Durable management API"); the app's own DurableClient still works through the
 * binding's private RPC listener and its `code=` management URLs.
 */
const BASES = ['/durabletask', '/runtime/webhooks/durabletask'];

describe('durable management API keys', () => {
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    h = await Harness.start();
    id = await h.start('sequence', ['Oslo']);
    await h.done(id);
  });
  afterAll(() => h.stop());

  const raw = (path: string, init?: RequestInit) => fetch(new URL(path, h.host.url), init);

  it.each(BASES)('refuses every route without a key or with a function key (%s)', async (base) => {
    const routes: [string, string][] = [
      ['GET', `${base}/instances/`],
      ['GET', `${base}/instances/${id}`],
      ['POST', `${base}/instances/${id}/terminate?reason=x`],
      ['POST', `${base}/orchestrators/sequence`],
      ['DELETE', `${base}/instances/${id}`],
    ];
    for (const [method, path] of routes) {
      for (const headers of [{}, { 'x-functions-key': h.host.keys.default }] as Record<string, string>[]) {
        const res = await raw(path, { method, headers });
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers.get('content-type')).toContain('application/json');
        const text = await res.text();
        expect(text).toContain('durabletask_extension');
        expect(text).not.toContain(h.host.keys.durableTask);
      }
    }
    const wrong = await raw(`${base}/instances/${id}?code=not-the-key`);
    expect(wrong.status).toBe(401);
    // Nothing was terminated or purged by the refused calls.
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe('Completed');
  });

  it.each(BASES)(
    'accepts the system key as code= and the master key as x-functions-key (%s)',
    async (base) => {
      const bySystemKey = await raw(
        `${base}/instances/${id}?code=${encodeURIComponent(h.host.keys.durableTask)}`,
      );
      expect(bySystemKey.status).toBe(200);
      expect(((await bySystemKey.json()) as { instanceId: string }).instanceId).toBe(id);
      const byMaster = await raw(`${base}/instances/`, {
        headers: { 'x-functions-key': h.host.keys.master },
      });
      expect(byMaster.status).toBe(200);
    },
  );

  it('gives the app a binding whose management URLs carry the system key and work as given', async () => {
    const res = await h.op('payload', id);
    expect(res.status).toBe(200);
    const payload = (await res.json()) as Record<string, string>;
    expect(payload.statusQueryGetUri).toContain(`code=${encodeURIComponent(h.host.keys.durableTask)}`);
    const status = await raw(payload.statusQueryGetUri!);
    expect(status.status).toBe(200);
    // The DurableClient's own calls (rpcBaseUrl, the private listener) still work.
    const viaClient = await h.status(id);
    expect(viaClient.runtimeStatus).toBe('Completed');
  });
});
