import * as path from 'node:path';
import { startHost, type Host } from '../../../packages/emulators/functions';

const appDir = path.join(__dirname, '../../fixtures/apps/basic');
const hookEvents = (): string[] =>
  (globalThis as { __fixtureBasicHooks?: string[] }).__fixtureBasicHooks ?? [];

describe('embedded host: HTTP triggers (basic fixture)', () => {
  let host: Host;
  const logs: string[] = [];

  beforeAll(async () => {
    process.env.FIXTURE_PRESET = 'from-test-env';
    host = await startHost({
      appDir,
      keys: { default: 'default-key-for-tests', master: 'master-key-for-tests' },
      log: (line) => logs.push(line),
    });
  });
  afterAll(async () => {
    await host.stop();
    delete process.env.FIXTURE_PRESET;
  });

  it('lists the registered functions with their methods and URLs', () => {
    const health = host.functions.find((f) => f.name === 'health');
    expect(health).toEqual({
      name: 'health',
      trigger: 'httpTrigger',
      methods: ['GET'],
      url: `${host.url}/api/health`,
      authLevel: 'anonymous',
    });
    expect(host.functions.find((f) => f.name === 'echo')?.url).toBe(`${host.url}/api/items/{id:int}/{name?}`);
    expect(host.functions.map((f) => f.name).sort()).toEqual(
      [
        'adminOnly',
        'boom',
        'cookies',
        'defaultRoute',
        'echo',
        'files',
        'health',
        'hooked',
        'logs',
        'nothing',
        'secret',
        'settings',
      ].sort(),
    );
  });

  it('routes parameters, optional and constrained segments, query and body', async () => {
    const withName = await host.fetch('/api/items/42/widget?color=red');
    expect(withName.status).toBe(200);
    expect(withName.headers.get('x-fn')).toBe('echo');
    expect(await withName.json()).toEqual({
      method: 'GET',
      params: { id: '42', name: 'widget' },
      query: { color: 'red' },
      body: null,
    });

    const post = await host.fetch('/API/Items/7', { method: 'POST', body: 'payload' });
    expect(await post.json()).toEqual({ method: 'POST', params: { id: '7' }, query: {}, body: 'payload' });

    const notInt = await host.fetch('/api/items/abc');
    expect(notInt.status).toBe(404);
    expect(((await notInt.json()) as { error: string }).error).toContain('/api/items/abc');
  });

  it('answers 405 naming the allowed methods when only the method does not match', async () => {
    const res = await host.fetch('/api/items/1', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ allowed: ['GET', 'POST'] });
  });

  it('matches catch-all routes, with and without a rest', async () => {
    expect(await (await host.fetch('/api/files/a/b/c.txt')).text()).toBe('rest=a/b/c.txt');
    expect(await (await host.fetch('/api/files')).text()).toBe('rest=');
  });

  it('uses the function name when no route is given', async () => {
    expect(await (await host.fetch('/api/defaultRoute')).text()).toBe('default route /api/defaultRoute');
  });

  it('enforces function keys for authLevel function and admin', async () => {
    const missing = await host.fetch('/api/secret');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      function: 'secret',
      error: expect.stringContaining('x-functions-key'),
    });
    expect((await host.fetch('/api/secret?code=wrong')).status).toBe(401);
    expect(
      await (
        await host.fetch('/api/secret', { headers: { 'x-functions-key': 'default-key-for-tests' } })
      ).text(),
    ).toBe('secret');
    expect((await host.fetch('/api/secret?code=master-key-for-tests')).status).toBe(200);
    const adminWithDefault = await host.fetch('/api/admin-only', {
      method: 'DELETE',
      headers: { 'x-functions-key': 'default-key-for-tests' },
    });
    expect(adminWithDefault.status).toBe(401);
    expect((await host.invokeHttp('adminOnly')).status).toBe(204);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await host.fetch('/api/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ error: 'No function matches /api/nowhere.', path: '/api/nowhere' });
  });

  it('turns a handler error into a JSON 500 naming the function, without a stack', async () => {
    const res = await host.fetch('/api/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: 'FunctionInvocationFailed',
      function: 'boom',
      message: 'kaboom at the handler',
    });
    expect(text).not.toMatch(/\n\s+at /);
    expect(host.invocations('boom')).toEqual([{ name: 'boom', ok: false, error: 'kaboom at the handler' }]);
    expect(logs).toContain("[error] Executed 'boom' (Failed): kaboom at the handler");
  });

  it('sends status, headers, cookies and binary bodies as the handler set them; HEAD uses GET', async () => {
    const res = await host.fetch('/api/cookies');
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('set-cookie')).toBe('session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict');
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 1, 2, 255]);
    const head = await host.fetch('/api/cookies', { method: 'HEAD' });
    expect(head.status).toBe(201);
    expect(head.headers.get('content-length')).toBe('4');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 204 when a handler returns nothing', async () => {
    expect((await host.fetch('/api/nothing')).status).toBe(204);
  });

  it('puts local.settings.json Values into process.env without overriding set variables', async () => {
    expect(await (await host.invokeHttp('settings')).json()).toEqual({
      greeting: 'hello-from-local-settings',
      preset: 'from-test-env',
    });
    expect(process.env.WEBSITE_HOSTNAME).toBe(`127.0.0.1:${host.port}`);
  });

  it('runs appStart, preInvocation and postInvocation hooks with shared hook data', async () => {
    expect(hookEvents()).toContain('appStart');
    const res = await host.fetch('/api/hooked');
    expect(await res.text()).toBe('wrapped:inner');
    expect(hookEvents()).toContain('post:hooked:ok');
    expect(hookEvents()).toContain('post:boom:error');
    expect(hookEvents().some((e) => e.startsWith('appTerminate'))).toBe(false);
  });
});

describe('embedded host: logs', () => {
  it('passes user logs through log hooks, which may rewrite them', async () => {
    const logs: string[] = [];
    const host = await startHost({ appDir, log: (line) => logs.push(line) });
    try {
      expect(await (await host.fetch('/api/logs')).text()).toBe('logged');
      expect(logs).toContain('[information] logs: visible line');
      expect(logs).toContain('[warning] logs: [redacted by log hook]');
      expect(logs.join('\n')).not.toContain('s3cr3t');
    } finally {
      await host.stop();
    }
  });
});

describe('embedded host: stop', () => {
  it('runs appTerminate hooks, restores settings and closes the server', async () => {
    const host = await startHost({ appDir });
    expect(process.env.FIXTURE_GREETING).toBe('hello-from-local-settings');
    await host.stop();
    expect(hookEvents().at(-1)).toBe('appTerminate:appStart');
    expect(process.env.FIXTURE_GREETING).toBeUndefined();
    await expect(fetch(`${host.url}/api/health`)).rejects.toThrow();
  });
});
