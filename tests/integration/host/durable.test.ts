import * as path from 'node:path';
import { VirtualClock } from '../../../packages/emulators/common/clock';
import { startHost, type Host } from '../../../packages/emulators/functions';

const appDir = path.join(__dirname, '../../fixtures/apps/durable');

describe('embedded host: durable client and engine wiring (durable fixture)', () => {
  let host: Host;
  const clock = new VirtualClock();

  beforeAll(async () => {
    host = await startHost({ appDir, clock });
  });
  afterAll(() => host.stop());

  it('starts an orchestration from an HTTP trigger through the real DurableClient and the engine', async () => {
    const res = await host.invokeHttp('start', { params: { name: 'Oslo' } });
    expect(res.status).toBe(202);
    const payload = (await res.json()) as { id: string; statusQueryGetUri: string };
    // WEBSITE_HOSTNAME keeps the client from rewriting links to localhost:7071.
    expect(
      payload.statusQueryGetUri.startsWith(
        `${host.url}/runtime/webhooks/durabletask/instances/${payload.id}`,
      ),
    ).toBe(true);
    const done = await host.engine.waitForStatus(payload.id, (s) => s.runtimeStatus === 'Completed', 10000);
    expect(done.output).toBe('Hello Oslo!');
    const status = await host.fetch(`/runtime/webhooks/durabletask/instances/${payload.id}`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ runtimeStatus: 'Completed', output: 'Hello Oslo!' });
  });

  it('gives a timer trigger the durableClient input', async () => {
    const result = await host.invokeTimer('tick');
    expect(result.ok).toBe(true);
    expect((globalThis as { __fixtureDurableTick?: string[] }).__fixtureDurableTick).toEqual(['Completed']);
  });
});
