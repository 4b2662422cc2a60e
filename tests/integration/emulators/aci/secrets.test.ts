import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, rawRequest, startTestAciEmulator, TEST_SUBSCRIPTION } from '../../../support/aci-client';
import { aContainer, aGroup, anInitContainer } from './builders';
import { waitFor } from '../../../support/wait-for';

const SECRETS = {
  env: 'sv-env-0f3a9c',
  initEnv: 'sv-init-77b1d2',
  registry: 'registry-pw-5e8c41',
  storageKey: 'storage-key-a1b2c3',
  workspaceKey: 'workspace-key-d4e5f6',
  secretFile: Buffer.from('secret-file-9z8y7x').toString('base64'),
};

/** A group using every secret-bearing field of the 2023-05-01 model (and most other fields). */
function aGroupWithSecrets(): ContainerGroup {
  const uai = `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner`;
  return aGroup({
    identity: { type: 'UserAssigned', userAssignedIdentities: { [uai]: {} } },
    containers: [
      aContainer('step', {
        environmentVariables: [
          { name: 'PLAIN', value: 'visible' },
          { name: 'SAS', secureValue: SECRETS.env },
        ],
        ports: [{ port: 80, protocol: 'TCP' }],
        volumeMounts: [
          { name: 'flotilla', mountPath: '/flotilla' },
          { name: 'share', mountPath: '/mnt/share', readOnly: true },
          { name: 'creds', mountPath: '/mnt/creds' },
        ],
      }),
    ],
    initContainers: [
      anInitContainer('stage-in', {
        environmentVariables: [{ name: 'IN_SAS', secureValue: SECRETS.initEnv }],
      }),
    ],
    imageRegistryCredentials: [{ server: 'mcr.microsoft.com', username: 'u', password: SECRETS.registry }],
    volumes: [
      { name: 'flotilla', emptyDir: {} },
      {
        name: 'share',
        azureFile: { shareName: 's', storageAccountName: 'acct', storageAccountKey: SECRETS.storageKey },
      },
      { name: 'creds', secret: { 'token.txt': SECRETS.secretFile } },
    ],
    ipAddress: { type: 'Private', ports: [{ port: 80, protocol: 'TCP' }] },
    subnetIds: [
      {
        id: `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v/subnets/aci`,
      },
    ],
    diagnostics: { logAnalytics: { workspaceId: 'ws', workspaceKey: SECRETS.workspaceKey } },
    sku: 'Standard',
  });
}

const leaks = (value: unknown): string[] => {
  const text = JSON.stringify(value);
  return Object.values(SECRETS).filter((s) => text.includes(s));
};

describe('ACI emulator: secrets are never echoed back', () => {
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({ provisioningMs: 10, pageSize: 1 });
    client = await aciClient(emulator);
  });
  afterAll(() => emulator.stop());

  it('redacts secureValue, registry passwords, storage and workspace keys and secret volumes in every response', async () => {
    const created = await client.containerGroups.beginCreateOrUpdateAndWait(
      'rg1',
      'secret',
      aGroupWithSecrets(),
      {
        updateIntervalInMs: 5,
      },
    );
    expect(emulator.validationFailures()).toEqual([]);
    const got = await client.containerGroups.get('rg1', 'secret');
    const patched = await client.containerGroups.update('rg1', 'secret', { tags: { a: 'b' } });
    const listed = [];
    for await (const g of client.containerGroups.listByResourceGroup('rg1')) listed.push(g);
    const raw = await rawRequest(
      emulator,
      'GET',
      `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ContainerInstance/containerGroups/secret?api-version=2023-05-01`,
    );
    const admin = await Promise.all(
      ['requests', 'resources', 'counts'].map((p) => rawRequest(emulator, 'GET', `/__admin/${p}`)),
    );
    for (const response of [
      created,
      got,
      patched,
      listed,
      raw.text,
      ...admin.map((a) => a.text),
      emulator.recorder.all(),
    ])
      expect(leaks(response)).toEqual([]);
    expect(got.containers[0]?.environmentVariables).toEqual([
      { name: 'PLAIN', value: 'visible' },
      { name: 'SAS' },
    ]);
    expect(got.imageRegistryCredentials).toEqual([{ server: 'mcr.microsoft.com', username: 'u' }]);
    expect(got.volumes?.find((v) => v.name === 'share')?.azureFile).toEqual({
      shareName: 's',
      storageAccountName: 'acct',
    });
    expect(got.volumes?.find((v) => v.name === 'creds')?.secret).toEqual({});
    expect(got.diagnostics?.logAnalytics).toEqual({ workspaceId: 'ws' });
    expect(got.identity?.userAssignedIdentities).toBeDefined();
  });

  it('still hands secureValue to the container it belongs to', async () => {
    const seen: Record<string, string>[] = [];
    const spy = await startTestAciEmulator({
      provisioningMs: 10,
      simulate: (spec) => {
        seen.push({ ...spec.env });
        return { durationMs: 1, exitCode: 0 };
      },
    });
    try {
      const spyClient = await aciClient(spy);
      await spyClient.containerGroups.beginCreateOrUpdateAndWait('rg1', 'secret', aGroupWithSecrets(), {
        updateIntervalInMs: 5,
      });
      await waitFor(() => seen.length >= 2, { what: 'both containers to start', timeoutMs: 5_000 });
      expect(seen).toEqual([{ IN_SAS: SECRETS.initEnv }, { PLAIN: 'visible', SAS: SECRETS.env }]);
    } finally {
      await spy.stop();
    }
  });
});
