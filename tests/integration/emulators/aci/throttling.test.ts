import { VirtualClock } from '../../../../emulators/common/clock';
import type { AciEmulator } from '../../../../emulators/aci';
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
