import * as path from 'node:path';
import { startHost, type Host } from '../../../packages/emulators/functions';

const appDir = path.join(__dirname, '../../fixtures/apps/triggers');
interface Seen {
  fn: string;
  event?: Record<string, unknown>;
}
const events = (): Record<string, unknown>[] =>
  ((globalThis as { __fixtureTriggers?: Seen[] }).__fixtureTriggers ?? [])
    .filter((s) => s.fn === 'onEvent')
    .map((s) => s.event!);

const gridEvent = (id: string, data: unknown = { n: id }) => ({
  id,
  eventType: 'Contoso.Items.ItemReceived',
  subject: `items/${id}`,
  eventTime: '2026-01-01T00:00:00Z',
  data,
  dataVersion: '1.0',
  metadataVersion: '1',
  topic: '/subscriptions/x/resourceGroups/y/providers/Microsoft.EventGrid/topics/z',
});

describe('embedded host: Event Grid trigger webhook', () => {
  let host: Host;
  const post = (query: string, body: unknown, init: RequestInit = {}) =>
    host.fetch(`/runtime/webhooks/eventgrid${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...init,
    });

  beforeAll(async () => {
    // Blob settings are read at start even though these tests only use the Event Grid function.
    host = await startHost({
      appDir,
      env: {
        FIXTURE_UPLOADS: 'unused-uploads',
        FIXTURE_EG_UPLOADS: 'unused-eg',
        FixtureStorage: 'UseDevelopmentStorage=true',
      },
      blobPollIntervalMs: false,
    });
  });
  afterAll(() => host.stop());

  it('invokes once per event in the posted array, in order', async () => {
    const res = await post('?functionName=onEvent', [gridEvent('a'), gridEvent('b')]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ function: 'onEvent', invocations: 2 });
    expect(events().map((e) => [e.id, e.subject, e.eventType, e.data])).toEqual([
      ['a', 'items/a', 'Contoso.Items.ItemReceived', { n: 'a' }],
      ['b', 'items/b', 'Contoso.Items.ItemReceived', { n: 'b' }],
    ]);
  });

  it('answers the subscription validation handshake without invoking', async () => {
    const before = events().length;
    const res = await post('?functionName=onEvent', [
      {
        ...gridEvent('v'),
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        data: { validationCode: 'abc' },
      },
    ]);
    expect(await res.json()).toEqual({ validationResponse: 'abc' });
    expect(events()).toHaveLength(before);
  });

  it('accepts CloudEvents and their OPTIONS handshake', async () => {
    const options = await host.fetch('/runtime/webhooks/eventgrid?functionName=onEvent', {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    const cloud = {
      specversion: '1.0',
      id: 'c1',
      type: 'Contoso.Ping',
      source: '/contoso',
      data: { ping: true },
    };
    expect((await post('?functionName=onEvent', cloud)).status).toBe(202);
    expect(events().at(-1)).toEqual(cloud);
  });

  it('reports a failing invocation as a JSON 500 naming the function', async () => {
    const res = await post('?functionName=onEvent', [gridEvent('f', { fail: true })]);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'FunctionInvocationFailed',
      function: 'onEvent',
      message: 'event f asked to fail',
    });
  });

  it('rejects bad requests with clear 4xx errors', async () => {
    const noName = await post('', [gridEvent('x')]);
    expect(noName.status).toBe(400);
    expect(((await noName.json()) as { error: string }).error).toMatch(
      /functionName query parameter is required/,
    );
    const unknown = await post('?functionName=onUpload', [gridEvent('x')]);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/Event Grid functions: onEvent/);
    const badJson = await post('?functionName=onEvent', 'x', { body: '{not json' });
    expect(badJson.status).toBe(400);
    const missing = await post('?functionName=onEvent', [{ id: 'm', eventType: 'T', subject: 's' }]);
    expect(((await missing.json()) as { error: string }).error).toMatch(
      /events\[0\]\.eventTime must be a string/,
    );
  });

  it('invokes programmatically with defaults filled in', async () => {
    const result = await host.invokeEventGrid('onEvent', {
      eventType: 'Contoso.Direct',
      data: { direct: 1 },
    });
    expect(result.ok).toBe(true);
    expect(events().at(-1)).toMatchObject({
      eventType: 'Contoso.Direct',
      data: { direct: 1 },
      id: expect.any(String),
    });
  });

  it('runs a function through POST /admin/functions/<name> with the master key', async () => {
    const admin = (name: string, body: unknown, key = host.keys.master) =>
      host.fetch(`/admin/functions/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { 'x-functions-key': key } : {}) },
        body: JSON.stringify(body),
      });
    const res = await admin('onEvent', { input: JSON.stringify(gridEvent('admin-1')) });
    expect(res.status).toBe(202);
    expect(events().at(-1)).toMatchObject({ id: 'admin-1', subject: 'items/admin-1' });
    expect((await admin('onEvent', { input: '{}' }, '')).status).toBe(401);
    expect((await admin('onEvent', { input: '{}' }, host.keys.default)).status).toBe(401);
    const wrongInput = await admin('onEvent', { input: 5 });
    expect(wrongInput.status).toBe(400);
    expect(await wrongInput.json()).toEqual({ error: 'body.input must be a string.' });
    expect((await admin('nope', {})).status).toBe(404);
  });
});
