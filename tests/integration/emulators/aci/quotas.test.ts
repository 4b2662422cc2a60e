import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { VirtualClock } from '../../../../packages/emulators/common/clock';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, rawRequest, startTestAciEmulator, TEST_SUBSCRIPTION } from '../../../support/aci-client';
import { aContainer, aGroup, failure } from './builders';

describe('ACI emulator: quotas, create-rate limits and ACI rules', () => {
  const clock = new VirtualClock();
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({
      clock,
      provisioningMs: 1000,
      quotas: { coresPerRegion: 4, groupsPerRegion: 3, createsPer5Min: 5, createsPerHour: 8 },
      inaccessibleImages: ['private.example.com/*'],
    });
    client = await aciClient(emulator);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  const create = async (name: string, group = aGroup()) => {
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', name, group, {
      updateIntervalInMs: 5,
    });
    await clock.advance(1000);
    return poller.pollUntilDone();
  };
  const remove = (name: string) => client.containerGroups.beginDeleteAndWait('rg1', name);

  it('limits container groups and cores per region with 400 ContainerGroupQuotaReached', async () => {
    await create('q1');
    await create('q2');
    await create('q3');
    await expect(create('q4')).rejects.toMatchObject({ statusCode: 400, code: 'ContainerGroupQuotaReached' });
    await remove('q3');
    await remove('q2');
    const big = aGroup({
      containers: [aContainer('step', { resources: { requests: { cpu: 4, memoryInGB: 4 } } })],
    });
    const error = await failure(create('q-big', big));
    expect(error).toMatchObject({ statusCode: 400, code: 'ContainerGroupQuotaReached' });
    expect(error.message).toBe(
      "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded in region 'eastus'. Limit: '4', Usage: '1' Requested: '4'.",
    );
    await create('q-west', { ...big, location: 'westeurope' });
    const usage = [];
    for await (const u of client.location.listUsage('eastus'))
      usage.push([u.name?.value, u.currentValue, u.limit]);
    expect(usage).toEqual([
      ['ContainerGroups', 1, 3],
      ['StandardCores', 1, 4],
    ]);
  });

  it('allows 5 creates per 5 minutes and 8 per hour (429 TooManyRequests, not retried), on the clock', async () => {
    let created = 0;
    const createAndDelete = async () => {
      await create(`rate-${created}`);
      await remove(`rate-${created}`);
      created += 1;
    };
    for (let i = 0; i < 5; i++) await createAndDelete();
    const before = emulator.recorder.all().length;
    await expect(create('rate-x')).rejects.toMatchObject({ statusCode: 429, code: 'TooManyRequests' });
    expect(
      emulator.recorder
        .all()
        .slice(before)
        .map((r) => r.status),
    ).toEqual([429]);
    await clock.advance(5 * 60_000);
    for (let i = 0; i < 3; i++) await createAndDelete();
    await clock.advance(5 * 60_000);
    await expect(create('rate-y')).rejects.toMatchObject({ statusCode: 429 });
    await clock.advance(60 * 60_000);
    await createAndDelete();
    expect(created).toBe(9);
  });

  it('reports the remaining create budget in the ACI rate-limit headers', async () => {
    const path = `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ContainerInstance/containerGroups/hdr?api-version=2023-05-01`;
    const body = {
      location: 'eastus',
      properties: {
        osType: 'Linux',
        containers: [
          { name: 'c', properties: { image: 'busybox', resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    };
    const res = await rawRequest(emulator, 'PUT', path, { body });
    expect(res.status).toBe(201);
    expect(res.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt5m']).toBe('4');
    expect(res.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt1h']).toBe('7');
    expect(String(res.headers['azure-asyncoperation'])).toMatch(
      new RegExp(
        `^${emulator.url}/subscriptions/${TEST_SUBSCRIPTION}/providers/Microsoft\\.ContainerInstance/locations/eastus/operations/[0-9a-f-]{36}\\?api-version=2018-06-01$`,
      ),
    );
  });

  it('rejects GPU requests (ACI GPU retired) with quota V100Cores limit 0', async () => {
    const gpu = aGroup({
      containers: [
        aContainer('step', {
          resources: { requests: { cpu: 1, memoryInGB: 1, gpu: { count: 1, sku: 'V100' } } },
        }),
      ],
    });
    const error = await failure(create('gpu', gpu));
    expect(error).toMatchObject({ statusCode: 400, code: 'ContainerGroupQuotaReached' });
    expect(error.message).toContain("quota 'V100Cores'");
  });

  it('rejects a group larger than the per-group maximum', async () => {
    const huge = aGroup({
      containers: [aContainer('step', { resources: { requests: { cpu: 32, memoryInGB: 8 } } })],
    });
    const error = await failure(create('huge', huge));
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidContainerGroupResourceRequest' });
    expect(error.message).toContain("'31' CPU");
  });

  it('answers 400 InaccessibleImage for configured images and for registry identities the group does not have', async () => {
    const privateImage = aGroup({ containers: [aContainer('step', { image: 'private.example.com/app:1' })] });
    await expect(create('img', privateImage)).rejects.toMatchObject({
      statusCode: 400,
      code: 'InaccessibleImage',
    });
    const identityPull = aGroup({
      containers: [aContainer('step', { image: 'myacr.azurecr.io/app:1' })],
      imageRegistryCredentials: [
        {
          server: 'myacr.azurecr.io',
          identity:
            '/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other',
        },
      ],
    });
    const error = await failure(create('idp', identityPull));
    expect(error).toMatchObject({ statusCode: 400, code: 'InaccessibleImage' });
    expect(error.message).toContain("'myacr.azurecr.io/app:1'");
    const id =
      '/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull';
    const ok = await create('idp-ok', {
      ...identityPull,
      identity: { type: 'UserAssigned', userAssignedIdentities: { [id]: {} } },
      imageRegistryCredentials: [{ server: 'myacr.azurecr.io', identity: id }],
    });
    expect(ok.provisioningState).toBe('Succeeded');
  });
});
