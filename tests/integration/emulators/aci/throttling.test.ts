import { VirtualClock } from '../../../../packages/emulators/common/clock';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, rawRequest, startTestAciEmulator, TEST_SUBSCRIPTION } from '../../../support/aci-client';
import { aGroup } from './builders';

describe('ACI emulator: ARM subscription throttling (token buckets on the clock)', () => {
  const clock = new VirtualClock();
  let emulator: AciEmulator;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({
      clock,
      provisioningMs: 10,
      armThrottling: { reads: { bucket: 3, refillPerSecond: 1 } },
    });
  });
  afterAll(() => emulator.stop());

  it('answers 429 SubscriptionRequestsThrottled with Retry-After once the read bucket is empty, per kind', async () => {
    const client = await aciClient(emulator, { maxRetries: 0 });
    const path = `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ContainerInstance/containerGroups/x?api-version=2023-05-01`;
    const first = await rawRequest(emulator, 'GET', path);
    expect(first.status).toBe(404);
    expect(first.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('2');
    await expect(client.containerGroups.get('rg1', 'x')).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.containerGroups.get('rg1', 'x')).rejects.toMatchObject({ statusCode: 404 });
    const throttled = await rawRequest(emulator, 'GET', path);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.body).toMatchObject({ error: { code: 'SubscriptionRequestsThrottled' } });
    await expect(client.containerGroups.get('rg1', 'x')).rejects.toMatchObject({
      statusCode: 429,
      code: 'SubscriptionRequestsThrottled',
    });
    // Writes have their own bucket (default ARM limits); the LRO's first poll is a read, so it is throttled.
    await expect(client.containerGroups.beginCreateOrUpdate('rg1', 'w', aGroup())).rejects.toMatchObject({
      statusCode: 429,
    });
    expect(
      emulator.recorder
        .all()
        .filter((r) => r.path.endsWith('/w'))
        .map((r) => [r.method, r.status]),
    ).toEqual([['PUT', 201]]);
    await clock.advance(1000);
    await expect(client.containerGroups.get('rg1', 'x')).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.containerGroups.get('rg1', 'x')).rejects.toMatchObject({ statusCode: 429 });
  });
});

describe('ACI emulator: container group delete-rate limits', () => {
  const clock = new VirtualClock();
  let emulator: AciEmulator;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({
      clock,
      provisioningMs: 10,
      quotas: { deletesPer5Min: 2, deletesPerHour: 3 },
    });
  });
  afterAll(() => emulator.stop());

  it('allows 2 deletes per 5 minutes and 3 per hour (429 TooManyRequests), on the clock; 204s do not count', async () => {
    const client = await aciClient(emulator);
    for (let i = 0; i < 5; i++) {
      const poller = await client.containerGroups.beginCreateOrUpdate('rg1', `d${i}`, aGroup(), {
        updateIntervalInMs: 5,
      });
      await clock.advance(10);
      await poller.pollUntilDone();
    }
    const del = (name: string) => client.containerGroups.beginDeleteAndWait('rg1', name);
    await del('d0');
    await del('d1');
    await del('missing');
    await expect(del('d2')).rejects.toMatchObject({ statusCode: 429, code: 'TooManyRequests' });
    await clock.advance(5 * 60_000);
    await del('d2');
    await expect(del('d3')).rejects.toMatchObject({ statusCode: 429 });
    await clock.advance(60 * 60_000);
    await del('d3');
    expect(emulator.resources().map((r) => r.name)).toEqual(['d4']);
  });
});
