import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, rawRequest, startTestAciEmulator, TEST_SUBSCRIPTION } from '../../../support/aci-client';
import { aGroup } from './builders';

describe('ACI emulator: listing with paging', () => {
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({ provisioningMs: 10, pageSize: 2 });
    client = await aciClient(emulator);
    for (const [rg, n] of [
      ['rg-a', 5],
      ['rg-b', 2],
    ] as const)
      for (let i = 0; i < n; i++)
        await client.containerGroups.beginCreateOrUpdateAndWait(
          rg,
          `${rg}-g${i}`,
          aGroup({ tags: { i: String(i) } }),
          {
            updateIntervalInMs: 5,
          },
        );
  });
  afterAll(() => emulator.stop());

  const collect = async (iter: AsyncIterable<ContainerGroup>) => {
    const out: ContainerGroup[] = [];
    for await (const g of iter) out.push(g);
    return out;
  };

  it('follows nextLink across pages for a resource group, without instanceView in list items', async () => {
    const from = emulator.recorder.all().length;
    const groups = await collect(client.containerGroups.listByResourceGroup('rg-a'));
    expect(groups.map((g) => g.name)).toEqual(['rg-a-g0', 'rg-a-g1', 'rg-a-g2', 'rg-a-g3', 'rg-a-g4']);
    expect(groups.map((g) => g.tags?.i)).toEqual(['0', '1', '2', '3', '4']);
    expect(
      emulator.recorder
        .all()
        .slice(from)
        .map((r) => r.operation),
    ).toEqual(Array(3).fill('ContainerGroups_ListByResourceGroup'));
    for (const g of groups) {
      expect(g.instanceView).toBeUndefined();
      expect(g.containers[0]?.instanceView).toBeUndefined();
      expect(g.provisioningState).toBe('Succeeded');
    }
  });

  it('lists the whole subscription', async () => {
    const groups = await collect(client.containerGroups.list());
    expect(groups.map((g) => g.name).sort()).toEqual([
      'rg-a-g0',
      'rg-a-g1',
      'rg-a-g2',
      'rg-a-g3',
      'rg-a-g4',
      'rg-b-g0',
      'rg-b-g1',
    ]);
  });

  it('builds nextLink on the caller origin with the api-version and a skip token', async () => {
    const res = await rawRequest(
      emulator,
      'GET',
      `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg-b/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`,
    );
    expect(res.body).toEqual({ value: expect.any(Array) });
    const a = await rawRequest(
      emulator,
      'GET',
      `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg-a/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`,
    );
    expect((a.body as { nextLink: string }).nextLink).toBe(
      `${emulator.url}/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg-a/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01&$skiptoken=2`,
    );
    const bad = await rawRequest(
      emulator,
      'GET',
      `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg-a/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01&$skiptoken=zz`,
    );
    expect(bad.status).toBe(400);
  });
});
