import { VirtualClock } from '../../../../packages/emulators/common/clock';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, rawRequest, startTestAciEmulator } from '../../../support/aci-client';
import { aGroup } from './builders';

describe('ACI emulator: admin endpoints', () => {
  const clock = new VirtualClock();
  let emulator: AciEmulator;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({
      clock,
      provisioningMs: 2000,
      simulate: () => ({ durationMs: 10_000, exitCode: 0 }),
    });
  });
  afterAll(() => emulator.stop());

  it('serves requests, counts and live resources, advances the clock and resets', async () => {
    const client = await aciClient(emulator);
    await client.containerGroups.beginCreateOrUpdate('rg1', 'adm', aGroup({ tags: { runId: 'r9' } }));
    expect((await rawRequest(emulator, 'GET', '/__admin/resources', { token: null })).body).toEqual([
      expect.objectContaining({
        name: 'adm',
        resourceGroup: 'rg1',
        tags: { runId: 'r9' },
        provisioningState: 'Pending',
        state: 'Pending',
      }),
    ]);
    const advanced = await rawRequest(emulator, 'POST', '/__admin/clock/advance', {
      body: { ms: 2500 },
      token: null,
    });
    expect(advanced.status).toBe(200);
    const resources = (await rawRequest(emulator, 'GET', '/__admin/resources')).body as {
      state: string;
      containers: { state: string }[];
    }[];
    expect(resources[0]).toMatchObject({
      state: 'Running',
      containers: [{ name: 'step', state: 'Running' }],
    });
    expect((await rawRequest(emulator, 'GET', '/__admin/counts')).body).toEqual({
      ContainerGroups_CreateOrUpdate: 1,
      AsyncOperation_Get: 1,
    });
    const requests = (await rawRequest(emulator, 'GET', '/__admin/requests')).body as {
      method: string;
      status: number;
      operation: string;
    }[];
    expect(requests.map((r) => [r.method, r.status, r.operation])).toEqual([
      ['PUT', 201, 'ContainerGroups_CreateOrUpdate'],
      ['GET', 200, 'AsyncOperation_Get'],
    ]);
    expect((await rawRequest(emulator, 'POST', '/__admin/reset')).status).toBe(204);
    expect((await rawRequest(emulator, 'GET', '/__admin/resources')).body).toEqual([]);
    expect((await rawRequest(emulator, 'GET', '/__admin/requests')).body).toEqual([]);
  });

  it('adds fault rules from JSON and rejects bad ones naming the field', async () => {
    const added = await rawRequest(emulator, 'POST', '/__admin/faults', {
      body: {
        rules: [
          {
            id: 'adm-throttle',
            service: 'aci',
            operation: 'ContainerGroups_Get',
            kind: 'throttle',
            retryAfterSeconds: 0,
          },
        ],
      },
    });
    expect(added.status).toBe(200);
    const client = await aciClient(emulator);
    await expect(client.containerGroups.get('rg1', 'x')).rejects.toMatchObject({ statusCode: 429 });
    expect(emulator.recorder.all().at(-1)?.fault).toBe('adm-throttle');
    const bad = await rawRequest(emulator, 'POST', '/__admin/faults', { body: [{ kind: 'meteor' }] });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { message: string } }).error.message).toContain(
      'rules[0].kind: "meteor" is not a fault kind',
    );
    const noAdvance = await rawRequest(emulator, 'POST', '/__admin/clock/advance', { body: { ms: -1 } });
    expect(noAdvance.body).toMatchObject({
      error: { message: 'body.ms: expected a number of milliseconds >= 0' },
    });
    expect((await rawRequest(emulator, 'GET', '/__admin/nope')).status).toBe(404);
  });

  it('refuses clock/advance on a real clock', async () => {
    const real = await startTestAciEmulator();
    try {
      const res = await rawRequest(real, 'POST', '/__admin/clock/advance', { body: { ms: 10 } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'NotVirtualClock' } });
    } finally {
      await real.stop();
    }
  });
});
